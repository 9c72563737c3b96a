// The three runtimes as command lines, each with its own state root, driven
// with the same runc-compatible commands.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// crun 1.8 refuses a cgroup v1/v2 hybrid host; in a private mount namespace
// without the cgroup2 mount it sees a plain v1 host. Only done when the host
// is hybrid, so on a v2 host crun runs as is.
export function isHybridCgroupHost() {
  const mounts = existsSync('/proc/self/mountinfo') ? readFileSync('/proc/self/mountinfo', 'utf8') : '';
  return / \/sys\/fs\/cgroup\/unified /.test(mounts) && / - cgroup /.test(mounts);
}

const HYBRID_WRAPPER = ['unshare', '-m', 'sh', '-c', 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', 'sh'];

export function crunPrefix() {
  return isHybridCgroupHost() ? HYBRID_WRAPPER : [];
}

// name, argv(args) and a few facts per runtime. `launcher` replaces how kago
// itself is started (node, Bun, environment), for the lever comparisons.
export function makeRuntimes({ repo, scratch }) {
  const kago = join(repo, 'bin', 'kago');
  const root = (name) => join(scratch, 'state', name);
  return {
    kago: { name: 'kago', tag: 'bench-kago', argv: (args) => [kago, '--root', root('kago'), ...args] },
    runc: { name: 'runc', tag: 'bench-runc', argv: (args) => ['runc', '--root', root('runc'), ...args] },
    crun: { name: 'crun', tag: 'bench-crun', argv: (args) => [...crunPrefix(), 'crun', '--root', root('crun'), ...args] },
  };
}

// kago started other ways than bin/kago, same bundle, same state root.
export function kagoVariant(name, tag, launcher, { repo, scratch }, env) {
  const root = join(scratch, 'state', 'kago');
  return { name, tag: `bench-${tag}`, env, argv: (args) => [...launcher, join(repo, 'dist', 'kago.cjs'), '--root', root, ...args] };
}

// The cost of the hybrid-host wrapper alone, to read crun's figures net of it.
export const wrapperOnly = { name: 'crun wrapper', argv: () => [...HYBRID_WRAPPER, 'true'] };

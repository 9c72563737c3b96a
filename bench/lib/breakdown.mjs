// Where kago's time goes. Two views: whole processes that each stop after one
// more piece (node alone, + the bundle, + koffi, + the core), and CPU profiles
// of `kago create` with the time inside each step of the lifecycle.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fn, inclusiveTimes, moduleTopLevel } from './profile.mjs';
import { timed } from './proc.mjs';
import { summarize } from './stats.mjs';

function alternating(cases, n, ctx) {
  const samples = Object.fromEntries(cases.map(([label]) => [label, []]));
  for (let i = 0; i < n; i++) {
    for (const [label, argv, env] of i % 2 ? [...cases].reverse() : cases) samples[label].push(timed(argv, { logFile: ctx.logFile, env }));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
}

export function processSteps(ctx, n) {
  const { node, repo } = ctx;
  const bundle = join(repo, 'dist', 'kago.cjs');
  const kago = (args) => [join(repo, 'bin', 'kago'), '--root', join(ctx.scratch, 'state', 'kago'), ...args];
  const loadCore = `require(${JSON.stringify(join(repo, 'dist', 'core.cjs'))}).loadCoreSync(require('fs').readFileSync(${JSON.stringify(join(repo, 'wasm', 'kago-core.wasm'))}))`;
  const koffi = `require(${JSON.stringify(join(repo, 'node_modules', 'koffi'))})`;
  return alternating([
    ['true (a static process)', ['true']],
    ['node -e 0', [node, '-e', '0']],
    ['node kago.cjs --version', [node, bundle, '--version']],
    ['bin/kago --version (+ sh launcher)', kago(['--version'])],
    ['node + require(koffi)', [node, '-e', koffi]],
    ['node + core bundle + wasm instance', [node, '-e', loadCore]],
    ['kago create --dry-run (validate + plan)', kago(['create', '--dry-run', '--bundle', ctx.bundle, 'bench-dry'])],
  ], n, ctx);
}

// Inside one process: the costs that are too small to see across processes.
export function inProcess(ctx, specExample) {
  const { repo } = ctx;
  const wasm = readFileSync(join(repo, 'wasm', 'kago-core.wasm'));
  const loader = createRequire(import.meta.url)(join(repo, 'dist', 'core.cjs'));
  const time = (f, n) => {
    const xs = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      f();
      xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return summarize(xs);
  };
  const compile = time(() => new WebAssembly.Module(wasm), 20);
  const instantiate = time(() => loader.loadCoreSync(wasm), 20);
  const core = loader.loadCoreSync(wasm);
  const config = readFileSync(join(ctx.bundle, 'config.json'), 'utf8');
  const out = { wasmCompileMs: compile, coreInstantiateMs: instantiate, validateBundleConfigMs: time(() => core.validateConfig(config, { requireProcess: true }), 200) };
  if (specExample) {
    const text = readFileSync(specExample, 'utf8');
    const problems = core.validateConfig(text).problems.filter((p) => p.severity === 'error');
    out.validateSpecExample = { file: specExample, errors: problems.length, ms: time(() => core.validateConfig(text), 200) };
  }
  return out;
}

const PROBES = [
  ['main (all of kago\'s own work)', fn('main')],
  ['read + validate config.json', fn('loadBundle')],
  ['  load the core (core.cjs + wasm)', fn('getCore')],
  ['  validate in the core', fn('validateConfig', 'core.cjs')],
  ['detect cgroup hierarchies', fn('detectHierarchies')],
  ['gather facts', fn('gatherFacts')],
  ['build the plan', fn('buildCreatePlan')],
  ['state writes (write + rename)', fn('write')],
  ['load node:child_process', (f) => f.functionName === '' && f.lineNumber === 0 && f.url === 'node:child_process'],
  ['load koffi', moduleTopLevel('koffi/index.cjs')],
  ['mkfifo (first koffi call in create)', fn('mkfifo')],
  ['flock (first koffi call in start, delete)', fn('flock')],
  ['create cgroup dirs', fn('createCgroupDirs')],
  ['apply cgroup limits', fn('applyCgroupLimits')],
  ['run the plan (spawn → READY)', fn('runPlan')],
  ['  spawn the executor', (f) => f.functionName === 'spawn' && f.url === 'node:child_process'],
  ['  wait for the executor (recvmsg)', fn('recvWithFd')],
  ['start: FIFO handshake', fn('startContainer')],
  ['delete: kill, wait, remove', fn('deleteContainer')],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
];

// CPU profiles of kago's create, start and delete of busybox `true`: the
// median of each step's inclusive time (steps absent from a command are left
// out). The profiler slows everything, so read these as shares.
export function lifecycleProfile(ctx, n) {
  const dir = join(ctx.scratch, 'profiles');
  const root = join(ctx.scratch, 'state', 'kago');
  const profiled = (cmd, args) => {
    const d = join(dir, cmd);
    mkdirSync(d, { recursive: true });
    timed([ctx.node, '--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', d, join(ctx.repo, 'dist', 'kago.cjs'), '--root', root, cmd, ...args], { logFile: ctx.logFile });
  };
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < n; i++) {
    const id = `bench-kago-prof-${i}`;
    profiled('create', ['--bundle', ctx.bundle, id]);
    profiled('start', [id]);
    profiled('delete', ['--force', id]);
  }
  const out = {};
  for (const cmd of ['create', 'start', 'delete']) {
    const runs = readdirSync(join(dir, cmd)).map((f) => inclusiveTimes(join(dir, cmd, f), PROBES));
    out[cmd] = {};
    for (const label of ['total', ...PROBES.map(([l]) => l)]) {
      const s = summarize(runs.map((r) => r[label]));
      if (s.max > 0) out[cmd][label] = s;
    }
  }
  return out;
}

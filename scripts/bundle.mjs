// Builds the host three ways:
// - dist/kago: the shipped command, a Bun single-file executable with the
//   host and the core's loader precompiled to bytecode (docs/performance.md
//   says why: a short command is mostly runtime start-up and compiling);
// - dist/kago.cjs: the same host for Node.js, with the core's loader in
//   dist/core.cjs, which only the commands that parse a config load.
// `--faults OUTDIR` builds the same into OUTDIR/ with the crash tests' fault
// injection compiled in (host/process/faults.ts): the test build, never shipped.
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';

const faults = process.argv[2] === '--faults';
const out = faults ? process.argv[3] : 'dist';
if (!out) {
  console.error('usage: bundle.mjs [--faults OUTDIR]');
  process.exit(2);
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // koffi's native module cannot be bundled.
  external: ['koffi', 'bun:ffi'],
  logLevel: 'warning',
  // Folds the build-time defines and drops the branches they make dead (the
  // test build's fault injection above all); names and layout stay readable.
  minifySyntax: true,
  // The sources are ES modules that locate files through import.meta.url.
  define: { 'import.meta.url': '__kagoModuleUrl', __KAGO_STANDALONE__: 'false', __KAGO_FAULTS__: String(faults) },
  banner: { js: "const __kagoModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

buildSync({ ...common, entryPoints: ['host/cli/main.ts'], outfile: `${out}/kago.cjs` });
buildSync({ ...common, entryPoints: ['wasm/core.ts'], outfile: `${out}/core.cjs` });

// A Bun executable would by default read .env and bunfig.toml (preloads,
// environment) from whatever directory it is started in: not kago's. The JIT
// policy raises JavaScriptCore's tier-up thresholds: a command's code runs
// once, and compiling it cost more CPU than it saved (host/sys/jit.ts).
execFileSync(
  'node_modules/@oven/bun-linux-x64/bin/bun',
  [
    'build',
    '--compile',
    '--bytecode',
    '--format=cjs',
    '--minify-syntax',
    '--target=bun-linux-x64',
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    '--compile-jit-policy=100',
    '--define',
    '__KAGO_STANDALONE__=true',
    '--define',
    `__KAGO_FAULTS__=${faults}`,
    '--external',
    'koffi',
    'host/cli/main.ts',
    '--outfile',
    `${out}/kago`,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

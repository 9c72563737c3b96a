// Builds the host three ways:
// - dist/kago: the shipped command, a Bun single-file executable with the
//   host and the core's loader precompiled to bytecode (docs/performance.md
//   says why: a short command is mostly runtime start-up and compiling);
// - dist/kago.cjs: the same host for Node.js, with the core's loader in
//   dist/core.cjs, which only the commands that parse a config load.
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // koffi's native module cannot be bundled.
  external: ['koffi'],
  logLevel: 'warning',
  // The sources are ES modules that locate files through import.meta.url.
  define: { 'import.meta.url': '__kagoModuleUrl', __KAGO_STANDALONE__: 'false' },
  banner: { js: "const __kagoModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

buildSync({ ...common, entryPoints: ['host/cli/main.ts'], outfile: 'dist/kago.cjs' });
buildSync({ ...common, entryPoints: ['wasm/core.ts'], outfile: 'dist/core.cjs' });

// A Bun executable would by default read .env and bunfig.toml (preloads,
// environment) from whatever directory it is started in: not kago's.
execFileSync('node_modules/@oven/bun-linux-x64/bin/bun', [
  'build', '--compile', '--bytecode', '--format=cjs', '--minify-syntax', '--target=bun-linux-x64',
  '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig',
  '--define', '__KAGO_STANDALONE__=true', '--external', 'koffi',
  'host/cli/main.ts', '--outfile', 'dist/kago',
], { stdio: ['ignore', 'ignore', 'inherit'] });

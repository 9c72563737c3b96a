// Bundles the host into dist/kago.cjs, and the core's loader into
// dist/core.cjs, which only the commands that parse a config load: compiling
// JavaScript is a large part of a short command's run time.
import { buildSync } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // koffi's native module cannot be bundled.
  external: ['koffi'],
  logLevel: 'warning',
  // The sources are ES modules that locate files through import.meta.url.
  define: { 'import.meta.url': '__kagoModuleUrl' },
  banner: { js: "const __kagoModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

buildSync({ ...common, entryPoints: ['host/cli/main.ts'], outfile: 'dist/kago.cjs' });
buildSync({ ...common, entryPoints: ['wasm/core.ts'], outfile: 'dist/core.cjs' });

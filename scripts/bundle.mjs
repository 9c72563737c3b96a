// Bundles the host into dist/kago.cjs (one file: startup reads one script
// instead of dozens of modules). koffi's native module cannot be bundled.
import { buildSync } from 'esbuild';

buildSync({
  entryPoints: ['host/cli/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  external: ['koffi'],
  logLevel: 'warning',
  outfile: 'dist/kago.cjs',
  // The sources are ES modules that locate files through import.meta.url.
  define: { 'import.meta.url': '__kagoModuleUrl' },
  banner: { js: "const __kagoModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

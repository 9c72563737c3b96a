// Builds the library into dist/lib: ESM bundles for Node (node.js) and for
// browsers (browser.js) with the core's .wasm next to them, and type
// declarations (types/) for both.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const out = 'dist/lib';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** @type {import('esbuild').BuildOptions} */
const common = { bundle: true, format: 'esm', logLevel: 'warning', legalComments: 'none' };
buildSync({ ...common, entryPoints: ['lib/node.ts'], outfile: `${out}/node.js`, platform: 'node', target: 'node20' });
buildSync({ ...common, entryPoints: ['lib/browser.ts'], outfile: `${out}/browser.js`, platform: 'browser', target: 'es2022' });
copyFileSync('wasm/kago-core.wasm', `${out}/kago-core.wasm`);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'lib/tsconfig.json'], { stdio: 'inherit' });
// The sources import each other as .ts (run directly by Node's type
// stripping); a consumer's compiler resolves declarations through .js.
const rewrite = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) rewrite(path);
    else if (name.endsWith('.d.ts')) {
      writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.{1,2}\/[^']*)\.ts'/g, "$1.js'"));
    }
  }
};
rewrite(`${out}/types`);

// Builds the page into web/dist: static files only (index.html, style.css,
// app.js, kago-core.wasm), served from anywhere, working offline.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';

const out = 'web/dist';
// Type-check the page's DOM code (the root tsconfig has no DOM types).
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'web/tsconfig.json'], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: ['web/src/main.ts'],
  outfile: `${out}/app.js`,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
// docker-default.json: Docker's default profile (moby's profiles/seccomp/default.json), the baseline a recorded profile is compared with.
for (const f of ['index.html', 'style.css', 'docker-default.json']) copyFileSync(`web/${f}`, `${out}/${f}`);
copyFileSync('wasm/kago-core.wasm', `${out}/kago-core.wasm`);

// Where kago's own files are. The bundle (dist/kago.cjs), the single-file
// executable (dist/kago) and the sources (host/*.ts, run directly by tests)
// all sit one directory below the project root; the executable's own code
// lives in a virtual filesystem, so it goes by its own path instead.
import { dirname, join } from 'node:path';

/** true in the single-file executable, set at build time (scripts/bundle.mjs). */
declare const __KAGO_STANDALONE__: boolean | undefined;
const standalone = typeof __KAGO_STANDALONE__ !== 'undefined' && __KAGO_STANDALONE__;

// new URL rather than node:url's fileURLToPath: importing node:url costs every command ~0.1 ms under Bun.
const here = standalone ? dirname(process.execPath) : dirname(decodeURIComponent(new URL(import.meta.url).pathname));

export const installRoot = join(here, '..');
export const executorPath = join(installRoot, 'native', 'kago-exec');
export const coreWasmPath = join(installRoot, 'wasm', 'kago-core.wasm');
export const coreBundlePath = join(installRoot, 'dist', 'core.cjs');
/** runc's choice too: /run for root, the user's runtime directory otherwise. */
export function defaultStateRoot(): string {
  if (process.geteuid?.() === 0) return '/run/kago';
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  return runtimeDir ? `${runtimeDir}/kago` : `/tmp/kago-${process.geteuid?.()}`;
}

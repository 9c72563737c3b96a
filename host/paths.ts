// Where kago's own files are. Both the bundle (dist/kago.cjs) and the sources
// (host/*.ts, run directly by tests) sit one directory below the project root.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

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

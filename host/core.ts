// The portable core, loaded on first use from its own bundle: only commands
// that parse a config pay for compiling its loader and instantiating the wasm.
// The single-file executable carries the loader inside (precompiled, so it
// costs nothing until used).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Core } from '../wasm/core.ts';
import { log } from './log.ts';
import { coreBundlePath, coreWasmPath } from './paths.ts';

/** Set at build time (host/paths.ts); written out here so that the Node bundle drops the branch. */
declare const __KAGO_STANDALONE__: boolean | undefined;

type CoreModule = typeof import('../wasm/core.ts');

let core: Core | null = null;

export function getCore(): Core {
  if (!core) {
    const started = performance.now();
    const loader = (typeof __KAGO_STANDALONE__ !== 'undefined' && __KAGO_STANDALONE__ ? require('../wasm/core.ts') : createRequire(import.meta.url)(coreBundlePath)) as CoreModule;
    core = loader.loadCoreSync(readFileSync(coreWasmPath));
    log('debug', `core loaded in ${(performance.now() - started).toFixed(1)} ms`);
  }
  return core;
}

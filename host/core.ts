// The portable core, loaded on first use from its own bundle: only commands
// that parse a config pay for compiling its loader and instantiating the wasm.
// The single-file executable carries the loader inside (precompiled, so it
// costs nothing until used).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Core, WasmInput } from '../wasm/core.ts';
import { log } from './log.ts';
import { coreBundlePath, coreWasmPath } from './paths.ts';

/** Set at build time (host/paths.ts); written out here so that the Node bundle drops the branch. */
declare const __KAGO_STANDALONE__: boolean | undefined;

type CoreModule = typeof import('../wasm/core.ts');

let core: Core | null = null;
let compiled: WasmInput | null = null;

// The engine's global; its types come with the DOM library, which the host does not use.
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmInput> };

/**
 * Compiles the core's wasm on another thread. JavaScriptCore (the shipped
 * executable's engine) compiles a module eagerly, ~5 ms for the core; a
 * command that will need the core starts this first and does other work
 * meanwhile. getCore() then only instantiates.
 */
export async function compileCoreAhead(): Promise<void> {
  if (core || compiled) return;
  compiled = await WebAssembly.compile(readFileSync(coreWasmPath));
}

export function getCore(): Core {
  if (!core) {
    const started = performance.now();
    const loader = (
      typeof __KAGO_STANDALONE__ !== 'undefined' && __KAGO_STANDALONE__ ? require('../wasm/core.ts') : createRequire(import.meta.url)(coreBundlePath)
    ) as CoreModule;
    core = loader.loadCoreSync(compiled ?? readFileSync(coreWasmPath));
    log('debug', `core loaded in ${(performance.now() - started).toFixed(1)} ms`);
  }
  return core;
}

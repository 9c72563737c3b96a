// The library for Node: the core's .wasm is read from next to this module
// (dist/lib/kago-core.wasm in the package) unless the caller passes bytes.
import { readFileSync } from 'node:fs';
import { instantiateCore, loadCoreSync } from '../wasm/core.ts';
import { createKago, type Kago } from './kago.ts';

export * from './kago.ts';
export { analyzeFilter, type ArchAnalysis, type SyscallOutcome } from './analyze.ts';
export { compareFilters, type ProfileComparison } from './compare.ts';
export { disassemble, disassemblyText, seccompActionText } from './disassemble.ts';

function defaultWasm(): Uint8Array {
  return readFileSync(new URL('./kago-core.wasm', import.meta.url));
}

/** Loads the core synchronously (≈ 5 ms). */
export function loadKagoSync(wasm?: Uint8Array): Kago {
  return createKago(loadCoreSync(wasm ?? defaultWasm()));
}

export async function loadKago(wasm?: Uint8Array): Promise<Kago> {
  return createKago(await instantiateCore(wasm ?? defaultWasm()));
}

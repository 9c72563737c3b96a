// The library for browsers: the core's .wasm is fetched from next to this
// module unless the caller passes a URL, a Response or the bytes.
import { instantiateCore } from '../wasm/core.ts';
import { createKago, type Kago } from './kago.ts';

export * from './kago.ts';
export { analyzeFilter, type ArchAnalysis, type SyscallOutcome } from './analyze.ts';
export { compareFilters, type ProfileComparison } from './compare.ts';
export { disassemble, disassemblyText, seccompActionText } from './disassemble.ts';

export type WasmSource = URL | string | Response | Promise<Response> | ArrayBuffer | Uint8Array;

export async function loadKago(wasm: WasmSource = new URL('./kago-core.wasm', import.meta.url)): Promise<Kago> {
  const source = wasm instanceof URL || typeof wasm === 'string' ? fetch(wasm) : wasm instanceof Response ? Promise.resolve(wasm) : wasm;
  return createKago(await instantiateCore(source));
}

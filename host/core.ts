// The portable core, loaded on first use: only commands that parse a config
// pay the few milliseconds it costs.
import { readFileSync } from 'node:fs';
import { type Core, loadCoreSync } from '../wasm/core.ts';
import { coreWasmPath } from './paths.ts';

let core: Core | null = null;

export function getCore(): Core {
  core ??= loadCoreSync(readFileSync(coreWasmPath));
  return core;
}

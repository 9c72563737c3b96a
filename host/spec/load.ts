// config.json from a bundle, validated by the core. All problems are reported
// together, each with its JSON pointer.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getCore } from '../core.ts';
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import type { Problem } from '../../wasm/core.ts';
import type { Spec } from '../../wasm/spec.gen.ts';

/** Larger than any real config; a bound so a hostile file cannot exhaust memory. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** "config.json: /mounts/3/destination" or "config.json: line 4, column 7" */
export function problemLocation(file: string, p: Problem): string {
  if (p.pointer !== '') return `${file}: ${p.pointer}`;
  return p.line ? `${file}: line ${p.line}, column ${p.column}` : file;
}

export function formatProblem(file: string, p: Problem): string {
  return `${problemLocation(file, p)}: ${p.message}`;
}

/**
 * The file's bytes, checked to be a regular file of a sane size. The core
 * takes bytes as they are (copied into its memory at once; a string would be
 * encoded character by character) and refuses invalid UTF-8 itself.
 */
export function readConfigBytes(path: string): Buffer {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new KagoError(path, 'is not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof KagoError) throw e;
    throw new KagoError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : String((e as Error).message), { cause: e });
  }
  if (size > MAX_CONFIG_BYTES) throw new KagoError(path, `is larger than ${MAX_CONFIG_BYTES} bytes`);
  return readFileSync(path);
}

export function readConfigText(path: string): string {
  return readConfigBytes(path).toString('utf8');
}

export interface LoadedBundle {
  bundle: string;
  spec: Spec;
  /** the file as read: 64-bit values (seccomp arguments) survive only here, not in spec */
  bytes: Uint8Array;
}

export function loadBundle(bundleArg: string | undefined, requireProcess: boolean): LoadedBundle {
  const bundle = resolve(bundleArg ?? '.');
  const bytes = readConfigBytes(join(bundle, 'config.json'));
  const result = getCore().validateConfig(bytes, { requireProcess });
  const errors = result.problems.filter((p) => p.severity === 'error');
  for (const w of result.problems.filter((p) => p.severity === 'warning')) log('warning', formatProblem('config.json', w));
  if (errors.length > 0 || !result.config) {
    const lines = errors.map((p) => formatProblem('config.json', p));
    const first = errors[0];
    if (!first) throw new KagoError('config.json', 'invalid');
    throw new KagoError(problemLocation('config.json', first), first.message, { details: lines.slice(1) });
  }
  return { bundle, spec: result.config, bytes };
}

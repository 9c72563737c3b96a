// The typed face of the C core (wasm/kago-core.wasm). This is the one place
// where the strings the C functions return become typed values; the rest of
// kago, in Node or in a browser, sees only `Core`. Loading never reads files:
// the caller passes the bytes (Node) or a fetch (browser).
import { instantiateNapiModule, instantiateNapiModuleSync, type WASIInstance } from '@emnapi/core';
import { getDefaultContext } from '@emnapi/runtime';
import type { Spec } from './spec.gen.ts';
import { bindCgroups, type CgroupsApi } from './cgroups.ts';
import { bindDocker, type DockerApi } from './docker.ts';
import { bindSeccomp, type SeccompApi } from './seccomp.ts';
import { bindSyscallTables, type SyscallTablesApi } from './syscalls.ts';
import { CoreResultError } from './core-error.ts';

export interface Problem {
  pointer: string;
  message: string;
  severity: 'error' | 'warning';
  line?: number;
  column?: number;
}

export interface ValidationResult {
  problems: Problem[];
  // The validated document, null when there are errors.
  config: Spec | null;
}

export interface ValidateOptions {
  // create/run need a process (config.md: REQUIRED when start is called).
  requireProcess?: boolean;
}

export interface Core {
  // The text may be bytes as read from config.json: invalid UTF-8 is then
  // reported with its position instead of being replaced by U+FFFD.
  validateConfig(text: string | Uint8Array, options?: ValidateOptions): ValidationResult;
  // The seccomp compiler and BPF interpreter (wasm/seccomp.ts).
  seccomp: SeccompApi;
  // cgroup writes and the v2 device program (wasm/cgroups.ts).
  cgroups: CgroupsApi;
  // Docker's seccomp profile format -> OCI linux.seccomp (wasm/docker.ts).
  docker: DockerApi;
  // Syscall names and numbers per architecture (wasm/syscalls.ts).
  syscalls: SyscallTablesApi;
}

// What the C module exports, before typing.
export interface RawCoreExports {
  validateConfig(text: string | Uint8Array, requireProcess: boolean): string;
  [name: string]: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toProblem(v: unknown): Problem {
  if (!isRecord(v) || typeof v.pointer !== 'string' || typeof v.message !== 'string') {
    throw new CoreResultError('core returned a malformed problem');
  }
  if (v.severity !== 'error' && v.severity !== 'warning') {
    throw new CoreResultError('core returned a problem without a severity');
  }
  const p: Problem = { pointer: v.pointer, message: v.message, severity: v.severity };
  if (typeof v.line === 'number') p.line = v.line;
  if (typeof v.column === 'number') p.column = v.column;
  return p;
}

function toValidationResult(text: string): ValidationResult {
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed) || !Array.isArray(parsed.problems)) {
    throw new CoreResultError('core returned a malformed validation result');
  }
  const problems = parsed.problems.map(toProblem);
  const config = parsed.config;
  if (config !== null && !isRecord(config)) {
    throw new CoreResultError('core returned a config that is not an object');
  }
  // The core validated this document against runtime-spec v1.3.0, which is
  // what makes it a Spec.
  return { problems, config: config as Spec | null };
}

function isRawCoreExports(v: unknown): v is RawCoreExports {
  return isRecord(v) && typeof v.validateConfig === 'function';
}

export function bindCore(raw: unknown): Core {
  if (!isRawCoreExports(raw)) throw new CoreResultError('the wasm module does not export validateConfig');
  return {
    validateConfig(text, options = {}) {
      return toValidationResult(raw.validateConfig(text, options.requireProcess === true));
    },
    seccomp: bindSeccomp(raw),
    cgroups: bindCgroups(raw),
    docker: bindDocker(raw),
    syscalls: bindSyscallTables(raw),
  };
}

/**
 * The core makes no system calls: wasi-libc links in fd_close, fd_seek and
 * fd_write for its stdio, which the core never uses. A full WASI
 * implementation would cost a browser bundle and, in Node, loading the
 * crypto module (~9 ms a command); these answers are all it needs.
 */
const ENOSYS = 52;
function newWasi(): WASIInstance {
  const unsupported = () => ENOSYS;
  const wasiImport = { fd_close: unsupported, fd_seek: unsupported, fd_write: unsupported };
  return {
    wasiImport,
    initialize(instance: object) {
      const exports = (instance as { exports: Record<string, unknown> }).exports;
      if (typeof exports._initialize === 'function') (exports._initialize as () => void)();
    },
    start(): number {
      throw new Error('the kago core is a reactor module and has no entry point');
    },
    getImportObject: () => ({ wasi_snapshot_preview1: wasiImport }),
  };
}

/** The .wasm's bytes, or the module compiled from them. */
export type WasmInput = Parameters<typeof instantiateNapiModuleSync>[0];

export function loadCoreSync(wasm: WasmInput): Core {
  const { napiModule } = instantiateNapiModuleSync(wasm, { wasi: newWasi(), context: getDefaultContext() });
  return bindCore(napiModule.exports);
}

export async function instantiateCore(source: ArrayBuffer | ArrayBufferView | Promise<Response>): Promise<Core> {
  const { napiModule } = await instantiateNapiModule(source, { wasi: newWasi(), context: getDefaultContext() });
  return bindCore(napiModule.exports);
}

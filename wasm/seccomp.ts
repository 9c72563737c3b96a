// The typed face of the core's seccomp compiler and BPF interpreter.
// `bindSeccomp` takes the raw exports of the wasm module (what emnapi's
// instantiate returns as napiModule.exports).
import { CoreResultError } from './core-error.ts';

export interface SeccompProblem {
  pointer: string;
  message: string;
  severity: 'error' | 'warning';
  line?: number;
  column?: number;
}

export interface SeccompAction {
  name: string;
  /** The full SECCOMP_RET_* value, data bits included. */
  ret: number;
}

export interface SeccompArchStats {
  name: string;
  audit: number;
  /** Syscalls whose verdict differs from the default action. */
  syscalls: number;
  /** Of those, syscalls with argument conditions. */
  conditional: number;
  /** Ranges of equal verdicts in this architecture's number tree. */
  ranges: number;
  /**
   * The highest number the profile names here, when a syscall above it (one
   * newer than the profile) gets ENOSYS rather than the default action, as
   * runc's patchbpf stub gives it.
   */
  newerAbove?: number;
}

export interface SeccompReport {
  ok: boolean;
  /** False when a config.json has no linux.seccomp: no filter to load. */
  seccomp: boolean;
  /** JSON pointer of the seccomp object ("" or "/linux/seccomp"). */
  pointer: string;
  problems: SeccompProblem[];
  errors: number;
  warnings: number;
  /** Present when a filter was generated. */
  flags?: number;
  flagNames?: string[];
  defaultAction?: SeccompAction;
  badArchAction?: SeccompAction;
  notify?: boolean;
  listenerPath?: string | null;
  instructions?: number;
  arches?: SeccompArchStats[];
}

export interface SeccompCompilation {
  /** struct sock_filter[] (8 bytes each, little-endian); empty on errors. */
  bpf: ArrayBuffer;
  report: SeccompReport;
}

export interface SeccompVerdict {
  valid: boolean;
  error?: string;
  ret: number;
  action: string;
  data: number;
  executed: number;
  /** Indexes of the first instructions executed. */
  path: number[];
}

export interface SeccompApi {
  /**
   * Compiles a linux.seccomp object, or a whole config.json (then
   * /linux/seccomp is used). `arches`, when not empty, replaces the profile's
   * architectures (OCI names, "SCMP_ARCH_X86_64").
   */
  compile(text: string | Uint8Array, arches?: readonly string[]): SeccompCompilation;
  /** What the filter answers to syscall `nr` with `args` on `arch`. */
  simulate(bpf: ArrayBuffer, arch: string, nr: number, args?: readonly bigint[]): SeccompVerdict;
}

type CompileFn = (text: string | Uint8Array, arches: string) => unknown;
type SimulateFn = (bpf: ArrayBuffer, arch: string, nr: number, args: string) => unknown;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseObject(text: unknown, what: string): Record<string, unknown> {
  if (typeof text !== 'string') throw new CoreResultError(`core returned no ${what}`);
  const v: unknown = JSON.parse(text);
  if (!isRecord(v)) throw new CoreResultError(`core returned a malformed ${what}`);
  return v;
}

function toReport(v: Record<string, unknown>): SeccompReport {
  if (typeof v.ok !== 'boolean' || !Array.isArray(v.problems) || typeof v.errors !== 'number') {
    throw new CoreResultError('core returned a malformed seccomp report');
  }
  for (const p of v.problems) {
    if (!isRecord(p) || typeof p.pointer !== 'string' || typeof p.message !== 'string' || (p.severity !== 'error' && p.severity !== 'warning')) {
      throw new CoreResultError('core returned a malformed problem');
    }
  }
  // Checked above field by field where the rest of kago depends on them; the
  // statistics are written by the same C function as the checked fields.
  return v as unknown as SeccompReport;
}

function toVerdict(v: Record<string, unknown>): SeccompVerdict {
  if (typeof v.valid !== 'boolean' || typeof v.ret !== 'number' || typeof v.executed !== 'number' || typeof v.action !== 'string' || !Array.isArray(v.path)) {
    throw new CoreResultError('core returned a malformed verdict');
  }
  return v as unknown as SeccompVerdict;
}

const U64_MAX = (1n << 64n) - 1n;

export function bindSeccomp(raw: Record<string, unknown>): SeccompApi {
  const compileRaw = raw.compileSeccomp;
  const simulateRaw = raw.simulateSeccomp;
  if (typeof compileRaw !== 'function' || typeof simulateRaw !== 'function') {
    throw new CoreResultError('the wasm module does not export compileSeccomp/simulateSeccomp');
  }
  const compileFn = compileRaw as CompileFn;
  const simulateFn = simulateRaw as SimulateFn;
  return {
    compile(text, arches = []) {
      const out = compileFn(text, arches.join(','));
      if (!isRecord(out) || !(out.bpf instanceof ArrayBuffer)) {
        throw new CoreResultError('core returned a malformed compilation');
      }
      return { bpf: out.bpf, report: toReport(parseObject(out.result, 'seccomp report')) };
    },
    simulate(bpf, arch, nr, args = []) {
      if (args.length > 6) throw new RangeError('a syscall has at most 6 arguments');
      for (const a of args) if (a < 0n || a > U64_MAX) throw new RangeError('arguments are u64');
      return toVerdict(parseObject(simulateFn(bpf, arch, nr, args.join(',')), 'verdict'));
    },
  };
}

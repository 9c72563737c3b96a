// The typed face of the core's Docker profile conversion
// (core-c/seccomp/docker.c): Docker's seccomp format, with archMap and
// includes/excludes, turned into the OCI linux.seccomp object Docker would
// hand a runtime for one container on one host.
import { CoreResultError } from './core-error.ts';

export interface DockerConversionOptions {
  /** The container's architecture: Go ("amd64", "arm64", "386"), libseccomp
   *  ("x86") or OCI ("SCMP_ARCH_X86_64") spelling. */
  arch: string;
  /** The container's bounding capabilities ("CAP_SYS_ADMIN", ...). */
  capabilities?: readonly string[];
  /** The host's kernel release ("6.1", "6.1.0-13-amd64"); needed only when a
   *  rule has a minKernel. */
  kernel?: string;
}

export interface DockerProblem {
  pointer: string;
  message: string;
  severity: 'error' | 'warning';
  line?: number;
  column?: number;
}

export interface DockerConversion {
  problems: DockerProblem[];
  /** True when the profile turns seccomp off (no defaultAction, no syscalls). */
  disabled: boolean;
  /** The OCI linux.seccomp object; null on errors or when disabled. */
  seccomp: Record<string, unknown> | null;
}

export interface DockerApi {
  toOci(profile: string | Uint8Array, options: DockerConversionOptions): DockerConversion;
}

type ConvertFn = (profile: string | Uint8Array, options: string) => unknown;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toConversion(text: unknown): DockerConversion {
  if (typeof text !== 'string') throw new CoreResultError('core returned no conversion');
  const v: unknown = JSON.parse(text);
  if (!isRecord(v) || !Array.isArray(v.problems) || typeof v.disabled !== 'boolean' || (v.seccomp !== null && !isRecord(v.seccomp))) {
    throw new CoreResultError('core returned a malformed conversion');
  }
  for (const p of v.problems) {
    if (!isRecord(p) || typeof p.pointer !== 'string' || typeof p.message !== 'string' || (p.severity !== 'error' && p.severity !== 'warning')) {
      throw new CoreResultError('core returned a malformed problem');
    }
  }
  // Checked field by field above; the problems are written by one C function.
  return { problems: v.problems as DockerProblem[], disabled: v.disabled, seccomp: v.seccomp };
}

export function bindDocker(raw: Record<string, unknown>): DockerApi {
  const convert = raw.dockerSeccompToOci;
  if (typeof convert !== 'function') throw new CoreResultError('the wasm module does not export dockerSeccompToOci');
  const convertFn = convert as ConvertFn;
  return {
    toOci(profile, options) {
      return toConversion(convertFn(profile, JSON.stringify(options)));
    },
  };
}

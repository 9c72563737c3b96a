// What `--seccomp-record FILE` (or the annotation) asks for, checked before
// anything is created, and the filter the container runs under while it is
// recorded.
import { lstatSync, type Stats, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { KagoError } from '../errors.ts';
import { type CompiledSeccomp, NATIVE_ARCH } from '../plan/seccomp.ts';

/** The annotation engines can set instead of the flag: the file to write (relative: to the bundle). */
export const RECORD_ANNOTATION = 'org.kago.seccomp.record';
/** "true": as --seccomp-record-args */
export const RECORD_ARGS_ANNOTATION = 'org.kago.seccomp.record-args';

export interface RecordOptions {
  file: string;
  /** --seccomp-record-args: argument rules for the calls Docker's profile restricts by argument */
  args: boolean;
  /**
   * The file must not exist and is made new, never over another: so the
   * annotation, which whoever writes the config sets, cannot have root
   * replace a file of the host.
   */
  fresh?: boolean;
}

/** What the recorder process is given (lifecycle.ts passes it on its command line). */
export interface RecorderRequest {
  /** absolute */
  file: string;
  /** RecordOptions.fresh */
  fresh?: boolean;
  withArgs: boolean;
  /** the profile's architectures */
  arches: string[];
  initPid: number;
  initStartTime: string;
  /** the config's own filter (base64): each call is answered as it would answer */
  original?: string;
}

export interface RecordingSeccomp extends CompiledSeccomp {
  recording: { file: string; fresh?: boolean; withArgs: boolean; arches: string[]; original?: CompiledSeccomp };
}

/** What a recording reads of config.json: any config's type has this shape. */
export interface RecordedConfig {
  annotations?: Record<string, string>;
  linux?: { seccomp?: { architectures?: readonly unknown[] } };
}

/** Each one's 32-bit companion, which its kernel also runs (the set Docker's profile lists). */
const COMPANION: Record<string, string> = {
  SCMP_ARCH_X86_64: 'SCMP_ARCH_X86',
  SCMP_ARCH_AARCH64: 'SCMP_ARCH_ARM',
  SCMP_ARCH_S390X: 'SCMP_ARCH_S390',
};

const SECCOMP_FILTER_FLAG_TSYNC = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
// BPF_RET|BPF_K, SECCOMP_RET_USER_NOTIF: every call of every architecture, whatever its number.
const NOTIFY_EVERYTHING = new Uint8Array([0x06, 0, 0, 0, 0x00, 0x00, 0xc0, 0x7f]);

function pointer(key: string): string {
  return `config.json: /annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function requested(flag: RecordOptions | undefined, spec: RecordedConfig, bundle: string): (RecordOptions & { where: string }) | undefined {
  if (flag) return { ...flag, file: resolve(flag.file), where: `--seccomp-record ${flag.file}` };
  const file = spec.annotations?.[RECORD_ANNOTATION];
  if (file === undefined) return undefined;
  if (file === '') throw new KagoError(pointer(RECORD_ANNOTATION), 'must name a file');
  if (!file.endsWith('.json')) throw new KagoError(pointer(RECORD_ANNOTATION), 'must name a .json file');
  const args = spec.annotations?.[RECORD_ARGS_ANNOTATION];
  if (args !== undefined && args !== 'true' && args !== 'false') throw new KagoError(pointer(RECORD_ARGS_ANNOTATION), 'must be "true" or "false"');
  return { file: isAbsolute(file) ? file : join(bundle, file), args: args === 'true', fresh: true, where: pointer(RECORD_ANNOTATION) };
}

function checkDestination(file: string, where: string, fresh: boolean): void {
  let dir: Stats;
  try {
    dir = statSync(dirname(file));
  } catch {
    throw new KagoError(where, 'its directory does not exist');
  }
  if (!dir.isDirectory()) throw new KagoError(where, 'a component of the path is not a directory');
  let existing: Stats;
  try {
    existing = lstatSync(file);
  } catch {
    return;
  }
  if (existing.isDirectory()) throw new KagoError(where, 'is a directory');
  if (fresh) throw new KagoError(where, `${file} exists: the annotation only makes a new file, it never replaces one`);
}

/**
 * The recording filter replaces the config's: a call the config's filter
 * would refuse never reaches a filter stacked after it (the kernel takes the
 * most restrictive verdict), so the recorder answers for that filter instead.
 * TSYNC goes: init is single-threaded, and the kernel refuses it together
 * with NEW_LISTENER (EINVAL, seccomp_set_mode_filter) unless
 * TSYNC_ESRCH, which Linux 5.7 added, comes with it.
 */
export function recordingSeccomp(
  flag: RecordOptions | undefined,
  spec: RecordedConfig,
  bundle: string,
  original: CompiledSeccomp | undefined,
): RecordingSeccomp | undefined {
  const request = requested(flag, spec, bundle);
  if (!request) return undefined;
  // The recorder takes the listener with pidfd_getfd, which needs ptrace access to init; init is not
  // dumpable (native/main.c), so without CAP_SYS_PTRACE on the host the kernel refuses it.
  if (process.geteuid?.() !== 0)
    throw new KagoError(
      request.where,
      'recording needs root: the recorder must take the seccomp listener out of init (pidfd_getfd), which the kernel allows only with CAP_SYS_PTRACE',
    );
  checkDestination(request.file, request.where, request.fresh === true);
  if (original?.listener) {
    throw new KagoError(
      'config.json: /linux/seccomp/listenerPath',
      'a recorded container cannot also hand its listener to an agent: the recording answers every call itself',
    );
  }
  const native = NATIVE_ARCH[process.arch];
  const configured = (spec.linux?.seccomp?.architectures ?? []).filter((a): a is string => typeof a === 'string');
  const base = native ? [native, ...(configured.length ? configured : COMPANION[native] ? [COMPANION[native]] : [])] : configured;
  return {
    flags: ((original?.flags ?? 0) & ~SECCOMP_FILTER_FLAG_TSYNC) | SECCOMP_FILTER_FLAG_NEW_LISTENER,
    filter: NOTIFY_EVERYTHING,
    recording: { file: request.file, fresh: request.fresh, withArgs: request.args, arches: [...new Set(base)], original },
  };
}

export function recordingOf(seccomp: CompiledSeccomp | undefined): RecordingSeccomp['recording'] | undefined {
  return seccomp && 'recording' in seccomp ? (seccomp as RecordingSeccomp).recording : undefined;
}

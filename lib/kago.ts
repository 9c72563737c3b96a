// The library's one object: kago's portable core (config validation, the
// seccomp compiler and interpreter, Docker profile conversion, cgroup
// writes) behind plain functions. Nothing here touches the system, so the
// same code serves Node test suites and a browser page; node.ts and
// browser.ts only differ in how they obtain the .wasm bytes.
import type { CgroupHost, CgroupWrites } from '../wasm/cgroups.ts';
import type { Core, Problem, ValidateOptions } from '../wasm/core.ts';
import type { DockerConversionOptions } from '../wasm/docker.ts';
import type { SeccompReport } from '../wasm/seccomp.ts';
import { disassemble, type BpfInstruction } from './disassemble.ts';

export type { CgroupHost, CgroupWrites, Core, DockerConversionOptions, Problem, SeccompReport, ValidateOptions };
export type { BpfInstruction };
// The config.json types, generated from the validator's tables.
export type {
  Hook,
  Hooks,
  Linux,
  LinuxCapabilities,
  LinuxDevice,
  LinuxIdMapping,
  LinuxNamespace,
  LinuxResources,
  LinuxSeccomp,
  LinuxSyscall,
  Mount,
  NamespaceType,
  PosixRlimit,
  Process,
  Root,
  SeccompAction,
  SeccompArch,
  Spec,
  User,
} from '../wasm/spec.gen.ts';

/** A profile as text, bytes, or an already parsed object. */
export type ProfileInput = string | Uint8Array | object;

export interface CompileOptions {
  /** Replaces the profile's architectures ("SCMP_ARCH_AARCH64", "aarch64", "arm64"). */
  arches?: readonly string[];
}

export interface Compilation {
  /** struct sock_filter[], exactly the bytes kago loads. */
  bpf: Uint8Array;
  report: SeccompReport;
}

export interface Verdict {
  /** The OCI architecture name the call was evaluated for. */
  arch: string;
  /** The syscall's name on that architecture, when the tables know it. */
  syscall: string | null;
  nr: number;
  /** "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", ... */
  action: string;
  /** The errno for SCMP_ACT_ERRNO, else undefined. */
  errno?: number;
  /** SECCOMP_RET_DATA: errno, trace value. */
  data: number;
  /** The full SECCOMP_RET_* value. */
  ret: number;
  /** Instructions the filter executed to decide. */
  executed: number;
  /** Indexes of the instructions executed (the first 64). */
  path: number[];
}

export interface Explanation extends Verdict {
  /** The executed instructions, disassembled. */
  steps: BpfInstruction[];
}

/** Thrown when a document has errors; `problems` carries their JSON pointers. */
export class KagoProblemsError extends Error {
  readonly problems: Problem[];
  constructor(what: string, problems: Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const first = errors[0];
    super(`${what}: ${first ? `${first.pointer || '/'}: ${first.message}` : 'invalid'}` + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''));
    this.name = 'KagoProblemsError';
    this.problems = problems;
  }
}

export interface Kago {
  /** The typed core underneath, for what this object does not wrap. */
  readonly core: Core;
  /** Every problem of a config.json, each with its JSON pointer. */
  validate(configText: string | Uint8Array, options?: ValidateOptions): Problem[];
  /** A linux.seccomp object (or a whole config.json) -> BPF; throws KagoProblemsError. */
  compileSeccomp(profile: ProfileInput, options?: CompileOptions): Uint8Array;
  /** The same, with the compiler's report (statistics, warnings). */
  compileSeccompReport(profile: ProfileInput, options?: CompileOptions): Compilation;
  /** What the filter answers to one syscall, by name or number. */
  simulate(bpf: Uint8Array | ArrayBuffer, arch: string, syscall: string | number, args?: readonly (bigint | number)[]): Verdict;
  /** simulate, with the instructions that decided. */
  explain(bpf: Uint8Array | ArrayBuffer, arch: string, syscall: string | number, args?: readonly (bigint | number)[]): Explanation;
  /** null when the architecture has no such syscall (aarch64 has no mkdir). */
  syscallNumber(arch: string, name: string): number | null;
  syscallName(arch: string, nr: number): string | null;
  /** The OCI architecture names the core knows. */
  architectures(): readonly string[];
  /** Docker's profile format -> the OCI linux.seccomp object Docker would
   *  generate; null when the profile disables seccomp. Throws KagoProblemsError. */
  dockerProfileToOci(profile: ProfileInput, options: DockerConversionOptions): Record<string, unknown> | null;
  /** linux.resources -> the cgroup file writes for a host. */
  cgroupWrites(resources: unknown, host: CgroupHost): CgroupWrites;
  disassemble(bpf: Uint8Array | ArrayBuffer): BpfInstruction[];
}

function textOf(input: ProfileInput): string | Uint8Array {
  if (typeof input === 'string' || input instanceof Uint8Array) return input;
  return JSON.stringify(input);
}

// Short spellings people use for architectures; the core speaks OCI names.
const ARCH_ALIASES: Readonly<Record<string, string>> = {
  amd64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
  '386': 'SCMP_ARCH_X86',
  i386: 'SCMP_ARCH_X86',
  i686: 'SCMP_ARCH_X86',
  loong64: 'SCMP_ARCH_LOONGARCH64',
};

/** "aarch64", "arm64", "SCMP_ARCH_AARCH64" -> "SCMP_ARCH_AARCH64". */
/** The capabilities Docker gives a container by default (moby's oci/caps/defaults.go): what its seccomp profile's capability conditions are judged against. */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export function ociArchName(arch: string): string {
  if (arch.startsWith('SCMP_ARCH_')) return arch;
  return ARCH_ALIASES[arch] ?? `SCMP_ARCH_${arch.toUpperCase()}`;
}

function toBigint(v: bigint | number): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw new RangeError(`argument ${v} is not an exact integer: pass a bigint`);
  // A negative number is the C value a program would pass: its u64 bits.
  return BigInt.asUintN(64, BigInt(v));
}

function toArrayBuffer(bpf: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (bpf instanceof ArrayBuffer) return bpf;
  const copy = new Uint8Array(bpf.byteLength);
  copy.set(bpf);
  return copy.buffer;
}

export function createKago(core: Core): Kago {
  const tableOf = (arch: string) => {
    const name = ociArchName(arch);
    const table = core.syscalls.table(name);
    if (table === null) throw new RangeError(`unknown architecture ${JSON.stringify(arch)}`);
    return { name, table };
  };

  const compileSeccompReport = (profile: ProfileInput, options: CompileOptions = {}): Compilation => {
    const { bpf, report } = core.seccomp.compile(textOf(profile), (options.arches ?? []).map(ociArchName));
    if (!report.ok) throw new KagoProblemsError('seccomp profile', report.problems);
    return { bpf: new Uint8Array(bpf), report };
  };

  const simulate = (bpf: Uint8Array | ArrayBuffer, arch: string, syscall: string | number, args: readonly (bigint | number)[] = []): Verdict => {
    const { name, table } = tableOf(arch);
    let nr: number;
    if (typeof syscall === 'number') {
      nr = syscall;
    } else {
      const found = table.numbers.get(syscall);
      if (found === undefined) {
        throw new RangeError(`${name} has no syscall named ${JSON.stringify(syscall)}`);
      }
      nr = found;
    }
    const v = core.seccomp.simulate(toArrayBuffer(bpf), name, nr, args.map(toBigint));
    if (!v.valid) throw new Error(`the filter is malformed: ${v.error ?? 'unknown error'}`);
    const verdict: Verdict = {
      arch: name,
      syscall: table.names.get(nr) ?? null,
      nr,
      action: v.action,
      data: v.data,
      ret: v.ret,
      executed: v.executed,
      path: v.path,
    };
    if (v.action === 'SCMP_ACT_ERRNO') verdict.errno = v.data;
    return verdict;
  };

  return {
    core,
    validate(configText, options) {
      return core.validateConfig(configText, options).problems;
    },
    compileSeccomp(profile, options) {
      return compileSeccompReport(profile, options).bpf;
    },
    compileSeccompReport,
    simulate,
    explain(bpf, arch, syscall, args) {
      const verdict = simulate(bpf, arch, syscall, args);
      const insns = disassemble(bpf);
      return { ...verdict, steps: verdict.path.flatMap((i) => (insns[i] ? [insns[i]] : [])) };
    },
    syscallNumber(arch, name) {
      return tableOf(arch).table.numbers.get(name) ?? null;
    },
    syscallName(arch, nr) {
      return tableOf(arch).table.names.get(nr) ?? null;
    },
    architectures() {
      return core.syscalls.arches();
    },
    dockerProfileToOci(profile, options) {
      const r = core.docker.toOci(textOf(profile), options);
      if (r.problems.some((p) => p.severity === 'error')) throw new KagoProblemsError('Docker seccomp profile', r.problems);
      return r.seccomp;
    },
    cgroupWrites(resources, host) {
      return core.cgroups.cgroupWrites(resources, host);
    },
    disassemble,
  };
}

// The container's seccomp filter, compiled by the core before anything is
// created, so a bad profile is an error of `create` with its JSON pointer.
import { getCore } from '../core.ts';
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import type { Spec } from '../../wasm/spec.gen.ts';

export interface CompiledSeccomp {
  /** SECCOMP_FILTER_FLAG_* */
  flags: number;
  /** struct sock_filter[], as the kernel takes it */
  filter: Uint8Array;
  /** where the listener of SCMP_ACT_NOTIFY rules goes (runtime-spec config-linux.md, listenerPath) */
  listener?: { path: string; metadata: string };
}

const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;

export const NATIVE_ARCH: Record<string, string> = {
  x64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  ia32: 'SCMP_ARCH_X86',
  riscv64: 'SCMP_ARCH_RISCV64',
  ppc64: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  loong64: 'SCMP_ARCH_LOONGARCH64',
};

/**
 * The filter always covers the architecture kago runs on, as runc's does
 * (libseccomp adds the native architecture to every filter): otherwise a
 * profile listing only foreign architectures would kill every syscall.
 */
export function compileSeccomp(spec: Spec, config: string | Uint8Array): CompiledSeccomp | undefined {
  const seccomp = spec.linux?.seccomp;
  if (!seccomp) return undefined;
  const native = NATIVE_ARCH[process.arch];
  const arches = [...new Set([...(native ? [native] : []), ...(seccomp.architectures ?? [])])];
  const { bpf, report } = getCore().seccomp.compile(config, arches);
  for (const w of report.problems.filter((p) => p.severity === 'warning')) log('warning', `config.json: ${w.pointer}: ${w.message}`);
  const errors = report.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 || !report.ok) {
    const first = errors[0];
    throw new KagoError(`config.json: ${first?.pointer ?? '/linux/seccomp'}`, first?.message ?? 'cannot be compiled', {
      details: errors.slice(1).map((p) => `config.json: ${p.pointer}: ${p.message}`),
    });
  }
  const compiled: CompiledSeccomp = { flags: report.flags ?? 0, filter: new Uint8Array(bpf) };
  if (report.notify) {
    // The validator (core-c/spec/linux_seccomp.c) requires listenerPath with SCMP_ACT_NOTIFY.
    compiled.flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    compiled.listener = { path: seccomp.listenerPath!, metadata: seccomp.listenerMetadata ?? '' };
  }
  return compiled;
}

// The Linux constants kago passes to the kernel, generated from the kernel's
// uapi headers and libseccomp's system call table (plan/gen-linux.mjs). The
// few that differ between architectures are those of the one kago runs on.
import { KagoError } from './errors.ts';
import { ARCH_CONSTANTS, type ArchConstants } from './linux.gen.ts';

export * from './linux.gen.ts';

/** The constants of a Node.js architecture name (process.arch); an architecture without a table is refused. */
export function archConstants(arch: string): ArchConstants {
  const table = Object.hasOwn(ARCH_CONSTANTS, arch) ? ARCH_CONSTANTS[arch] : undefined;
  if (!table)
    throw new KagoError('kago', `the ${arch} architecture is not supported: kago has the Linux constants of ${Object.keys(ARCH_CONSTANTS).join(' and ')} only`);
  return table;
}

export const { O_RDONLY, O_PATH, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_TMPFILE, SYS_bpf, SYS_pidfd_open, SYS_pidfd_send_signal, SYS_pidfd_getfd } =
  archConstants(process.arch);

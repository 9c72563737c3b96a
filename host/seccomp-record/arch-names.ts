// A notification says which architecture a call came from by its AUDIT_ARCH_*
// value and what it is by number; the profile needs OCI architecture names
// and syscall names. Both come from the core's tables.
import type { Core } from '../../wasm/core.ts';

/** x32 calls come as AUDIT_ARCH_X86_64 with this bit set in the number (__X32_SYSCALL_BIT). */
const X32_SYSCALL_BIT = 0x40000000;

export class ArchNames {
  private readonly byAudit = new Map<number, string>();

  private readonly core: Core;
  private complete = false;

  /** likely: the architectures calls are expected from (the rest are looked up when one comes) */
  constructor(core: Core, likely: readonly string[]) {
    this.core = core;
    this.learn(likely);
  }

  private learn(arches: readonly string[]): void {
    // The audit value of each architecture is what the core's own filter compares seccomp_data.arch with.
    for (const arch of arches) {
      const { report } = this.core.seccomp.compile('{"defaultAction":"SCMP_ACT_ALLOW"}', [arch]);
      const audit = report.arches?.find((a) => a.name === arch)?.audit;
      // x32 shares x86_64's value: the number tells them apart.
      if (audit !== undefined && arch !== 'SCMP_ARCH_X32' && !this.byAudit.has(audit)) this.byAudit.set(audit, arch);
    }
  }

  /** arch null: an architecture the core does not know. name null: a number its table does not name. */
  of(audit: number, nr: number): { arch: string | null; name: string | null } {
    if (!this.byAudit.has(audit) && !this.complete) {
      this.learn(this.core.syscalls.arches());
      this.complete = true;
    }
    let arch = this.byAudit.get(audit) ?? null;
    if (arch === 'SCMP_ARCH_X86_64' && nr & X32_SYSCALL_BIT) arch = 'SCMP_ARCH_X32';
    if (arch === null) return { arch, name: null };
    return { arch, name: this.core.syscalls.table(arch)?.names.get(nr) ?? null };
  }
}

// Two filters side by side, syscall by syscall: what a recorded profile
// (kago run --seccomp-record) allows next to what a baseline such as
// Docker's default allows. Every syscall of each architecture is asked of
// both with all arguments 0; where they disagree the baseline's answer is
// explained (the instructions that decided), so a reader sees which rule of
// the baseline the recording goes beyond.
import type { Explanation, Kago } from './kago.ts';

export interface ProfileComparison {
  arch: string;
  /** allowed by both */
  both: string[];
  /** allowed by the profile, refused by the baseline, with the baseline's reasons */
  beyondBaseline: Explanation[];
  /** allowed by the baseline, refused by the profile: what the profile takes away */
  removed: string[];
}

const allows = (action: string) => action === 'SCMP_ACT_ALLOW' || action === 'SCMP_ACT_LOG';

export function compareFilters(kago: Kago, profile: Uint8Array, baseline: Uint8Array, arches: readonly string[]): ProfileComparison[] {
  return arches.map((arch) => {
    const both: string[] = [];
    const beyondBaseline: Explanation[] = [];
    const removed: string[] = [];
    const names = [...(kago.core.syscalls.table(arch)?.numbers.keys() ?? [])].sort();
    for (const name of names) {
      const mine = allows(kago.simulate(profile, arch, name).action);
      const base = allows(kago.simulate(baseline, arch, name).action);
      if (mine && base) both.push(name);
      else if (mine) beyondBaseline.push(kago.explain(baseline, arch, name));
      else if (base) removed.push(name);
    }
    return { arch, both, beyondBaseline, removed };
  });
}

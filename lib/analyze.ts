// What a compiled filter does to every syscall an architecture has, asked
// of the interpreter one call at a time (arguments 0): the numbers behind
// the page's table and chart, and the expected cost of evaluating the
// filter (instructions executed per syscall).
import type { Kago } from './kago.ts';

export interface SyscallOutcome {
  name: string;
  nr: number;
  /** "SCMP_ACT_ALLOW", ... */
  action: string;
  data: number;
  executed: number;
}

export interface ArchAnalysis {
  arch: string;
  outcomes: SyscallOutcome[];
  /** action -> how many syscalls get it */
  counts: Record<string, number>;
  meanExecuted: number;
  maxExecuted: number;
}

export function analyzeFilter(kago: Kago, bpf: Uint8Array, arches: readonly string[]): ArchAnalysis[] {
  return arches.map((arch) => {
    const table = kago.core.syscalls.table(arch);
    const outcomes: SyscallOutcome[] = [];
    const counts: Record<string, number> = {};
    let total = 0;
    let max = 0;
    for (const [name, nr] of table?.numbers ?? []) {
      const v = kago.simulate(bpf, arch, nr);
      outcomes.push({ name, nr, action: v.action, data: v.data, executed: v.executed });
      counts[v.action] = (counts[v.action] ?? 0) + 1;
      total += v.executed;
      max = Math.max(max, v.executed);
    }
    return { arch, outcomes, counts, meanExecuted: outcomes.length ? total / outcomes.length : 0, maxExecuted: max };
  });
}

// Fault injection for the crash tests (test build only, host/process/faults.ts):
// KAGO_CRASH_AT=<point> makes kago kill itself with SIGKILL at that point of
// create, and KAGO_CRASH_AFTER_OP=<n> makes the executor have kago killed
// right after plan operation n, to prove that `delete --force` cleans up
// after a crash anywhere.
import { crashAt } from '../process/faults.ts';

export type CrashPoint = 'claimed' | 'state-written' | 'fifo-made' | 'unit-started' | 'cgroups-made' | 'executor-started' | 'init-forked' | 'init-ready';

export const CRASH_POINTS: readonly CrashPoint[] = ['claimed', 'state-written', 'fifo-made', 'cgroups-made', 'executor-started', 'init-forked', 'init-ready'];

export function crashPoint(point: CrashPoint): void {
  crashAt(point);
}

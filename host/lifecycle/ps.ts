// ps: the container's processes. runc prints ps(1)'s lines (`ps -ef` by
// default) filtered to the container's pids; kago reads the same columns
// from /proc itself (ps-format.ts).
import { cgroupPids } from '../cgroups/placement.ts';
import type { StateStore } from '../state/store.ts';
import { parsePsOptions, type ProcRow, psContext, readProcRow, renderPs } from './ps-format.ts';

export function containerPids(store: StateStore, id: string): number[] {
  const state = store.read(id);
  if (store.status(state) === 'stopped') return [];
  return cgroupPids(state.kago.cgroup.dirs).sort((a, b) => a - b);
}

/** The table of `kago ps ID [ps options]`; the options are checked before anything is read. */
export function psTable(pids: readonly number[], psArgs: readonly string[] = []): string {
  const format = parsePsOptions(psArgs);
  const rows = pids.map(readProcRow).filter((r): r is ProcRow => r !== null);
  return renderPs(format, rows, psContext());
}

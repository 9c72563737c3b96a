// ps: the container's processes, whose table the CLI prints (cli/ps-format.ts).
import { cgroupPids } from '../cgroups/placement.ts';
import type { StateStore } from '../state/store.ts';

export function containerPids(store: StateStore, id: string): number[] {
  const state = store.read(id);
  if (store.status(state) === 'stopped') return [];
  return cgroupPids(state.kago.cgroup.dirs).sort((a, b) => a - b);
}

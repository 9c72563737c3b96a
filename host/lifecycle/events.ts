// events: runc's stream of container events (stats every interval, an
// "oom" event for each OOM kill), or one stats event with --stats.
import { type CgroupTarget, targetFromDirs } from '../cgroups/apply.ts';
import { detectHierarchies } from '../cgroups/layout.ts';
import { watchOom } from '../cgroups/oom.ts';
import { collectStats, type Stats } from '../cgroups/stats.ts';
import { KagoError } from '../errors.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';

export interface ContainerEvent {
  type: 'stats' | 'oom';
  id: string;
  data?: Stats;
}

function targetOf(state: ContainerState): CgroupTarget {
  return targetFromDirs(state.kago.cgroup.dirs, detectHierarchies());
}

function liveState(store: StateStore, id: string): ContainerState {
  const state = store.read(id);
  if (store.status(state) === 'stopped') throw new KagoError(`container ${id}`, 'container is not running');
  return state;
}

export function statsEvent(store: StateStore, id: string): ContainerEvent {
  return { type: 'stats', id, data: collectStats(targetOf(liveState(store, id))) };
}

// How often the stream checks that the container still runs.
const LIVENESS_MS = 100;

/** Emits events until the container stops. */
export function streamEvents(store: StateStore, id: string, intervalMs: number, emit: (e: ContainerEvent) => void): Promise<void> {
  const state = liveState(store, id);
  const target = targetOf(state);
  const memIndex = target.hierarchies.findIndex((h) => h.version === 1 && h.controllers.includes('memory'));
  const v2Index = target.hierarchies.findIndex((h) => h.version === 2);
  const oom =
    memIndex >= 0
      ? watchOom(target.dirs[memIndex]!, 1, () => emit({ type: 'oom', id }))
      : v2Index >= 0
        ? watchOom(target.dirs[v2Index]!, 2, () => emit({ type: 'oom', id }))
        : null;
  return new Promise((resolve) => {
    const stats = intervalMs > 0 ? setInterval(() => emit({ type: 'stats', id, data: collectStats(target) }), intervalMs) : null;
    const live = setInterval(() => {
      const current = store.tryRead(id);
      if (current && store.status(current) !== 'stopped') return;
      oom?.check();
      oom?.close();
      if (stats) clearInterval(stats);
      clearInterval(live);
      resolve();
    }, LIVENESS_MS);
  });
}

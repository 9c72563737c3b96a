// pause and resume: the container's processes frozen and thawed as a whole.
import { freeze, freezerOf, thaw } from '../cgroups/freezer.ts';
import { KagoError } from '../errors.ts';
import type { StateStore } from '../state/store.ts';

export function pauseContainer(store: StateStore, id: string): void {
  store.withLock(id, () => {
    const state = store.read(id);
    const status = store.status(state);
    // runc pauses created containers too: their init waits on the FIFO.
    if (status !== 'running' && status !== 'created') throw new KagoError(`container ${id}`, 'container not running');
    const f = freezerOf(state.kago.cgroup.dirs);
    if (!f) throw new KagoError(`container ${id}`, 'this host has no freezer (neither the v1 controller nor cgroup v2)');
    freeze(f);
  });
}

export function resumeContainer(store: StateStore, id: string): void {
  store.withLock(id, () => {
    const state = store.read(id);
    if (store.status(state) !== 'paused') throw new KagoError(`container ${id}`, 'container not paused');
    thaw(freezerOf(state.kago.cgroup.dirs)!);
  });
}

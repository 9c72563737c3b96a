import { KagoError } from '../errors.ts';
import { writeErr } from '../output.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';
import { destroyContainer } from './destroy.ts';
import { hookState, runHostHooksLogged } from './hooks.ts';

/**
 * runc's rules: a stopped or created container is deleted; a running one
 * only with force. A directory without a state file is a create that crashed
 * before writing anything: nothing else can exist yet, so it goes.
 */
export function deleteContainer(store: StateStore, id: string, force: boolean): void {
  if (!store.exists(id)) {
    // runc: forcing the deletion of what is already gone is not an error.
    if (force) return;
    throw new KagoError(`container ${id}`, 'container does not exist');
  }
  store.withLock(id, () => {
    let state: ContainerState | null;
    try {
      state = store.tryRead(id);
    } catch (e) {
      // What the file would say about processes and cgroups cannot be trusted: only the directory goes.
      if (!force || !(e instanceof KagoError)) throw e;
      writeErr(`kago: ${e.message}: removed its state directory only (its processes and cgroups, if any, are not known)\n`);
      store.remove(id);
      return;
    }
    if (!state) {
      store.remove(id);
      return;
    }
    const status = store.status(state);
    if ((status === 'running' || status === 'paused') && !force) {
      throw new KagoError(`container ${id}`, `cannot delete container ${id} that is not stopped: ${status}`);
    }
    if (status === 'creating' && !force) {
      throw new KagoError(`container ${id}`, 'is being created: use --force to remove it');
    }
    destroyContainer(store, state);
    runHostHooksLogged('poststop', state.kago.hooks, hookState(state, 'stopped'), state.bundle);
  });
}

// `start`: open the exec FIFO for reading. That releases init, blocked in
// opening it for writing; the byte it then writes confirms it got past the
// wait and is about to execve.
import { closeSync, constants, openSync, readSync, unlinkSync } from 'node:fs';
import { sleepMs } from '../cgroups/placement.ts';
import { KagoError } from '../errors.ts';
import { isSameLiveProcess } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';

const START_TIMEOUT_MS = 30_000;

export function startContainer(store: StateStore, id: string): ContainerState {
  return store.withLock(id, () => {
    const state = store.read(id);
    const status = store.status(state);
    if (status === 'stopped') throw new KagoError(`container ${id}`, 'cannot start a container that has stopped');
    if (status === 'running') throw new KagoError(`container ${id}`, 'cannot start an already running container');
    if (status !== 'created') throw new KagoError(`container ${id}`, `cannot start a container in the ${status} state`);
    const fifo = store.fifoPath(id);
    // Non-blocking: a plain open would hang forever if init had just died.
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const byte = new Uint8Array(1);
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        let n = 0;
        try {
          n = readSync(fd, byte, 0, 1, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        if (n === 1) break;
        // No byte yet: init may be between READY and its open of the FIFO.
        if (!isSameLiveProcess(state.pid, state.kago.initStartTime)) {
          throw new KagoError(`container ${id}`, 'its init process exited before start');
        }
        if (Date.now() > deadline) throw new KagoError(`container ${id}`, 'init did not take the start signal');
        sleepMs(1);
      }
    } finally {
      closeSync(fd);
    }
    unlinkSync(fifo);
    state.status = 'running';
    store.write(state);
    return state;
  });
}

// `start`: open the exec FIFO for reading. That releases init, blocked in
// opening it for writing; the byte it then writes confirms it got past the
// wait and is about to execve.
import { closeSync, constants, openSync, readSync, unlinkSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { refusedByFilter } from '../plan/seccomp-refusal.ts';
import { isSameLiveProcess } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';
import { waitReadable } from '../sys/libc.ts';
import { hookState, runHostHooks } from './hooks.ts';
import { START_FAILED_COMMAND } from './start-failed-command.ts';

const START_TIMEOUT_MS = 30_000;
/** how often a wait on the FIFO looks whether init still lives */
const CHECK_MS = 10;

/** 1 for a byte, 0 at end-of-file, -1 when nothing is there yet. */
function readNonBlocking(fd: number, byte: Uint8Array): number {
  try {
    return readSync(fd, byte, 0, 1, null);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return -1;
    throw e;
  }
}

/** An execve refused after the filter was loaded: say that the profile refuses it, when it does. */
function seccompHint(state: ContainerState, failure: string): string {
  const filter = state.kago.seccomp?.filter;
  if (!filter || !/\(exec\) failed/.test(failure)) return '';
  return refusedByFilter(Buffer.from(filter, 'base64'), ['execve']).length ? ' (the seccomp profile, /linux/seccomp, refuses execve)' : '';
}

/** How a start can fail once init has been released: the launcher (native/launcher) reports through here too. */
export type StartFailure = 'exited' | 'timeout' | 'init';

export function startFailure(state: ContainerState, kind: StartFailure, failure = ''): KagoError {
  const what = `container ${state.id}`;
  if (kind === 'exited') return new KagoError(what, 'its init process exited before start');
  if (kind === 'timeout') return new KagoError(what, 'init did not take the start signal');
  return new KagoError(what, `init failed before executing the program: ${failure}${seccompHint(state, failure)}`);
}

/** START_FAILED_COMMAND: the words, the log line and the exit status of the launcher's failed start are the host's. */

export function reportStartFailure(store: StateStore, args: readonly string[]): never {
  const [kind, id, text] = args;
  if ((kind !== 'exited' && kind !== 'timeout' && kind !== 'init') || id === undefined) throw new KagoError(START_FAILED_COMMAND, 'is run by kago itself');
  throw startFailure(store.read(id), kind, text ?? '');
}

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
        const n = readNonBlocking(fd, byte);
        if (n === 1) break;
        // No byte yet: init may be between READY and its open of the FIFO.
        if (!isSameLiveProcess(state.pid, state.kago.initStartTime)) {
          // Between the read above and this check init may have written its
          // byte, executed a short program and exited (1 `run` of `true` in
          // ~200 did, test/stress/soak.test.ts): the byte is still there.
          if (readNonBlocking(fd, byte) === 1) break;
          throw startFailure(state, 'exited');
        }
        if (Date.now() > deadline) throw startFailure(state, 'timeout');
        waitReadable(fd, CHECK_MS);
      }
      unlinkSync(fifo);
      // init keeps its end open, close-on-exec, while it runs the
      // startContainer hooks: end-of-file means execve has happened, and
      // anything written before it is why init failed instead.
      let failure = '';
      for (;;) {
        const n = readNonBlocking(fd, byte);
        if (n === 0) break;
        if (n === 1) failure += String.fromCharCode(byte[0]!);
        else waitReadable(fd, CHECK_MS);
      }
      if (failure) throw startFailure(state, 'init', failure);
    } finally {
      closeSync(fd);
    }
    // No state write: the status is derived (store.status), and the FIFO's
    // removal above is what makes it 'running'.
    // runtime-spec: poststart runs after the program has started, and its failure is an error of start.
    runHostHooks('poststart', state.kago.hooks, hookState(state, 'running'), state.bundle);
    return state;
  });
}

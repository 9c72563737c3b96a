// SCMP_ACT_NOTIFY: the listener fd init created goes to the agent at
// listenerPath with the container process state, as runtime-spec
// config-linux.md ("The container process state") describes.
import { closeSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import type { ContainerState, Status } from '../state/types.ts';
import { connectUnix, sendWithFd } from '../sys/libc.ts';
import { hookState } from './hooks.ts';

export function sendListenerToAgent(listener: { path: string; metadata: string }, fd: number, state: ContainerState, status: Status, pid = state.pid): void {
  const message = {
    ociVersion: state.ociVersion,
    fds: ['seccompFd'],
    pid,
    metadata: listener.metadata,
    state: JSON.parse(hookState(state, status)) as unknown,
  };
  let socket = -1;
  try {
    socket = connectUnix(listener.path);
    sendWithFd(socket, new TextEncoder().encode(JSON.stringify(message)), fd);
  } catch (e) {
    throw new KagoError(`seccomp listener ${listener.path}`, (e as Error).message, { cause: e });
  } finally {
    if (socket >= 0) closeSync(socket);
    closeSync(fd);
  }
}

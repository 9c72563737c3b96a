// `run`: create and start; in the foreground, wait for init (kago's own
// child, through CLONE_PARENT), forward signals to it, delete the container
// and exit with its status, 128+signal when it was killed.
import { constants } from 'node:os';
import type { StateStore } from '../state/store.ts';
import { reapIfExited } from '../sys/libc.ts';
import { createContainer, type CreateOptions } from './create.ts';
import { deleteContainer } from './delete.ts';
import { killProcess } from './signal.ts';
import { startContainer } from './start.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export function runDetached(store: StateStore, opts: CreateOptions): void {
  createContainer(store, opts);
  startContainer(store, opts.id);
}

export function runForeground(store: StateStore, opts: CreateOptions): Promise<number> {
  const state = createContainer(store, opts);
  try {
    startContainer(store, opts.id);
  } catch (e) {
    deleteContainer(store, opts.id, true);
    throw e;
  }
  const pid = state.pid;
  return new Promise((resolve) => {
    const forwarders = FORWARDED.map((sig) => {
      const handler = () => killProcess(pid, constants.signals[sig]);
      process.on(sig, handler);
      return () => process.off(sig, handler);
    });
    const check = () => {
      const r = reapIfExited(pid);
      if (!r.exited) return;
      clearInterval(poll);
      process.off('SIGCHLD', check);
      forwarders.forEach((off) => off());
      deleteContainer(store, opts.id, true);
      resolve(r.code);
    };
    process.on('SIGCHLD', check);
    // SIGCHLD can arrive before the listener exists; the interval also keeps
    // the event loop alive, which signal listeners do not.
    const poll = setInterval(check, 250);
    check();
  });
}

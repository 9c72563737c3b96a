// `run`: create and start; in the foreground, wait for init, delete the
// container and exit with its status.
import { logFailure } from '../log.ts';
import type { StateStore } from '../state/store.ts';
import { createContainer, type CreateOptions } from './create.ts';
import { deleteContainer } from './delete.ts';
import { startContainer } from './start.ts';
import { relayPipes } from './stdio.ts';
import { receiveMaster, relayConsole } from './terminal.ts';
import { waitForChild } from './wait.ts';

export function runDetached(store: StateStore, opts: CreateOptions): void {
  createContainer(store, opts);
  startContainer(store, opts.id);
}

/** keep: runc's `run --keep`, the stopped container stays until `delete`. */
export async function runForeground(store: StateStore, opts: CreateOptions, keep = false): Promise<number> {
  const { state, console } = createContainer(store, { ...opts, foreground: true });
  let relay: { done: Promise<void> } | undefined;
  try {
    if (console !== undefined) relay = relayConsole(receiveMaster(console));
    else if (opts.pipes?.own.length) relay = relayPipes(opts.pipes);
    startContainer(store, opts.id);
  } catch (e) {
    if (!keep) deleteQuietly(store, opts.id);
    throw e;
  }
  const code = await waitForChild(state.pid);
  // What the program wrote just before exiting is still in the pty.
  if (relay) await relay.done;
  if (!keep) deleteContainer(store, opts.id, true);
  return code;
}

/** The start's error says more than a failed cleanup's, which goes to the debug log. */
function deleteQuietly(store: StateStore, id: string): void {
  try {
    deleteContainer(store, id, true);
  } catch (e) {
    logFailure(`deleting ${id} after the failed start`, e);
  }
}

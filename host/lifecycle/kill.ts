import { closeSync } from 'node:fs';
import { freezerOf, thaw } from '../cgroups/freezer.ts';
import { cgroupPids } from '../cgroups/placement.ts';
import { KagoError } from '../errors.ts';
import { isSameLiveProcess } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import { pidfdOpen, pidfdSendSignal, SyscallError } from '../sys/libc.ts';
import { killProcess } from '../sys/kill.ts';

const SIGKILL = 9;

/**
 * Signals init through a pidfd, checked against init's start time after
 * opening it: a recycled pid can then never receive the signal.
 */
export function killContainer(store: StateStore, id: string, signal: number, all: boolean): void {
  const state = store.read(id);
  const status = store.status(state);
  const live = status === 'created' || status === 'running' || status === 'paused';
  // runc thaws a paused container it sends SIGKILL: frozen processes would not die until resumed.
  const thawIfKilled = () => {
    const freezer = signal === SIGKILL && status === 'paused' ? freezerOf(state.kago.cgroup.dirs) : null;
    if (freezer) thaw(freezer);
  };
  // runc: --all signals whatever is still in the cgroups, of a stopped container too (nothing then).
  if (all && (live || status === 'stopped')) {
    for (const pid of cgroupPids(state.kago.cgroup.dirs)) killProcess(pid, signal);
    thawIfKilled();
    return;
  }
  if (!live) throw new KagoError(`container ${id}`, 'container not running');
  let pidfd: number;
  try {
    pidfd = pidfdOpen(state.pid);
  } catch (e) {
    if (e instanceof SyscallError && e.code === 'ESRCH') throw new KagoError(`container ${id}`, 'container not running', { cause: e });
    throw e;
  }
  try {
    if (!isSameLiveProcess(state.pid, state.kago.initStartTime)) throw new KagoError(`container ${id}`, 'container not running');
    pidfdSendSignal(pidfd, signal);
    thawIfKilled();
  } finally {
    closeSync(pidfd);
  }
}

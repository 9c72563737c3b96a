// Tearing a container down, whatever state it was left in (a crash of
// `kago create` at any point included): kill what runs, remove the cgroups,
// remove the state directory. Mounts need no cleanup: they all live in the
// container's mount namespace and go with its last process.
import { killCgroupProcesses } from '../cgroups/freezer.ts';
import { cgroupPids, removeCgroupDirs, sleepMs } from '../cgroups/placement.ts';
import { isSameLiveProcess, readProcStat } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';
import { killProcess } from './signal.ts';

const KILL_WAIT_MS = 10_000;

function gone(pid: number): boolean {
  const stat = readProcStat(pid);
  return !stat || stat.state === 'Z' || stat.state === 'X';
}

/** SIGKILL to init, the executor if it still runs, and everything in the cgroups; then wait for them. */
export function killAll(state: ContainerState): void {
  const victims: number[] = [];
  if (isSameLiveProcess(state.pid, state.kago.initStartTime)) victims.push(state.pid);
  const exec = state.kago.executorPid;
  if (exec && isSameLiveProcess(exec, state.kago.executorStartTime)) victims.push(exec);
  victims.push(...cgroupPids(state.kago.cgroup.dirs));
  for (const pid of new Set(victims)) killProcess(pid, 9);
  killCgroupProcesses(state.kago.cgroup.dirs);
  const deadline = Date.now() + KILL_WAIT_MS;
  while (Date.now() < deadline) {
    const left = victims.filter((pid) => !gone(pid)).concat(cgroupPids(state.kago.cgroup.dirs).filter((pid) => !gone(pid)));
    if (left.length === 0) return;
    for (const pid of left) killProcess(pid, 9);
    sleepMs(2);
  }
}

export function destroyContainer(store: StateStore, state: ContainerState): void {
  killAll(state);
  removeCgroupDirs(state.kago.cgroup.created, state.kago.cgroup.dirs);
  store.remove(state.id);
}

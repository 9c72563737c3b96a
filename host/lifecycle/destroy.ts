// Tearing a container down, whatever state it was left in (a crash of
// `kago create` at any point included): kill what runs, remove the cgroups,
// remove the state directory. Mounts live in the container's mount namespace
// and go with its last process, except a container's without one
// (inherited-mounts.ts).
import { killCgroupProcesses } from '../cgroups/freezer.ts';
import { cgroupPids, removeCgroupDirs } from '../cgroups/placement.ts';
import { sleepMs } from '../sys/sleep.ts';
import { stopContainerUnit } from '../cgroups/systemd/driver.ts';
import { finishRecorder } from '../seccomp-record/lifecycle.ts';
import { isSameLiveProcess, readProcStat } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';
import { releaseInheritedMounts } from './inherited-mounts.ts';
import { killProcess } from '../sys/kill.ts';

const KILL_WAIT_MS = 10_000;

/**
 * SIGKILL to init, the executor if it still runs, and everything in the
 * cgroups; then wait for them. Every victim is known by pid and start time,
 * so a pid the kernel hands to a new process meanwhile is never signalled.
 */
export function killAll(state: ContainerState): void {
  const victims = new Map<number, string>();
  const consider = (pid: number, startTime: string | undefined) => {
    if (startTime !== undefined && isSameLiveProcess(pid, startTime)) victims.set(pid, startTime);
  };
  consider(state.pid, state.kago.initStartTime);
  if (state.kago.executorPid) consider(state.kago.executorPid, state.kago.executorStartTime);
  const fromCgroups = () => {
    for (const pid of cgroupPids(state.kago.cgroup.dirs)) consider(pid, readProcStat(pid)?.startTime);
  };
  fromCgroups();
  // The common case of a container whose processes have all exited.
  if (victims.size === 0) return;
  killCgroupProcesses(state.kago.cgroup.dirs);
  const deadline = Date.now() + KILL_WAIT_MS;
  while (Date.now() < deadline) {
    for (const [pid, startTime] of victims) {
      if (isSameLiveProcess(pid, startTime)) killProcess(pid, 9);
      else victims.delete(pid);
    }
    fromCgroups();
    if (victims.size === 0) return;
    sleepMs(2);
  }
}

export function destroyContainer(store: StateStore, state: ContainerState): void {
  killAll(state);
  finishRecorder(state);
  releaseInheritedMounts(state);
  // systemd removes the directories it made for the unit; kago's own (v1 controllers systemd does not manage) follow.
  if (state.kago.cgroup.systemd) stopContainerUnit(state.kago.cgroup.systemd.unit);
  removeCgroupDirs(state.kago.cgroup.created, state.kago.cgroup.dirs);
  store.remove(state.id);
}

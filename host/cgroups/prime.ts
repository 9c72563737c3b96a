// The first cgroup migration after a quiet spell waits for an RCU grace
// period: a write to cgroup.procs takes cgroup_threadgroup_rwsem for writing,
// and its rcu_sync must first leave the readers' fast path (5-30 ms measured
// here, most of a create). A migration that follows within about one more
// grace period does not wait. So kago moves itself into the cgroup it is
// already in, on a worker thread, as soon as it knows it will create; and it
// starts the executor before it validates the config, which, while it waits
// for its plan, makes the same move every few ms (native/main.c,
// --prime-cgroup) so that the path is still warm when the plan comes and it
// moves into the container's cgroups.
import { readFileSync, writeFile } from 'node:fs';
import { detectHierarchies, ownCgroup } from './layout.ts';
import { cgroupDirs } from './placement.ts';

/** kago's own cgroup.procs in the first hierarchy: moving into it is a move to where one already is. */
export function ownCgroupProcsFile(): string | undefined {
  try {
    const hierarchy = detectHierarchies()[0];
    if (!hierarchy) return undefined;
    const self = readFileSync('/proc/self/cgroup', 'utf8');
    const [dir] = cgroupDirs(ownCgroup(hierarchy, self), [hierarchy], self);
    return dir ? `${dir}/cgroup.procs` : undefined;
  } catch {
    return undefined;
  }
}

/** The first of those moves, by kago itself; nothing waits for it, and its failure does not matter. */
export function primeFrom(procsFile: string): void {
  writeFile(procsFile, String(process.pid), () => {});
}

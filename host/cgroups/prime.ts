// The first cgroup migration after a quiet spell waits for an RCU grace
// period: cgroup.procs writes take cgroup_threadgroup_rwsem for writing, and
// its rcu_sync must leave the readers' fast path first (5-20 ms measured here,
// most of a create). A migration that follows within about one more grace
// period does not wait. So create starts one as it begins: kago writes its
// own pid into the cgroup it is already in (a no-op move) on a worker
// thread, and by the time the executor joins the container's cgroups,
// validation and planning have hidden the wait. Failures do not matter: the
// executor's join is the one that counts.
import { readFileSync, writeFile } from 'node:fs';
import { detectHierarchies, ownCgroup } from './layout.ts';
import { cgroupDirs } from './placement.ts';

export function primeCgroupMigration(): void {
  try {
    const hierarchy = detectHierarchies()[0];
    if (!hierarchy) return;
    const self = readFileSync('/proc/self/cgroup', 'utf8');
    const [dir] = cgroupDirs(ownCgroup(hierarchy, self), [hierarchy], self);
    if (dir) writeFile(`${dir}/cgroup.procs`, String(process.pid), () => {});
  } catch {
    // nothing to prime
  }
}

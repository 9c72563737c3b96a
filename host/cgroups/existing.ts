// A cgroupsPath that names a cgroup which is already there: the two checks
// runc 1.1 makes before it uses one (libcontainer/factory_linux.go Create).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import { cgroupPids } from './placement.ts';

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * A frozen cgroup is refused: the executor would join it and stop in the
 * freezer before it could report anything, and create would wait forever.
 * On a hybrid host either freezer can hold it: v1 freezer.state (FREEZING
 * stalls as well) or, on cgroup2, cgroup.freeze, or cgroup.events for a
 * cgroup frozen by an ancestor (its own cgroup.freeze still says 0).
 */
export function refuseFrozenCgroup(dirs: readonly string[]): void {
  for (const dir of dirs) {
    // A cgroup kago is about to make cannot be frozen (and reading its files would fail one by one).
    if (!existsSync(dir)) continue;
    const v1 = readTrim(join(dir, 'freezer.state'));
    const v2 = readTrim(join(dir, 'cgroup.freeze')) === '1' || /^frozen 1$/m.test(readTrim(join(dir, 'cgroup.events')) ?? '');
    if ((v1 !== undefined && v1 !== 'THAWED') || v2) throw new KagoError(`cgroup ${dir}`, "container's cgroup unexpectedly frozen");
  }
}

/** Processes already in the cgroup share its limits with the container: runc warns and goes on. */
export function warnIfCgroupNotEmpty(dirs: readonly string[]): void {
  const pids = cgroupPids(dirs.filter((d) => existsSync(d)));
  if (pids.length > 0) log('warning', `container's cgroup is not empty: ${pids.length} process(es) found`);
}

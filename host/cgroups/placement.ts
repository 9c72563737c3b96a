// Where a container's cgroup is, creating it, and removing it. Limits are
// written elsewhere; this module only makes the directories the init process
// joins (by writing "0" to cgroup.procs from inside the executor) before any
// user code runs.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { KagoError } from '../errors.ts';
import { writeCgroupFile } from './apply.ts';
import { type Hierarchy, ownCgroup } from './layout.ts';
import { sleepMs } from '../sys/sleep.ts';

/** Where a container's cgroups are, and which of their directories kago made (recorded in its state). */
export interface CgroupPlacement {
  /** hierarchy mount point -> the container's cgroup directory in it */
  dirs: string[];
  /** directories kago created, parents first; removed deepest first */
  created: string[];
  /** --systemd-cgroup: the transient scope that holds the container (stopped by delete) */
  systemd?: { unit: string; slice: string };
}

const SYSTEMD_FORM = /^[^/:]*:[^/:]*:[^/:]*$/;

/** Where a container without cgroupsPath goes: /kago/<id>. */
export const DEFAULT_PARENT = '/kago';

/** The cgroup path (same in every hierarchy) for cgroupsPath, as runc resolves it. */
export function resolveCgroupPath(cgroupsPath: string | undefined, id: string): string {
  if (cgroupsPath === undefined || cgroupsPath === '') return `${DEFAULT_PARENT}/${id}`;
  if (SYSTEMD_FORM.test(cgroupsPath)) {
    throw new KagoError('config.json: /linux/cgroupsPath', 'the systemd form "slice:prefix:name" needs the systemd cgroup driver (--systemd-cgroup)');
  }
  return cgroupsPath;
}

/** The container's directory in each hierarchy. A relative path is under kago's own cgroup. */
export function cgroupDirs(path: string, hierarchies: Hierarchy[], procSelfCgroup: string): string[] {
  return hierarchies.map((h) => {
    const absolute = path.startsWith('/') ? path : posix.join(ownCgroup(h, procSelfCgroup), path);
    // Normalizing an absolute path drops every "..": the result stays inside the hierarchy.
    const normalized = posix.normalize(absolute);
    // Inside a cgroup namespace the mount shows a subtree: strip its root.
    const rel = h.mountRoot !== '/' && normalized.startsWith(h.mountRoot) ? normalized.slice(h.mountRoot.length) : normalized;
    return join(h.mountPoint, rel);
  });
}

function isCpuset(dir: string, hierarchies: Hierarchy[]): boolean {
  return hierarchies.some((h) => h.version === 1 && h.controllers.includes('cpuset') && dir.startsWith(`${h.mountPoint}/`));
}

/**
 * A v1 cpuset starts with no cpus and mems, and joining it, or making a
 * cpuset below it that has some, fails with ENOSPC until they are set:
 * an empty one takes its parent's (runc's cpusetEnsureParent does the
 * same for every directory on the path, made by it or not).
 */
function fillCpuset(dir: string, parent: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = readFileSync(join(dir, file), 'utf8').trim();
    if (own === '') writeCgroupFile(join(dir, file), readFileSync(join(parent, file), 'utf8').trim() || '\n');
  }
}

/**
 * Makes every directory that does not exist yet. All of them are recorded in
 * placement.created (one state write) before the first is made, so a crash
 * midway still leaves a complete record for cleanup, which skips the ones
 * never made. An ancestor another container made at the same moment is not
 * ours: it leaves the record again.
 */
export function createCgroupDirs(dirs: string[], hierarchies: Hierarchy[], placement: CgroupPlacement, record: () => void): void {
  const missing: { dir: string; parent: string }[] = [];
  for (const dir of dirs) {
    const h = hierarchies.find((x) => dir === x.mountPoint || dir.startsWith(`${x.mountPoint}/`));
    if (!h) continue;
    let current = h.mountPoint;
    for (const part of dir.slice(h.mountPoint.length).split('/').filter(Boolean)) {
      const parent = current;
      current = join(current, part);
      if (!existsSync(current)) missing.push({ dir: current, parent });
      else if (isCpuset(current, hierarchies)) fillCpuset(current, parent);
    }
  }
  if (missing.length === 0) return;
  placement.created.push(...missing.map((m) => m.dir));
  record();
  for (const { dir, parent } of missing) {
    try {
      mkdirSync(dir, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        placement.created.splice(placement.created.indexOf(dir), 1);
        record();
        if (isCpuset(dir, hierarchies)) fillCpuset(dir, parent);
        continue;
      }
      throw new KagoError(`cgroup ${dir}`, `mkdir: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    if (isCpuset(dir, hierarchies)) fillCpuset(dir, parent);
  }
}

/** The cgroup directories below dir (sub-cgroups a container or `exec --cgroup` made), deepest first. */
function subCgroups(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
  return entries.flatMap((sub) => [...subCgroups(sub), sub]);
}

/** Pids in any of the container's cgroups, sub-cgroups included. */
export function cgroupPids(dirs: string[]): number[] {
  const pids = new Set<number>();
  for (const dir of dirs.flatMap((d) => [d, ...subCgroups(d)])) {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
        const pid = Number(line);
        if (pid > 0) pids.add(pid);
      }
    } catch {
      // a missing hierarchy has no processes
    }
  }
  return [...pids];
}

const RMDIR_ATTEMPTS = 400;

/**
 * Removes the directories kago created, deepest first. The container's own
 * directories (leaves) are retried while exiting processes keep them busy;
 * an ancestor still used by other containers is left in place.
 */
export function removeCgroupDirs(created: readonly string[], leaves: readonly string[]): void {
  // A container's own directories go with what was made below them (as runc's do).
  const order = [...created].reverse().flatMap((dir) => (leaves.includes(dir) ? [...subCgroups(dir), dir] : [dir]));
  for (const dir of order) {
    const leaf = !created.includes(dir) || leaves.includes(dir);
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (!leaf && (code === 'EBUSY' || code === 'ENOTEMPTY')) break;
        if (code !== 'EBUSY' || attempt >= RMDIR_ATTEMPTS) {
          throw new KagoError(`cgroup ${dir}`, `rmdir: ${code ?? (e as Error).message}`, { cause: e });
        }
        sleepMs(5);
      }
    }
  }
}

// Which cgroup hierarchies this host has mounted, read from
// /proc/self/mountinfo: pure v1, pure v2, or hybrid (v1 controllers plus a
// cgroup2 mount, as on the machines kago is tested on).
import { readFileSync } from 'node:fs';

export interface Hierarchy {
  version: 1 | 2;
  mountPoint: string;
  /** the cgroup the mount shows at mountPoint (not "/" inside a cgroup namespace) */
  mountRoot: string;
  /** v1: the controllers (and name=...) bound to it; v2: [] */
  controllers: string[];
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseCgroupMounts(mountinfo: string): Hierarchy[] {
  const found: Hierarchy[] = [];
  const seen = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountRoot = unescapeMountinfo(left[3] ?? '/');
    const mountPoint = unescapeMountinfo(left[4] ?? '');
    const version = fstype === 'cgroup2' ? 2 : 1;
    const controllers =
      version === 2
        ? []
        : superOptions
            .split(',')
            .filter(
              (o) =>
                o !== 'rw' &&
                o !== 'ro' &&
                !o.startsWith('release_agent') &&
                o !== 'clone_children' &&
                o !== 'noprefix' &&
                o !== 'xattr' &&
                o !== 'cpuset_v2_mode' &&
                o !== 'nsdelegate',
            );
    // The same hierarchy can be mounted more than once; the first mount is enough.
    const key = `${version}:${controllers.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ version, mountPoint, mountRoot, controllers });
  }
  return found;
}

let detected: Hierarchy[] | null = null;

/** 2 on a pure cgroup v2 host, 1 where any v1 hierarchy is mounted (or none is). */
export function cgroupVersion(hierarchies: readonly Hierarchy[]): 1 | 2 {
  return hierarchies.length > 0 && hierarchies.every((h) => h.version === 2) ? 2 : 1;
}

/** Read once per command: a command does not outlive a change of the host's cgroup mounts. */
export function detectHierarchies(): Hierarchy[] {
  detected ??= parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  return detected;
}

/** This process's own cgroup in hierarchy h, from /proc/self/cgroup. */
export function ownCgroup(h: Hierarchy, procSelfCgroup: string): string {
  for (const line of procSelfCgroup.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const list = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (h.version === 2 ? line.startsWith('0::') : list.split(',').sort().join(',') === [...h.controllers].sort().join(',')) {
      return path;
    }
  }
  return '/';
}

// Whether a container's process can be created in its cgroup by
// clone3(CLONE_INTO_CGROUP) (native/ops_cgroup_fork.c) instead of the
// forking process moving in by a cgroup.procs write first. The kernel
// checks the caller's credentials and cgroup namespace at the clone, which
// comes after the namespaces are made or joined, while the write first
// thing is checked as kago itself: the clone is used only where the two
// checks are the same. The executor still falls back to the write where the
// kernel or a seccomp filter refuses clone3.
import { readFileSync } from 'node:fs';
import type { LinuxIdMapping, LinuxNamespace } from '../../wasm/spec.gen.ts';

export interface CloneIntoFacts {
  /** the process's cgroup directories (one per hierarchy; none without cgroups) */
  dirs: readonly string[];
  version: 1 | 2;
  /** the systemd driver: systemd has put the executor in the unit already */
  systemd: boolean;
  /** the namespaces the process is made in (a path: joined) */
  namespaces: readonly LinuxNamespace[];
  /** the host uid of uid 0 in its user namespace (undefined: not known) */
  userRoot: number | undefined;
}

/** The host uid that uid 0 of these mappings is, if they map it. */
export function mappedRoot(mappings: readonly LinuxIdMapping[] | undefined): number | undefined {
  const m = mappings?.find((x) => x.containerID <= 0 && 0 < x.containerID + x.size);
  return m ? m.hostID - m.containerID : undefined;
}

/** mappedRoot of a running process's user namespace (/proc/PID/uid_map: inside, outside, count). */
export function processUserRoot(pid: number): number | undefined {
  try {
    const lines = readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split('\n');
    return mappedRoot(
      lines.map((l) => l.trim().split(/\s+/).map(Number)).map(([containerID, hostID, size]) => ({ containerID: containerID!, hostID: hostID!, size: size! })),
    );
  } catch {
    return undefined;
  }
}

export function canCloneIntoCgroup(facts: CloneIntoFacts): boolean {
  // v1 and hybrid hosts: clone3 places a process in the v2 hierarchy only.
  if (facts.version !== 2 || facts.dirs.length !== 1 || facts.systemd) return false;
  // A joined cgroup namespace is rooted below kago's cgroup: nsdelegate
  // refuses a move from outside it (ENOENT). A new one is made by init.
  if (facts.namespaces.some((ns) => ns.type === 'cgroup' && ns.path)) return false;
  // As uid 0 of a user namespace the forking process is that uid on the
  // host: the clone passes the check kago passes only if it is kago's own.
  if (facts.namespaces.some((ns) => ns.type === 'user')) return facts.userRoot === process.geteuid?.();
  return true;
}

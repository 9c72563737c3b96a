// What a container may leave behind, checked from the host after each test:
// its state directory, its cgroups, mounts of its bundle, its processes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectHierarchies } from '../../host/cgroups/layout.ts';

function processesInCgroup(id: string): number[] {
  const marker = `/kago/${id}`;
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cgroup`, 'utf8')
          .split('\n')
          .some((l) => l.endsWith(marker));
      } catch {
        return false;
      }
    })
    .map(Number);
}

export function leftovers(root: string, id: string, bundleDir?: string, pids: number[] = []): string[] {
  const found: string[] = [];
  if (existsSync(join(root, id))) found.push(`state directory ${join(root, id)}`);
  for (const h of detectHierarchies()) {
    const dir = join(h.mountPoint, 'kago', id);
    if (existsSync(dir)) found.push(`cgroup ${dir}`);
  }
  if (bundleDir) {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      if (line.includes(bundleDir)) found.push(`mount ${line}`);
    }
  }
  for (const pid of processesInCgroup(id)) found.push(`process ${pid} in the container's cgroup`);
  for (const pid of pids) {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];
      if (state && state !== 'Z') found.push(`process ${pid} still alive`);
    } catch {
      // gone, as it should be
    }
  }
  return found;
}

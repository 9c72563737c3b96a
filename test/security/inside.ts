// Observations of a container from the host, for the security tests: is a
// directory inside the container, or a piece of the host?
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** "dev:ino" of a path (following links, as the kernel does for /proc/PID/cwd). */
export function identity(path: string): string {
  const st = statSync(path, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

/** Every directory of a root filesystem, by identity. */
export function directoriesOf(rootfs: string): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    found.add(identity(dir));
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(rootfs);
  return found;
}

/** Device numbers of every file system mounted in the host's mount namespace. */
function hostDevices(): Set<bigint> {
  const devs = new Set<bigint>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mm = line.split(' ')[2];
    if (!mm) continue;
    const [major, minor] = mm.split(':').map(Number);
    // new_encode_dev(), the encoding stat(2) returns
    devs.add(BigInt((minor! & 0xff) | (major! << 8) | ((minor! & ~0xff) << 12)));
  }
  return devs;
}

/**
 * Why the working directory of host process pid is not inside the container
 * whose root filesystem is rootfs, or null when it is: a directory of the
 * root filesystem, or of a file system the host does not have mounted (the
 * container's own /proc, /dev, /sys). A host directory (CVE-2024-21626: a
 * leaked descriptor of the host's cgroup or state directory used as cwd) is
 * neither.
 */
export function cwdOutside(pid: number, rootfs: string): string | null {
  const st = statSync(`/proc/${pid}/cwd`, { bigint: true });
  if (directoriesOf(rootfs).has(`${st.dev}:${st.ino}`)) return null;
  if (!hostDevices().has(st.dev)) return null;
  let where = '?';
  try {
    where = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ');
  } catch {
    // gone
  }
  return `process ${pid} (${where}) has its cwd on a host file system (${st.dev}:${st.ino}), outside ${rootfs}`;
}

// HOME, when the process's env lacks it, is the user's home directory in the
// container's /etc/passwd, or "/" (what runc does; POSIX shells and many
// programs need it).
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Process } from '../spec/config.ts';

/** /etc/passwd of the root filesystem, unless a symlink leads it out of the rootfs. */
function passwdOf(rootfs: string): string {
  try {
    const real = realpathSync(join(rootfs, 'etc', 'passwd'));
    if (!real.startsWith(rootfs + '/')) return '';
    return readFileSync(real, 'utf8');
  } catch {
    return '';
  }
}

export function homeOf(rootfs: string, uid: number): string {
  for (const line of passwdOf(rootfs).split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 7 && Number(fields[2]) === uid && fields[2] !== '') return fields[5] || '/';
  }
  return '/';
}

export function withHome(process: Process, rootfs: string): Process {
  const env = process.env ?? [];
  if (env.some((e) => e.startsWith('HOME='))) return process;
  return { ...process, env: [...env, `HOME=${homeOf(rootfs, process.user.uid)}`] };
}

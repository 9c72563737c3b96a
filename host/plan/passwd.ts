// HOME, when the process's env lacks it or has it empty, is the user's home
// directory in the container's /etc/passwd, or "/" (what runc does; POSIX
// shells and many programs need it).
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Process } from '../../wasm/spec.gen.ts';

/** /etc/passwd of the root filesystem, unless a symlink leads it out of the rootfs. */
function passwdOf(rootfs: string): string {
  try {
    const real = realpathSync(join(rootfs, 'etc', 'passwd'));
    if (!real.startsWith(`${rootfs}/`)) return '';
    return readFileSync(real, 'utf8');
  } catch {
    return '';
  }
}

/** The fields of uid's line in passwd(5) text. */
function entryOf(passwd: string, uid: number): string[] | undefined {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 7 && Number(fields[2]) === uid && fields[2] !== '') return fields;
  }
  return undefined;
}

export function homeOf(rootfs: string, uid: number): string {
  return entryOf(passwdOf(rootfs), uid)?.[5] || '/';
}

/** uid's name on this host, as `list` shows a container's owner; runc's "#uid" when it has none. */
export function hostUserName(uid: number): string {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // no passwd: the number stands for the name
  }
  return entryOf(passwd, uid)?.[0] || `#${uid}`;
}

/**
 * The environment as runc builds it: each variable once, where it first
 * appears, with the value it has last (runc sets them one by one with
 * os.Setenv); then HOME, when missing or empty, from /etc/passwd.
 */
export function withHome(process: Process, rootfs: string): Process {
  const byName = new Map<string, string>();
  for (const e of process.env ?? []) {
    const eq = e.indexOf('=');
    byName.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  const home = byName.get('HOME');
  if (home === undefined || home === 'HOME=') byName.set('HOME', `HOME=${homeOf(rootfs, process.user.uid)}`);
  return { ...process, env: [...byName.values()] };
}

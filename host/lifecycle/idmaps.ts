// The uid and gid maps of a new user namespace, written by kago for the
// executor's process. Root writes any mapping. A user may write only one
// line mapping its own id, and only after setgroups is denied (user_namespaces(7));
// anything wider goes through the setuid helpers newuidmap and newgidmap,
// which check /etc/subuid and /etc/subgid (the one place kago runs a helper:
// there is no system call that grants those ranges).
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import type { LinuxIdMapping } from '../../wasm/spec.gen.ts';
import { builtin } from '../sys/builtin.ts';

function mapText(maps: readonly LinuxIdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function writeProcFile(path: string, text: string): void {
  // One write(2): the kernel accepts a map only whole, and only once.
  let fd = -1;
  try {
    fd = openSync(path, constants.O_WRONLY);
    writeSync(fd, text);
  } catch (e) {
    throw new KagoError(`write ${path}`, (e as NodeJS.ErrnoException).code ?? (e as Error).message, { cause: e });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** When kago writes the gid map itself without root, setgroups must be denied first. */
export function setgroupsWillBeDenied(gids: readonly LinuxIdMapping[]): boolean {
  return process.geteuid?.() !== 0 && onlySelf(gids, process.getegid!());
}

function onlySelf(maps: readonly LinuxIdMapping[], own: number): boolean {
  return maps.length === 1 && maps[0]!.hostID === own && maps[0]!.size === 1;
}

function viaHelper(helper: string, pid: number, maps: readonly LinuxIdMapping[]): void {
  const args = [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
  try {
    builtin('node:child_process').execFileSync(helper, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new KagoError(`${helper} ${args.join(' ')}`, stderr || (e as Error).message, { cause: e });
  }
}

export function writeIdMaps(pid: number, uids: readonly LinuxIdMapping[], gids: readonly LinuxIdMapping[]): void {
  if (process.geteuid?.() === 0) {
    writeProcFile(`/proc/${pid}/uid_map`, mapText(uids));
    writeProcFile(`/proc/${pid}/gid_map`, mapText(gids));
    return;
  }
  if (onlySelf(uids, process.geteuid!())) writeProcFile(`/proc/${pid}/uid_map`, mapText(uids));
  else viaHelper('newuidmap', pid, uids);
  if (onlySelf(gids, process.getegid!())) {
    writeProcFile(`/proc/${pid}/setgroups`, 'deny');
    writeProcFile(`/proc/${pid}/gid_map`, mapText(gids));
  } else {
    viaHelper('newgidmap', pid, gids);
  }
}

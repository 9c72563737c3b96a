// mount(8)-style options of config.json mounts -> mount(2) flags, a
// propagation change applied afterwards, mount_setattr(2) attributes for the
// recursive forms, and the filesystem's own data string.
import * as L from './linux.ts';

export interface ParsedMountOptions {
  flags: number;
  /** flags to clear (an explicit "rw", "suid", ... after a default) */
  clear: number;
  propagation: number[];
  bind: boolean;
  recursive: boolean;
  /** MOUNT_ATTR_* to set and to clear on the mount and every mount below it ("rro", "rnosuid", ...) */
  recursiveSet: number;
  recursiveClear: number;
  /** "tmpcopyup": the new tmpfs starts with a copy of what the directory held */
  tmpcopyup: boolean;
  /** "idmap" / "ridmap" (the mapping on every mount of an rbind tree) */
  idmap: 'none' | 'idmap' | 'ridmap';
  data: string[];
}

const SET: Record<string, number> = {
  ro: L.MS_RDONLY, nosuid: L.MS_NOSUID, nodev: L.MS_NODEV, noexec: L.MS_NOEXEC,
  sync: L.MS_SYNCHRONOUS, dirsync: L.MS_DIRSYNC, mand: L.MS_MANDLOCK, noatime: L.MS_NOATIME,
  nodiratime: L.MS_NODIRATIME, relatime: L.MS_RELATIME, strictatime: L.MS_STRICTATIME,
  lazytime: L.MS_LAZYTIME, silent: L.MS_SILENT, nosymfollow: L.MS_NOSYMFOLLOW, remount: L.MS_REMOUNT,
  iversion: L.MS_I_VERSION,
};

const CLEAR: Record<string, number> = {
  rw: L.MS_RDONLY, suid: L.MS_NOSUID, dev: L.MS_NODEV, exec: L.MS_NOEXEC, async: L.MS_SYNCHRONOUS,
  nomand: L.MS_MANDLOCK, atime: L.MS_NOATIME, diratime: L.MS_NODIRATIME, norelatime: L.MS_RELATIME,
  nostrictatime: L.MS_STRICTATIME, nolazytime: L.MS_LAZYTIME, loud: L.MS_SILENT, symfollow: L.MS_NOSYMFOLLOW,
  noiversion: L.MS_I_VERSION,
};

const PROPAGATION: Record<string, number> = {
  private: L.MS_PRIVATE, rprivate: L.MS_PRIVATE | L.MS_REC,
  shared: L.MS_SHARED, rshared: L.MS_SHARED | L.MS_REC,
  slave: L.MS_SLAVE, rslave: L.MS_SLAVE | L.MS_REC,
  unbindable: L.MS_UNBINDABLE, runbindable: L.MS_UNBINDABLE | L.MS_REC,
};

/**
 * The recursive forms (runc's and crun's extension, listed by `runc
 * features`): [set or clear, the MOUNT_ATTR_* bit]. The atime modes are one
 * field (MOUNT_ATTR__ATIME) that mount_setattr(2) only changes as a whole:
 * choosing one is "clear the field, set this mode"; dropping one
 * ("ratime", "rnorelatime", "rnostrictatime") returns to relatime, the
 * kernel's default mode (MOUNT_ATTR_RELATIME is 0).
 */
const RECURSIVE: Record<string, ['set' | 'clear', number]> = {
  rro: ['set', L.MOUNT_ATTR_RDONLY], rrw: ['clear', L.MOUNT_ATTR_RDONLY],
  rnosuid: ['set', L.MOUNT_ATTR_NOSUID], rsuid: ['clear', L.MOUNT_ATTR_NOSUID],
  rnodev: ['set', L.MOUNT_ATTR_NODEV], rdev: ['clear', L.MOUNT_ATTR_NODEV],
  rnoexec: ['set', L.MOUNT_ATTR_NOEXEC], rexec: ['clear', L.MOUNT_ATTR_NOEXEC],
  rnodiratime: ['set', L.MOUNT_ATTR_NODIRATIME], rdiratime: ['clear', L.MOUNT_ATTR_NODIRATIME],
  rnosymfollow: ['set', L.MOUNT_ATTR_NOSYMFOLLOW], rsymfollow: ['clear', L.MOUNT_ATTR_NOSYMFOLLOW],
  rnoatime: ['set', L.MOUNT_ATTR_NOATIME], ratime: ['set', L.MOUNT_ATTR_RELATIME],
  rrelatime: ['set', L.MOUNT_ATTR_RELATIME], rnorelatime: ['set', L.MOUNT_ATTR_RELATIME],
  rstrictatime: ['set', L.MOUNT_ATTR_STRICTATIME], rnostrictatime: ['set', L.MOUNT_ATTR_RELATIME],
};

const ATIME_OPTIONS = new Set(['rnoatime', 'ratime', 'rrelatime', 'rnorelatime', 'rstrictatime', 'rnostrictatime']);

export function parseMountOptions(options: readonly string[] | undefined): ParsedMountOptions {
  const out: ParsedMountOptions = {
    flags: 0, clear: 0, propagation: [], bind: false, recursive: false,
    recursiveSet: 0, recursiveClear: 0, tmpcopyup: false, idmap: 'none', data: [],
  };
  for (const o of options ?? []) {
    if (o === 'bind' || o === 'rbind') {
      out.bind = true;
      out.recursive ||= o === 'rbind';
    } else if (o in SET) {
      out.flags |= SET[o]!;
      out.clear &= ~SET[o]!;
    } else if (o in CLEAR) {
      out.flags &= ~CLEAR[o]!;
      out.clear |= CLEAR[o]!;
    } else if (o in PROPAGATION) {
      out.propagation.push(PROPAGATION[o]!);
    } else if (o in RECURSIVE) {
      const [action, bit] = RECURSIVE[o]!;
      if (ATIME_OPTIONS.has(o)) {
        // the last atime option wins, as with mount(8)
        out.recursiveSet = (out.recursiveSet & ~L.MOUNT_ATTR__ATIME) | bit;
        out.recursiveClear |= L.MOUNT_ATTR__ATIME;
      } else if (action === 'set') {
        out.recursiveSet |= bit;
        out.recursiveClear &= ~bit;
      } else {
        out.recursiveClear |= bit;
        out.recursiveSet &= ~bit;
      }
    } else if (o === 'tmpcopyup') {
      out.tmpcopyup = true;
    } else if (o === 'idmap' || o === 'ridmap') {
      out.idmap = o;
    } else if (o !== 'defaults') {
      out.data.push(o);
    }
  }
  return out;
}

/** Every option name parseMountOptions understands as more than file system data (for `kago features`). */
export const KNOWN_MOUNT_OPTIONS: readonly string[] = [
  'bind', 'rbind', 'defaults', 'tmpcopyup', 'idmap', 'ridmap',
  ...Object.keys(SET), ...Object.keys(CLEAR), ...Object.keys(PROPAGATION), ...Object.keys(RECURSIVE),
].sort();

/** The propagation flags of rootfsPropagation ("rslave", "shared", ...). */
export function propagationFlags(name: string): number | undefined {
  return PROPAGATION[name];
}

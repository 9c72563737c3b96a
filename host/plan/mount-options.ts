// mount(8)-style options of config.json mounts -> mount(2) flags, a
// propagation change applied afterwards, and the filesystem's own data string.
import * as L from './linux.ts';

export interface ParsedMountOptions {
  flags: number;
  /** flags to clear (an explicit "rw", "suid", ... after a default) */
  clear: number;
  propagation: number[];
  bind: boolean;
  recursive: boolean;
  data: string[];
}

const SET: Record<string, number> = {
  ro: L.MS_RDONLY, nosuid: L.MS_NOSUID, nodev: L.MS_NODEV, noexec: L.MS_NOEXEC,
  sync: L.MS_SYNCHRONOUS, dirsync: L.MS_DIRSYNC, mand: L.MS_MANDLOCK, noatime: L.MS_NOATIME,
  nodiratime: L.MS_NODIRATIME, relatime: L.MS_RELATIME, strictatime: L.MS_STRICTATIME,
  lazytime: L.MS_LAZYTIME, silent: L.MS_SILENT, nosymfollow: L.MS_NOSYMFOLLOW, remount: L.MS_REMOUNT,
};

const CLEAR: Record<string, number> = {
  rw: L.MS_RDONLY, suid: L.MS_NOSUID, dev: L.MS_NODEV, exec: L.MS_NOEXEC, async: L.MS_SYNCHRONOUS,
  nomand: L.MS_MANDLOCK, atime: L.MS_NOATIME, diratime: L.MS_NODIRATIME, norelatime: L.MS_RELATIME,
  nostrictatime: L.MS_STRICTATIME, nolazytime: L.MS_LAZYTIME, loud: L.MS_SILENT, symfollow: L.MS_NOSYMFOLLOW,
};

const PROPAGATION: Record<string, number> = {
  private: L.MS_PRIVATE, rprivate: L.MS_PRIVATE | L.MS_REC,
  shared: L.MS_SHARED, rshared: L.MS_SHARED | L.MS_REC,
  slave: L.MS_SLAVE, rslave: L.MS_SLAVE | L.MS_REC,
  unbindable: L.MS_UNBINDABLE, runbindable: L.MS_UNBINDABLE | L.MS_REC,
};

export function parseMountOptions(options: readonly string[] | undefined): ParsedMountOptions {
  const out: ParsedMountOptions = { flags: 0, clear: 0, propagation: [], bind: false, recursive: false, data: [] };
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
    } else if (o !== 'defaults') {
      out.data.push(o);
    }
  }
  return out;
}

/** The propagation flags of rootfsPropagation ("rslave", "shared", ...). */
export function propagationFlags(name: string): number | undefined {
  return PROPAGATION[name];
}

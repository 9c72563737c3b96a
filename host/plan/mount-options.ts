// mount(8)-style options of config.json mounts -> mount(2) flags, a
// propagation change applied afterwards, mount_setattr(2) attributes for the
// recursive forms, and the filesystem's own data string. The words and what
// they do are one table, core-c/spec/mount_options.c, which the validator
// reads too (generated here as MOUNT_OPTIONS).
import { MOUNT_OPTIONS } from '../../wasm/spec.gen.ts';
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

/** Applies one option word; false when it is none (it is then file system data). */
function apply(out: ParsedMountOptions, word: string): boolean {
  const option = MOUNT_OPTIONS.get(word);
  if (!option) return false;
  const { bits } = option;
  switch (option.effect) {
    case 'none':
      break;
    case 'bind':
      out.bind = true;
      break;
    case 'rbind':
      out.bind = true;
      out.recursive = true;
      break;
    case 'tmpcopyup':
      out.tmpcopyup = true;
      break;
    case 'idmap':
    case 'ridmap':
      out.idmap = option.effect;
      break;
    case 'flag-set':
      out.flags |= bits;
      out.clear &= ~bits;
      break;
    case 'flag-clear':
      out.flags &= ~bits;
      out.clear |= bits;
      break;
    case 'propagation':
      out.propagation.push(bits);
      break;
    case 'attr-set':
      out.recursiveSet |= bits;
      out.recursiveClear &= ~bits;
      break;
    case 'attr-clear':
      out.recursiveClear |= bits;
      out.recursiveSet &= ~bits;
      break;
    case 'attr-atime':
      // The atime modes are one field (MOUNT_ATTR__ATIME) that
      // mount_setattr(2) only changes as a whole; the last one wins, as with mount(8).
      out.recursiveSet = (out.recursiveSet & ~L.MOUNT_ATTR__ATIME) | bits;
      out.recursiveClear |= L.MOUNT_ATTR__ATIME;
      break;
    default: {
      // a compile error when the table has an effect this switch lacks
      const unhandled: never = option.effect;
      return unhandled;
    }
  }
  return true;
}

export function parseMountOptions(options: readonly string[] | undefined): ParsedMountOptions {
  const out: ParsedMountOptions = {
    flags: 0,
    clear: 0,
    propagation: [],
    bind: false,
    recursive: false,
    recursiveSet: 0,
    recursiveClear: 0,
    tmpcopyup: false,
    idmap: 'none',
    data: [],
  };
  for (const o of options ?? []) {
    if (!apply(out, o)) out.data.push(o);
  }
  return out;
}

/** Every option name parseMountOptions understands as more than file system data (for `kago features`). */
export const KNOWN_MOUNT_OPTIONS: readonly string[] = [...MOUNT_OPTIONS.keys()].sort();

/** The propagation flags of rootfsPropagation ("rslave", "shared", ...). */
export function propagationFlags(name: string): number | undefined {
  const option = MOUNT_OPTIONS.get(name);
  return option?.effect === 'propagation' ? option.bits : undefined;
}

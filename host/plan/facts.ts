// Reads what the plan builder needs to know about this host.
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, type Stats, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { KagoError } from '../errors.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { bindSource, isBindMount } from './rootfs.ts';
import type { HostFacts } from './types.ts';

const ROOTFS_PATHS_TO_CHECK = [
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/random',
  '/dev/urandom',
  '/dev/tty',
  '/dev/fd',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/ptmx',
];

export function resolveRootfs(spec: Spec, bundle: string): string {
  const path = spec.root?.path;
  if (!path) throw new KagoError('config.json: /root/path', 'is required');
  const joined = isAbsolute(path) ? path : join(bundle, path);
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    throw new KagoError('config.json: /root/path', `${joined} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw new KagoError('config.json: /root/path', `${joined} is not a directory`);
  return real;
}

export interface MountInfoEntry {
  id: number;
  root: string;
  mountPoint: string;
  fsType: string;
}

function unescapeMountInfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** /proc/self/mountinfo's lines (proc(5)): ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPEROPTIONS */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 5 || dash < 0) continue;
    entries.push({ id: Number(f[0]), root: unescapeMountInfo(f[3]!), mountPoint: unescapeMountInfo(f[4]!), fsType: f[dash + 1] ?? '' });
  }
  return entries;
}

/** The id of the topmost mount at exactly path (mountinfo lists a mount after the one it covers). */
export function topMountAt(path: string, mounts: MountInfoEntry[]): number | undefined {
  return mounts.filter((m) => m.mountPoint === path).at(-1)?.id;
}

/** The mount point of the mount that holds path (the longest matching mount point). */
export function mountPointOf(path: string, mountinfo: string): string {
  let best = '/';
  for (const line of mountinfo.split('\n')) {
    const mp = line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (!mp) continue;
    if ((path === mp || path.startsWith(mp.endsWith('/') ? mp : `${mp}/`)) && mp.length > best.length) best = mp;
  }
  return best;
}

function kindOf(path: string): 'dir' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * Whether a container path exists in the root file system, following
 * symlinks on the way as the kernel would inside it (RESOLVE_IN_ROOT): an
 * image with `dev -> /dev` must not make the host's /dev/null count as the
 * container's. The last component is not followed.
 */
export function existsInRoot(rootfs: string, containerPath: string): boolean {
  const todo = posix.normalize(`/${containerPath}`).split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; todo.length; ) {
    const name = todo.shift()!;
    if (name === '..') {
      done.pop();
      continue;
    }
    if (name === '.') continue;
    const host = join(rootfs, ...done, name);
    let st: Stats;
    try {
      st = lstatSync(host);
    } catch {
      return false;
    }
    if (!todo.length) return true;
    if (st.isSymbolicLink()) {
      if (++hops > 40) return false;
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter(Boolean));
    } else {
      done.push(name);
    }
  }
  return true;
}

/** The LSMs this kernel runs (securityfs lists them; without it, none is assumed). */
function enabledLsms(): { apparmor: boolean; selinux: boolean } {
  let list: string[] = [];
  try {
    list = readFileSync('/sys/kernel/security/lsm', 'utf8').trim().split(',');
  } catch {
    // no securityfs: neither can be configured
  }
  return { apparmor: list.includes('apparmor'), selinux: list.includes('selinux') && existsSync('/sys/fs/selinux/enforce') };
}

export interface CgroupFacts {
  dirs: string[];
  mountPoints: string[];
  version: 1 | 2;
}

export function gatherFacts(spec: Spec, bundle: string, execFifo: string, cgroups: CgroupFacts): HostFacts {
  const rootfs = resolveRootfs(spec, bundle);
  const sourceKinds: HostFacts['sourceKinds'] = {};
  for (const m of spec.mounts ?? []) {
    if (isBindMount(m) && m.source) {
      const source = bindSource(bundle, m.source);
      sourceKinds[source] = kindOf(source);
    }
  }
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const mounts = parseMountInfo(mountinfo);
  return {
    bundle,
    rootfs,
    rootfsParentMount: mountPointOf(rootfs, mountinfo),
    hostKernelMounts: mounts.filter((m) => m.root === '/' && (m.fsType === 'proc' || m.fsType === 'sysfs')).map((m) => m.mountPoint),
    rootfsMountId: topMountAt(rootfs, mounts),
    cgroupDirs: cgroups.dirs,
    cgroupMountPoints: cgroups.mountPoints,
    cgroupVersion: cgroups.version,
    execFifo,
    sourceKinds,
    lastCap: Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')),
    existingInRootfs: ROOTFS_PATHS_TO_CHECK.filter((p) => existsInRoot(rootfs, p)),
    lsm: enabledLsms(),
    resctrl: / resctrl /.test(mountinfo),
  };
}

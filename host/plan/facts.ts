// Reads what the plan builder needs to know about this host.
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { KagoError } from '../errors.ts';
import type { Spec } from '../spec/config.ts';
import { bindSource, isBindMount } from './rootfs.ts';
import type { HostFacts } from './types.ts';

const ROOTFS_PATHS_TO_CHECK = [
  '/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty',
  '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/ptmx',
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

/** The mount point of the mount that holds path (the longest matching mount point). */
export function mountPointOf(path: string, mountinfo: string): string {
  let best = '/';
  for (const line of mountinfo.split('\n')) {
    const mp = line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (!mp) continue;
    if ((path === mp || path.startsWith(mp.endsWith('/') ? mp : mp + '/')) && mp.length > best.length) best = mp;
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

function existsNoFollow(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
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
  return {
    bundle,
    rootfs,
    rootfsParentMount: mountPointOf(rootfs, readFileSync('/proc/self/mountinfo', 'utf8')),
    cgroupDirs: cgroups.dirs,
    cgroupMountPoints: cgroups.mountPoints,
    cgroupVersion: cgroups.version,
    execFifo,
    sourceKinds,
    lastCap: Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')),
    existingInRootfs: ROOTFS_PATHS_TO_CHECK.filter((p) => existsNoFollow(join(rootfs, posix.normalize(p)))),
  };
}

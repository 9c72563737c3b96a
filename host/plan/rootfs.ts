// The root filesystem as config.json describes it: its mounts in order, the
// device nodes, and the /dev links every container expects.
import { basename, join, posix } from 'node:path';
import { KagoError } from '../errors.ts';
import type { Mount, Spec } from '../spec/config.ts';
import * as L from './linux.ts';
import { parseMountOptions } from './mount-options.ts';
import { has } from './namespaces.ts';
import type { HostFacts, PlannedOp } from './types.ts';

type Add = (op: PlannedOp['op'], what: string) => void;

/** The host path of a container path. Relative destinations are relative to "/" (runtime-spec 1.3). */
export function inRootfs(facts: HostFacts, containerPath: string): string {
  const joined = join(facts.rootfs, posix.normalize('/' + containerPath));
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/** runc resolves a relative bind source against the bundle. */
export function bindSource(bundle: string, source: string): string {
  return source.startsWith('/') ? source : join(bundle, source);
}

export function isBindMount(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

export function addMounts(spec: Spec, facts: HostFacts, add: Add): void {
  (spec.mounts ?? []).forEach((m, i) => {
    const dest = posix.normalize('/' + m.destination);
    if (m.type === 'cgroup') addCgroupMount(m, dest, facts, add);
    else if (isBindMount(m)) addBindMount(m, i, dest, facts, add);
    else addFilesystemMount(m, dest, facts, add);
  });
}

function addPropagation(target: string, dest: string, propagation: number[], add: Add): void {
  for (const flag of propagation) add({ op: 'mount', source: '', target, fstype: '', flags: flag, data: '' }, `change the propagation of ${dest}`);
}

function addFilesystemMount(m: Mount, dest: string, facts: HostFacts, add: Add): void {
  const o = parseMountOptions(m.options);
  const target = inRootfs(facts, dest);
  const type = m.type ?? '';
  add({ op: 'mkdir_all', path: target, mode: 0o755 }, `mkdir ${dest}`);
  add({ op: 'mount', source: m.source ?? type, target, fstype: type, flags: o.flags, data: o.data.join(',') }, `mount ${type || m.source} on ${dest}`);
  addPropagation(target, dest, o.propagation, add);
}

function addBindMount(m: Mount, index: number, dest: string, facts: HostFacts, add: Add): void {
  const o = parseMountOptions(m.options);
  if (!m.source) throw new KagoError(`config.json: /mounts/${index}/source`, 'a bind mount needs a source');
  const source = bindSource(facts.bundle, m.source);
  const kind = facts.sourceKinds[source];
  if (kind === 'missing' || kind === undefined) {
    throw new KagoError(`config.json: /mounts/${index}/source`, `${source} does not exist`);
  }
  const target = inRootfs(facts, dest);
  if (kind === 'dir') add({ op: 'mkdir_all', path: target, mode: 0o755 }, `mkdir ${dest}`);
  else add({ op: 'mkfile', path: target, mode: 0o644 }, `create ${dest}`);
  add({ op: 'mount', source, target, fstype: '', flags: L.MS_BIND | (o.recursive ? L.MS_REC : 0), data: '' }, `bind ${source} on ${dest}`);
  // A bind mount ignores every flag but MS_REC on creation: read-only and the
  // like need a second, remounting call.
  const extra = o.flags & ~L.MS_REMOUNT;
  if (extra) add({ op: 'remount', target, flags: extra }, `remount ${dest} with its options`);
  addPropagation(target, dest, o.propagation, add);
}

/**
 * The container's own cgroups, bound read-only (unless rw is asked) under a
 * tmpfs: one directory per hierarchy on v1 and hybrid hosts, as runc does.
 * Binding works inside user namespaces too, where a v1 cgroup filesystem
 * cannot be mounted.
 */
function addCgroupMount(m: Mount, dest: string, facts: HostFacts, add: Add): void {
  const o = parseMountOptions(m.options);
  const target = inRootfs(facts, dest);
  const flags = o.flags & (L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC | L.MS_RELATIME | L.MS_NOATIME);
  add({ op: 'mkdir_all', path: target, mode: 0o755 }, `mkdir ${dest}`);
  if (facts.cgroupVersion === 2 && facts.cgroupDirs.length === 1) {
    add({ op: 'mount', source: facts.cgroupDirs[0]!, target, fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' }, `bind the container's cgroup on ${dest}`);
    if (flags) add({ op: 'remount', target, flags }, `remount ${dest} with its options`);
    return;
  }
  add({ op: 'mount', source: 'tmpfs', target, fstype: 'tmpfs', flags: L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC, data: 'mode=755' }, `mount tmpfs on ${dest}`);
  facts.cgroupDirs.forEach((dir, i) => {
    const sub = join(target, basename(facts.cgroupMountPoints[i]!));
    const subDest = posix.join(dest, basename(facts.cgroupMountPoints[i]!));
    add({ op: 'mkdir_all', path: sub, mode: 0o755 }, `mkdir ${subDest}`);
    add({ op: 'mount', source: dir, target: sub, fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' }, `bind cgroup ${dir} on ${subDest}`);
    if (flags) add({ op: 'remount', target: sub, flags }, `remount ${subDest} with its options`);
  });
  if (flags & L.MS_RDONLY) add({ op: 'remount', target, flags: flags | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC }, `remount ${dest} read-only`);
}

interface DeviceNode {
  path: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
}

/** The devices every container gets (runtime-spec config-linux.md, "Default Devices"). */
const DEFAULT_DEVICES: DeviceNode[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, mode: 0o666, uid: 0, gid: 0 },
];

const TYPE_BITS = { c: L.S_IFCHR, u: L.S_IFCHR, b: L.S_IFBLK, p: L.S_IFIFO } as const;

export function addDevices(spec: Spec, facts: HostFacts, add: Add): void {
  const configured: DeviceNode[] = (spec.linux?.devices ?? []).map((d) => ({
    path: d.path, type: d.type, major: d.major ?? 0, minor: d.minor ?? 0,
    mode: d.fileMode ?? 0o666, uid: d.uid ?? 0, gid: d.gid ?? 0,
  }));
  const devices = [...DEFAULT_DEVICES.filter((d) => !configured.some((c) => c.path === d.path)), ...configured];
  // A fresh /dev (a mount in config.json) is empty; otherwise leave what the image has.
  const freshDev = (spec.mounts ?? []).some((m) => posix.normalize('/' + m.destination) === '/dev');
  // mknod is refused in a user namespace: bind the host's node instead.
  const userns = has(spec, 'user');
  const madeDirs = new Set<string>();
  for (const d of devices) {
    if (!freshDev && facts.existingInRootfs.includes(d.path)) continue;
    const target = inRootfs(facts, d.path);
    const dir = posix.dirname(d.path);
    if (!madeDirs.has(dir)) add({ op: 'mkdir_all', path: posix.dirname(target), mode: 0o755 }, `mkdir ${dir}`);
    madeDirs.add(dir);
    if (userns) {
      add({ op: 'mkfile', path: target, mode: 0o644 }, `create ${d.path}`);
      add({ op: 'mount', source: d.path, target, fstype: '', flags: L.MS_BIND, data: '' }, `bind device ${d.path}`);
    } else {
      add({ op: 'mknod', path: target, mode: TYPE_BITS[d.type] | (d.mode & 0o7777), major: d.major, minor: d.minor }, `mknod ${d.path}`);
      add({ op: 'chown', path: target, uid: d.uid, gid: d.gid }, `chown ${d.path}`);
    }
  }
}

export function addDevLinks(spec: Spec, facts: HostFacts, add: Add): void {
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'],
    ['/proc/self/fd/0', '/dev/stdin'],
    ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
  ];
  // With a private devpts, /dev/ptmx must lead to its ptmx, not the host's.
  if ((spec.mounts ?? []).some((m) => posix.normalize('/' + m.destination) === '/dev/pts' && m.type === 'devpts')) {
    links.push(['pts/ptmx', '/dev/ptmx']);
  }
  for (const [target, link] of links) {
    if (facts.existingInRootfs.includes(link)) continue;
    add({ op: 'symlink', target, path: inRootfs(facts, link) }, `symlink ${link} -> ${target}`);
  }
}

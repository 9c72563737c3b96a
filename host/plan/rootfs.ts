// The root filesystem as config.json describes it: its mounts in order, the
// device nodes, and the /dev links every container expects.
//
// Every path inside the root filesystem is carried as a container path and
// resolved by the executor inside the directory in the root slot (openat2
// RESOLVE_IN_ROOT): an image whose /proc, /dev or mount destination is a
// symlink to a host path gets its mounts and files inside itself, never on
// the host (CVE-2019-16884, CVE-2021-30465 in runc). Only bind sources are
// host paths, and they are the config's to choose.
import { basename, join, posix } from 'node:path';
import { KagoError } from '../errors.ts';
import type { LinuxIdMapping, Mount, Spec } from '../../wasm/spec.gen.ts';
import * as L from './linux.ts';
import { parseMountOptions, type ParsedMountOptions } from './mount-options.ts';
import { has, wantsNew } from './namespaces.ts';
import type { SlotAllocator } from './slots.ts';
import type { CreateSlots, HostFacts, PlannedOp } from './types.ts';

type Add = (op: PlannedOp['op'], what: string) => void;

/**
 * Slots bind sources leave free for the rest of the plan (the root file
 * system, a tmpcopyup's source, the console socket, namespaces joined by path).
 */
const SPARE_AFTER_BIND_SOURCES = 16;

/** A container path in its normal form: absolute, no "." or "..", no trailing slash. */
export function containerPath(path: string): string {
  const p = posix.normalize(`/${path}`);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** runc resolves a relative bind source against the bundle. */
export function bindSource(bundle: string, source: string): string {
  return source.startsWith('/') ? source : join(bundle, source);
}

export function isBindMount(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

function isIdmapped(m: Mount): boolean {
  return parseMountOptions(m.options).idmap !== 'none' || m.uidMappings !== undefined || m.gidMappings !== undefined;
}

/**
 * With a new user namespace, init runs as its root, a mapped host uid that a
 * bind source under a directory closed to others (0700, root's) keeps out; so
 * the intermediate process opens each source while it still has the host's
 * root uid (host/plan/intermediate.ts), and init binds the fd. The slot of
 * each, by mount index, taken from alloc; a config with more binds than
 * slots has the rest bound by path, as before.
 */
export function bindSourceSlots(spec: Spec, facts: HostFacts, alloc: SlotAllocator): Map<number, number> {
  const slots = new Map<number, number>();
  if (!wantsNew(spec, 'user') || !wantsNew(spec, 'mount')) return slots;
  (spec.mounts ?? []).forEach((m, i) => {
    if (m.type === 'cgroup' || !isBindMount(m) || isIdmapped(m) || !m.source) return;
    if (facts.sourceKinds[bindSource(facts.bundle, m.source)] === 'missing') return;
    const slot = alloc.takeIfSpare('bind sources', SPARE_AFTER_BIND_SOURCES);
    if (slot !== undefined) slots.set(i, slot);
  });
  return slots;
}

/** Opens the root filesystem for the in-root operations; done right after binding it onto itself. Returns its slot. */
export function addOpenRootfs(facts: HostFacts, alloc: SlotAllocator, add: Add): number {
  const root = alloc.take('the root file system');
  add({ op: 'open', path: facts.rootfs, flags: L.O_PATH | L.O_DIRECTORY, slot: root }, `open the root filesystem ${facts.rootfs}`);
  return root;
}

function addCloseRootfs(root: number, alloc: SlotAllocator, add: Add): void {
  add({ op: 'close', slot: root }, 'close the root filesystem');
  alloc.release(root);
}

function mapText(maps: LinuxIdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/**
 * Id-mapped mounts (mount_setattr(2) MOUNT_ATTR_IDMAP), prepared in the
 * intermediate process while it is still in the host's user and mount
 * namespaces: only there may the source's mount be cloned and mapped (the
 * kernel wants CAP_SYS_ADMIN over the source file system's user namespace).
 * init attaches the detached trees inside the root file system. The user
 * namespace that carries the mapping is a short-lived child's, whose maps the
 * executor writes as the plan says.
 */
export function addIdmappedTrees(spec: Spec, facts: HostFacts, slots: CreateSlots, add: Add): void {
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    if (!isIdmapped(m)) continue;
    const o = parseMountOptions(m.options);
    // The validator (core-c/spec/mounts.c) makes sure the mappings and the source are there.
    const uid = m.uidMappings ?? spec.linux!.uidMappings!;
    const gid = m.gidMappings ?? spec.linux!.gidMappings!;
    const source = bindSource(facts.bundle, m.source!);
    checkSource(facts, source, i);
    const dest = containerPath(m.destination);
    const userns = slots.alloc.take(`the user namespace of the id mapping of ${dest}`, `config.json: /mounts/${i}`);
    add({ op: 'make_userns', uid_map: mapText(uid), gid_map: mapText(gid), slot: userns }, `make the user namespace of the id mapping of ${dest}`);
    const tree = slots.alloc.take(`the id-mapped tree of ${dest}`, `config.json: /mounts/${i}`);
    slots.trees.set(i, tree);
    add({ op: 'open_tree', path: source, recursive: o.recursive ? 1 : 0, slot: tree }, `clone the mount of ${source}`);
    add({ op: 'idmap_tree', slot: tree, userns, recursive: o.idmap === 'ridmap' ? 1 : 0 }, `id-map the mount for ${dest}`);
    add({ op: 'close', slot: userns }, 'close the id mapping user namespace');
    slots.alloc.release(userns);
  }
}

function checkSource(facts: HostFacts, source: string, index: number): 'dir' | 'file' {
  const kind = facts.sourceKinds[source];
  if (kind === 'missing' || kind === undefined) {
    throw new KagoError(`config.json: /mounts/${index}/source`, `${source} does not exist`);
  }
  return kind;
}

/** The mounts of config.json inside the root file system, whose slot is root. */
export function addMounts(spec: Spec, facts: HostFacts, slots: CreateSlots, root: number, add: Add): void {
  (spec.mounts ?? []).forEach((m, i) => {
    const dest = containerPath(m.destination);
    if (m.type === 'cgroup') addCgroupMount(m, dest, facts, root, add);
    else if (isBindMount(m)) addBindMount(m, i, dest, facts, slots, root, add);
    else addFilesystemMount(m, dest, spec, facts, slots.alloc, root, add);
  });
}

/**
 * runc mounts a read-only tmpfs, and a read-only /dev of any kind, writable
 * and remounts it read-only only at the end (its finalizeRootfs): what goes
 * inside (device nodes, /dev/pts, nested mount points, a tmpcopyup's copy)
 * is made first.
 */
function readonlyLater(m: Mount, dest: string): boolean {
  if (m.type === 'cgroup' || !(parseMountOptions(m.options).flags & L.MS_RDONLY)) return false;
  return dest === '/dev' || (m.type === 'tmpfs' && !isBindMount(m));
}

/**
 * The read-only remounts readonlyLater put off, once the root file system is
 * complete: of the mount, not of its file system (runc's leave the tmpfs
 * itself writable too, as its mountinfo shows).
 */
export function addReadonlyRemounts(spec: Spec, root: number, add: Add): void {
  for (const m of spec.mounts ?? []) {
    const dest = containerPath(m.destination);
    if (!readonlyLater(m, dest)) continue;
    const flags = parseMountOptions(m.options).flags & ~L.MS_REMOUNT;
    add({ op: 'remount_in_root', root, target: dest, flags }, `remount ${dest} read-only`);
  }
}

function addAfterMount(dest: string, o: ParsedMountOptions, root: number, add: Add): void {
  if (o.recursiveSet || o.recursiveClear) {
    add({ op: 'setattr_in_root', root, target: dest, set: o.recursiveSet, clear: o.recursiveClear, recursive: 1 }, `set the recursive options of ${dest}`);
  }
  for (const flag of o.propagation) {
    add({ op: 'mount_in_root', source: '', root, target: dest, fstype: '', flags: flag, data: '' }, `change the propagation of ${dest}`);
  }
}

function mountData(o: ParsedMountOptions, spec: Spec, facts: HostFacts): string {
  const data = [...o.data];
  const label = spec.linux?.mountLabel;
  if (label) {
    if (!facts.lsm?.selinux) throw new KagoError('config.json: /linux/mountLabel', 'SELinux is not enabled on this host');
    // mount(8) "context=": one label for the whole file system; a label has commas, hence the quotes.
    if (!data.some((d) => d.startsWith('context='))) data.push(`context="${label}"`);
  }
  return data.join(',');
}

function addFilesystemMount(m: Mount, dest: string, spec: Spec, facts: HostFacts, alloc: SlotAllocator, root: number, add: Add): void {
  const o = parseMountOptions(m.options);
  const type = m.type ?? '';
  const data = mountData(o, spec, facts);
  add({ op: 'mkdir_in_root', root, path: dest, mode: 0o755 }, `mkdir ${dest}`);
  const copyup = o.tmpcopyup && type === 'tmpfs' ? alloc.take(`the old ${dest}`) : undefined;
  if (copyup !== undefined) {
    add({ op: 'open_in_root', root, path: dest, flags: L.O_RDONLY | L.O_DIRECTORY, slot: copyup }, `open ${dest} to copy it up`);
  }
  const flags = readonlyLater(m, dest) ? o.flags & ~L.MS_RDONLY : o.flags;
  add({ op: 'mount_in_root', source: m.source ?? type, root, target: dest, fstype: type, flags, data }, `mount ${type || m.source} on ${dest}`);
  if (copyup !== undefined) {
    add({ op: 'copy_tree_in_root', from: copyup, root, path: dest }, `copy the contents of ${dest} into its tmpfs`);
    add({ op: 'close', slot: copyup }, `close the old ${dest}`);
    alloc.release(copyup);
  }
  addAfterMount(dest, o, root, add);
}

function addBindMount(m: Mount, index: number, dest: string, facts: HostFacts, slots: CreateSlots, root: number, add: Add): void {
  const tree = slots.trees.get(index);
  const sourceSlot = slots.sources.get(index);
  const o = parseMountOptions(m.options);
  const source = bindSource(facts.bundle, m.source!);
  const kind = checkSource(facts, source, index);
  if (kind === 'dir') add({ op: 'mkdir_in_root', root, path: dest, mode: 0o755 }, `mkdir ${dest}`);
  else addFile(dest, 0o644, root, add);
  if (tree !== undefined) {
    add({ op: 'move_mount_in_root', slot: tree, root, target: dest }, `attach the id-mapped ${source} on ${dest}`);
    add({ op: 'close', slot: tree }, `close the id-mapped tree of ${dest}`);
    slots.alloc.release(tree);
  } else if (sourceSlot !== undefined) {
    add({ op: 'bind_fd_in_root', slot: sourceSlot, root, target: dest, recursive: o.recursive ? 1 : 0 }, `bind ${source} on ${dest}`);
    slots.alloc.release(sourceSlot);
  } else {
    add(
      { op: 'mount_in_root', source, root, target: dest, fstype: '', flags: L.MS_BIND | (o.recursive ? L.MS_REC : 0), data: '' },
      `bind ${source} on ${dest}`,
    );
  }
  // A bind mount ignores every flag but MS_REC on creation: read-only and the
  // like need a second, remounting call.
  const extra = o.flags & ~L.MS_REMOUNT & ~(readonlyLater(m, dest) ? L.MS_RDONLY : 0);
  if (extra) add({ op: 'remount_in_root', root, target: dest, flags: extra }, `remount ${dest} with its options`);
  addAfterMount(dest, o, root, add);
}

function addFile(path: string, mode: number, root: number, add: Add): void {
  const dir = posix.dirname(path);
  if (dir !== '/') add({ op: 'mkdir_in_root', root, path: dir, mode: 0o755 }, `mkdir ${dir}`);
  add({ op: 'mkfile_in_root', root, path, mode }, `create ${path}`);
}

/**
 * The container's own cgroups, bound read-only (unless rw is asked) under a
 * tmpfs: one directory per hierarchy on v1 and hybrid hosts, as runc does.
 * Binding works inside user namespaces too, where a v1 cgroup filesystem
 * cannot be mounted.
 */
function addCgroupMount(m: Mount, dest: string, facts: HostFacts, root: number, add: Add): void {
  const o = parseMountOptions(m.options);
  const flags = o.flags & (L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC | L.MS_RELATIME | L.MS_NOATIME);
  const inRoot = (target: string, what: string, m: { source: string; fstype: string; flags: number; data: string }) =>
    add({ op: 'mount_in_root', source: m.source, root, target, fstype: m.fstype, flags: m.flags, data: m.data }, what);
  add({ op: 'mkdir_in_root', root, path: dest, mode: 0o755 }, `mkdir ${dest}`);
  if (facts.cgroupVersion === 2 && facts.cgroupDirs.length === 1) {
    inRoot(dest, `bind the container's cgroup on ${dest}`, { source: facts.cgroupDirs[0]!, fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' });
    if (flags) add({ op: 'remount_in_root', root, target: dest, flags }, `remount ${dest} with its options`);
    return;
  }
  inRoot(dest, `mount tmpfs on ${dest}`, { source: 'tmpfs', fstype: 'tmpfs', flags: L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC, data: 'mode=755' });
  facts.cgroupDirs.forEach((dir, i) => {
    const sub = posix.join(dest, basename(facts.cgroupMountPoints[i]!));
    add({ op: 'mkdir_in_root', root, path: sub, mode: 0o755 }, `mkdir ${sub}`);
    inRoot(sub, `bind cgroup ${dir} on ${sub}`, { source: dir, fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' });
    if (flags) add({ op: 'remount_in_root', root, target: sub, flags }, `remount ${sub} with its options`);
  });
  if (flags & L.MS_RDONLY)
    add({ op: 'remount_in_root', root, target: dest, flags: flags | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC }, `remount ${dest} read-only`);
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

/**
 * A /dev bound from elsewhere (the host's, `rbind`) already has its nodes and
 * links, and whatever kago made there would be made in that directory: runc
 * (needsSetupDev) then makes neither, and nor does kago.
 */
function devIsBound(spec: Spec): boolean {
  return (spec.mounts ?? []).some((m) => containerPath(m.destination) === '/dev' && isBindMount(m));
}

export function addDevices(spec: Spec, facts: HostFacts, root: number, add: Add): void {
  if (devIsBound(spec)) return;
  const configured: DeviceNode[] = (spec.linux?.devices ?? []).map((d) => ({
    path: containerPath(d.path),
    type: d.type,
    major: d.major ?? 0,
    minor: d.minor ?? 0,
    mode: d.fileMode ?? 0o666,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  }));
  const devices = [...DEFAULT_DEVICES.filter((d) => !configured.some((c) => c.path === d.path)), ...configured];
  // A fresh /dev (a mount in config.json) is empty; otherwise leave what the image has.
  const freshDev = (spec.mounts ?? []).some((m) => containerPath(m.destination) === '/dev');
  // mknod is refused in a user namespace: bind the host's node instead.
  const userns = has(spec, 'user');
  const madeDirs = new Set<string>();
  for (const d of devices) {
    if (!freshDev && facts.existingInRootfs.includes(d.path)) continue;
    const dir = posix.dirname(d.path);
    if (!madeDirs.has(dir)) add({ op: 'mkdir_in_root', root, path: dir, mode: 0o755 }, `mkdir ${dir}`);
    madeDirs.add(dir);
    if (userns) {
      add({ op: 'mkfile_in_root', root, path: d.path, mode: 0o644 }, `create ${d.path}`);
      add({ op: 'mount_in_root', source: d.path, root, target: d.path, fstype: '', flags: L.MS_BIND, data: '' }, `bind device ${d.path}`);
    } else {
      add({ op: 'mknod_in_root', root, path: d.path, mode: TYPE_BITS[d.type] | (d.mode & 0o7777), major: d.major, minor: d.minor }, `mknod ${d.path}`);
      add({ op: 'chown_in_root', root, path: d.path, uid: d.uid, gid: d.gid }, `chown ${d.path}`);
    }
  }
}

export function addDevLinks(spec: Spec, facts: HostFacts, root: number, add: Add): void {
  if (devIsBound(spec)) return;
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'],
    ['/proc/self/fd/0', '/dev/stdin'],
    ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
  ];
  // With a private devpts, /dev/ptmx must lead to its ptmx, not the host's.
  if ((spec.mounts ?? []).some((m) => containerPath(m.destination) === '/dev/pts' && m.type === 'devpts')) {
    links.push(['pts/ptmx', '/dev/ptmx']);
  }
  for (const [target, link] of links) {
    if (facts.existingInRootfs.includes(link)) continue;
    add({ op: 'symlink_in_root', root, target, path: link }, `symlink ${link} -> ${target}`);
  }
}

/** runc creates a missing working directory; "/" always exists. */
export function addWorkingDirectory(cwd: string, root: number, add: Add): void {
  const dir = containerPath(cwd);
  if (dir !== '/') add({ op: 'mkdir_in_root', root, path: dir, mode: 0o755 }, `mkdir ${cwd}`);
}

/**
 * The switch to the new root: pivot_root; for `--no-pivot` (a root file
 * system on ramfs, which pivot_root refuses) a move onto / and a chroot; in
 * kago's own mount namespace (no `mount` namespace in the config) a chroot
 * alone, since the host's / must stay where it is.
 */
export function addRootSwitch(facts: HostFacts, how: 'pivot' | 'move' | 'chroot', spec: Spec, root: { slot: number; alloc: SlotAllocator }, add: Add): void {
  addCloseRootfs(root.slot, root.alloc, add);
  if (how === 'pivot') add({ op: 'pivot_root', root: facts.rootfs }, `pivot_root to ${facts.rootfs}`);
  else if (how === 'chroot') add({ op: 'chroot', path: facts.rootfs }, `chroot into ${facts.rootfs}`);
  else {
    addHideHostKernelMounts(spec, facts, add);
    add({ op: 'move_root', root: facts.rootfs }, `move ${facts.rootfs} onto / and chroot into it`);
  }
}

/**
 * After MS_MOVE and chroot the host's mounts stay in the container's mount
 * namespace, out of sight but not out of reach: a process that makes a user
 * namespace of its own may mount a fresh proc or sysfs as long as one of them
 * is fully visible in its mount namespace (the kernel's mount_too_revealing),
 * and the host's are. runc's msMoveRoot removes every whole proc and sysfs
 * mount outside the new root first; so does kago. In a user namespace they
 * are locked to their parents and cannot be detached: an empty tmpfs over
 * each hides them just as well.
 */
function addHideHostKernelMounts(spec: Spec, facts: HostFacts, add: Add): void {
  const cover = has(spec, 'user') ? 1 : 0;
  const hidden: string[] = [];
  for (const path of facts.hostKernelMounts ?? []) {
    if (path === facts.rootfs || path.startsWith(`${facts.rootfs}/`)) continue;
    if (hidden.some((h) => h === '/' || path === h || path.startsWith(`${h}/`))) continue;
    hidden.push(path);
    add({ op: 'hide_mount', path, cover }, `${cover ? 'cover' : 'detach'} the host's ${path}`);
  }
}

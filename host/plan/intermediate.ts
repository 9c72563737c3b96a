// Stage 1, the intermediate process: join the cgroup, become a member of the
// container's namespaces (creating or joining them), then fork the init
// process, which a new pid namespace can only hold as a child.
import type { LinuxNamespace, Spec } from '../../wasm/spec.gen.ts';
import * as L from './linux.ts';
import { JOIN_ORDER, NAMESPACE_FLAGS, namespaceList, wantsNew } from './namespaces.ts';
import { addNetDeviceRequest } from './netdev.ts';
import { addIdmappedTrees, bindSource, bindSourceSlots } from './rootfs.ts';
import type { SlotAllocator } from './slots.ts';
import type { CreateSlots, HostFacts, PlannedOp } from './types.ts';

type Add = (op: PlannedOp['op'], what: string) => void;

/** The ops of the intermediate process; the slots it leaves filled for init are in slots. */
export function buildIntermediateOps(spec: Spec, facts: HostFacts, slots: CreateSlots): PlannedOp[] {
  const ops: PlannedOp[] = [];
  const add: Add = (op, what) => ops.push({ stage: 'intermediate', op, what });

  // If kago dies while setting up, the half-made container must die with it.
  add({ op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: L.SIGKILL }, 'set the parent-death signal');
  // Opened while still the host's root: the state directory may be closed to
  // the container's user, and pivot_root will hide it. init inherits the fd
  // and reopens the FIFO through /proc/self/fd when setup is done.
  add({ op: 'open', path: facts.execFifo, flags: L.O_PATH, slot: slots.fifo }, `open the exec FIFO ${facts.execFifo}`);
  const cgroupSlot = addCgroupEntry(facts.cgroupDirs, facts.cloneIntoCgroup === true, slots.alloc, add);

  // Still in the host's user and mount namespaces, where a mount can be cloned and id-mapped.
  addIdmappedTrees(spec, facts, slots, add);

  // Bind sources are opened by the host's root, before it becomes the user
  // namespace's root (a mapped uid that a 0700 directory on the way keeps out), in the
  // new mount namespace, where init can bind them: so that namespace is made
  // with the user namespace (and owned by it).
  slots.sources = bindSourceSlots(spec, facts, slots.alloc);
  const early = slots.sources.size ? L.CLONE_NEWNS : 0;
  addJoins(
    namespaceList(spec).filter((ns) => ns.path),
    wantsNew(spec, 'user'),
    slots.alloc,
    add,
    {
      withUser: early,
      asHostRoot: () => {
        for (const [i, slot] of slots.sources) {
          const source = bindSource(facts.bundle, spec.mounts![i]!.source!);
          add({ op: 'open', path: source, flags: L.O_PATH, slot }, `open the bind source ${source}`);
        }
      },
    },
  );

  let flags = 0;
  for (const ns of namespaceList(spec)) {
    if (!ns.path && ns.type !== 'user') flags |= NAMESPACE_FLAGS[ns.type];
  }
  flags &= ~early;
  // A cgroup namespace is rooted at its maker's cgroup: init, born in the
  // container's cgroup, makes it (init.ts), as runc's init does.
  if (facts.cloneIntoCgroup) flags &= ~L.CLONE_NEWCGROUP;
  if (flags) add({ op: 'unshare', flags }, `create the ${describeFlags(flags)} namespaces`);
  // runc's "loopback" network: a new network namespace has lo, down.
  if (wantsNew(spec, 'network')) add({ op: 'link_up', name: 'lo' }, 'bring up the loopback interface lo');

  const offsets = spec.linux?.timeOffsets;
  if (offsets && wantsNew(spec, 'time')) {
    const lines = (['monotonic', 'boottime'] as const)
      .filter((clock) => offsets[clock])
      .map((clock) => `${clock} ${offsets[clock]!.secs ?? 0} ${offsets[clock]!.nanosecs ?? 0}\n`);
    if (lines.length) add({ op: 'write_file', path: '/proc/self/timens_offsets', data: lines.join('') }, 'set the time namespace offsets');
  }

  // The namespaces exist now; the host moves the network devices into ours.
  addNetDeviceRequest(spec, add);

  // CLONE_PARENT makes init kago's child, so `run` can wait for it directly.
  addFork(cgroupSlot, slots.alloc, add, 'fork the container init process');
  return ops;
}

/**
 * How the forked process gets into its cgroups: this process joins them
 * first thing (a cgroup.procs write, still as kago's user and in kago's
 * namespaces), or, with clone3(CLONE_INTO_CGROUP), the directory is opened
 * now and the child is created there by addFork, the forking process never
 * entering it.
 */
export function addCgroupEntry(dirs: readonly string[], cloneInto: boolean, alloc: SlotAllocator, add: Add): number | undefined {
  if (cloneInto) {
    const slot = alloc.take(`the cgroup directory ${dirs[0]}`);
    add({ op: 'open', path: dirs[0]!, flags: L.O_RDONLY | L.O_DIRECTORY, slot }, `open cgroup ${dirs[0]}`);
    return slot;
  }
  for (const dir of dirs) add({ op: 'write_file', path: `${dir}/cgroup.procs`, data: '0' }, `join cgroup ${dir}`);
  return undefined;
}

/** The fork with CLONE_PARENT, into the cgroup whose directory addCgroupEntry opened in cgroupSlot, if it did. */
export function addFork(cgroupSlot: number | undefined, alloc: SlotAllocator, add: Add, what: string): void {
  if (cgroupSlot === undefined) {
    add({ op: 'fork', flags: L.CLONE_PARENT }, what);
    return;
  }
  add({ op: 'fork_into_cgroup', flags: L.CLONE_PARENT, cgroup_slot: cgroupSlot }, `${what} into its cgroup`);
  alloc.release(cgroupSlot);
}

/**
 * Opens every namespace file first (joining the mount namespace would change
 * what later paths mean), joins the user namespace first (it owns the others),
 * creates a new user namespace if asked, and becomes its root. With
 * cgroupAfterFork a cgroup namespace is left open, not joined: its slot is
 * returned, for the forked process to join (addCgroupNsJoin).
 */
export function addJoins(
  namespaces: LinuxNamespace[],
  newUser: boolean,
  alloc: SlotAllocator,
  add: Add,
  options: { withUser?: number; asHostRoot?: () => void; cgroupAfterFork?: boolean } = {},
): number | undefined {
  const joined = [...namespaces].sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  const slots = joined.map((ns) => alloc.take(`the ${ns.type} namespace ${ns.path}`));
  joined.forEach((ns, i) => {
    add({ op: 'open', path: ns.path!, flags: L.O_RDONLY, slot: slots[i]! }, `open the ${ns.type} namespace ${ns.path}`);
  });
  const joinUser = joined.length > 0 && joined[0]!.type === 'user';
  if (joinUser) {
    add({ op: 'setns', slot: slots[0]!, nstype: L.CLONE_NEWUSER }, `join the user namespace ${joined[0]!.path}`);
  }
  if (newUser) {
    const flags = L.CLONE_NEWUSER | (options.withUser ?? 0);
    add({ op: 'unshare', flags }, `create the ${describeFlags(flags)} namespaces`);
    add({ op: 'request_id_maps' }, 'write the uid and gid mappings');
    options.asHostRoot?.();
  }
  if (joinUser || newUser) {
    // Become the namespace's root so that what is created next is owned by
    // the mapped root, not the overflow id.
    add({ op: 'setresgid', gid: 0 }, 'become gid 0 in the user namespace');
    add({ op: 'setresuid', uid: 0 }, 'become uid 0 in the user namespace');
  }
  const deferred = options.cgroupAfterFork ? joined.findIndex((ns) => ns.type === 'cgroup') : -1;
  joined.forEach((ns, i) => {
    if (ns.type === 'user' || i === deferred) return;
    add({ op: 'setns', slot: slots[i]!, nstype: NAMESPACE_FLAGS[ns.type] }, `join the ${ns.type} namespace ${ns.path}`);
  });
  slots.forEach((slot, i) => {
    if (i === deferred) return;
    add({ op: 'close', slot }, 'close a namespace file');
    alloc.release(slot);
  });
  return deferred >= 0 ? slots[deferred] : undefined;
}

/** The join addJoins left to the forked process: inside the cgroup it was created in, which the namespace's root is or is above. */
export function addCgroupNsJoin(slot: number | undefined, alloc: SlotAllocator, add: Add): void {
  if (slot === undefined) return;
  add({ op: 'setns', slot, nstype: L.CLONE_NEWCGROUP }, 'join the cgroup namespace');
  add({ op: 'close', slot }, 'close a namespace file');
  alloc.release(slot);
}

function describeFlags(flags: number): string {
  return (Object.entries(NAMESPACE_FLAGS) as [string, number][])
    .filter(([, f]) => flags & f)
    .map(([name]) => name)
    .join(', ');
}

import type { PlanOp } from './format.gen.ts';
import type { CompiledSeccomp } from './seccomp.ts';
import type { SlotAllocator } from './slots.ts';

export type Stage = 'intermediate' | 'init';

/** One operation with what a person should read when it fails. */
export interface PlannedOp {
  stage: Stage;
  op: PlanOp;
  /** "mount proc on /proc", "join the user namespace at /proc/42/ns/user" */
  what: string;
}

/** What the core computed from the config for the plan. */
export interface Compiled {
  seccomp?: CompiledSeccomp;
}

/** What the command line asked for that changes the plan. */
export interface PlanOptions {
  /** `--no-pivot`: MS_MOVE and chroot instead of pivot_root */
  noPivot?: boolean;
  /** `--no-new-keyring`: keep kago's session keyring instead of a new one named after the container */
  noNewKeyring?: boolean;
  /** the container id, the name of its session keyring */
  id?: string;
  /** descriptors passed on as fds 3, 4, ... (LISTEN_FDS, then --preserve-fds) */
  preservedFds?: number;
  /** the container's stdio is kago's caller's (a foreground run) */
  callersStdio?: boolean;
}

/** Where the executor finds what kago passes it, and where the container gets it. */
export const CONSOLE_FD = 4;
export const PRESERVED_FROM_FD = 5;

export interface Plan {
  ops: PlannedOp[];
}

/** The slots of a create plan that the intermediate process fills and init uses. */
export interface CreateSlots {
  readonly alloc: SlotAllocator;
  /** the exec FIFO, from the start until `kago start` */
  fifo: number;
  /** detached id-mapped trees, by mount index, attached by init */
  trees: Map<number, number>;
  /** bind sources opened ahead, by mount index, bound by init */
  sources: Map<number, number>;
}

/**
 * Facts about the host the builder needs; gathered by facts.ts so the builder
 * itself is a pure function of (config, facts) and testable without root.
 */
export interface HostFacts {
  /** absolute bundle directory */
  bundle: string;
  /** absolute, symlink-free root filesystem path */
  rootfs: string;
  /** mount point of the host mount that contains rootfs */
  rootfsParentMount: string;
  /** the container's directory in each cgroup hierarchy */
  cgroupDirs: string[];
  /** mount points of the hierarchies, in the same order as cgroupDirs */
  cgroupMountPoints: string[];
  cgroupVersion: 1 | 2;
  execFifo: string;
  /** what each bind-mount source is, by absolute host path */
  sourceKinds: Record<string, 'dir' | 'file' | 'missing'>;
  /** set when process.terminal: the pty size to set (0 rows: leave it) */
  console?: { rows: number; cols: number };
  /** setgroups(2) is denied in the user namespace (rootless, mapping only the user's own gid) */
  setgroupsDenied?: boolean;
  /** the highest capability this kernel knows (/proc/sys/kernel/cap_last_cap) */
  lastCap: number;
  /** container paths (like /dev/null) that already exist in the rootfs on disk */
  existingInRootfs: string[];
  /** the LSMs enabled on this host (absent: none) */
  lsm?: { apparmor: boolean; selinux: boolean };
  /** mount points of the host's whole proc and sysfs mounts (mountinfo root "/"), in mountinfo order */
  hostKernelMounts?: string[];
  /** the id of the topmost mount whose mount point is rootfs itself, if rootfs is a mount point */
  rootfsMountId?: number;
  /** whether a resctrl file system (Intel RDT) is mounted */
  resctrl?: boolean;
  /** create init in its cgroup with clone3(CLONE_INTO_CGROUP) (host/cgroups/clone-into.ts) */
  cloneIntoCgroup?: boolean;
}

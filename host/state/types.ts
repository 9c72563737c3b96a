// The persisted state of one container: the runtime-spec state (ociVersion,
// id, status, pid, bundle, annotations), the fields runc adds and engines
// read (created, rootfs, owner), and what kago needs to clean up later.
import type { CgroupPlacement } from '../cgroups/placement.ts';
import type { Hooks, LinuxResources, Process } from '../../wasm/spec.gen.ts';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerState {
  ociVersion: string;
  id: string;
  status: Status;
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
  rootfs: string;
  created: string;
  owner: string;
  kago: {
    /** /proc/PID/stat starttime of init: a pid reused by another process differs */
    initStartTime?: string;
    cgroup: CgroupPlacement;
    /** pid of the executor's first process while create runs; killed by delete --force */
    executorPid?: number;
    executorStartTime?: string;
    /** what `exec` starts from: the config's process and its compiled seccomp filter */
    process?: Process;
    seccomp?: { flags: number; filter: string /* base64 */; listener?: { path: string; metadata: string } };
    /** poststart and poststop run after create has returned: kept from config.json */
    hooks?: Pick<Hooks, 'poststart' | 'poststop'>;
    /** without a mount namespace of its own: the bind of rootfs that delete detaches, and the mount it covers */
    inheritedMounts?: { rootfs: string; coveredMountId?: number };
    /** linux.resources as last applied (create, then each update): update merges into it */
    resources?: LinuxResources;
    /** --seccomp-record: the process that holds the container's listener and writes the profile (seccomp-record/) */
    recorder?: { pid: number; startTime?: string };
  };
}

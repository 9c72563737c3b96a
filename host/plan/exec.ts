// The plan of `kago exec`: join the running container (its cgroups, then
// its namespaces through /proc/PID/ns of its init), fork into its pid
// namespace, and start the process with its own settings.
import type { LinuxNamespace, Process, Spec } from '../../wasm/spec.gen.ts';
import { addCgroupEntry, addCgroupNsJoin, addFork, addJoins } from './intermediate.ts';
import { addExecAffinity } from './kernel.ts';
import * as L from './linux.ts';
import type { CompiledSeccomp } from './seccomp.ts';
import { addLimits, addSeccomp, addUserAndCapabilities } from './security.ts';
import { checkSlots, SlotAllocator } from './slots.ts';
import { CONSOLE_FD, type Plan, type PlannedOp, PRESERVED_FROM_FD } from './types.ts';

export interface ExecTarget {
  cgroupDirs: string[];
  /** the init's namespaces that differ from kago's own, as /proc/PID/ns paths */
  namespaces: LinuxNamespace[];
  lastCap: number;
  seccomp?: CompiledSeccomp;
  /** keep the process alive if kago dies (detached exec) */
  detached: boolean;
  /** descriptors passed on as fds 3, 4, ... (--preserve-fds) */
  preservedFds?: number;
  console?: { rows: number; cols: number };
  /** the init's root (/proc/PID/root) to chroot into, for a container in kago's own mount namespace */
  root?: string;
  /** create the process in its cgroup with clone3(CLONE_INTO_CGROUP) (host/cgroups/clone-into.ts) */
  cloneIntoCgroup?: boolean;
}

export function buildExecPlan(process: Process, target: ExecTarget): Plan {
  const ops: PlannedOp[] = [];
  let stage: PlannedOp['stage'] = 'intermediate';
  const add = (op: PlannedOp['op'], what: string) => ops.push({ stage, op, what });
  // Only the process matters to the builders below; no rootfs is set up.
  const spec: Spec = { ociVersion: '1.3.0', process };
  const facts = { lastCap: target.lastCap };
  const slots = new SlotAllocator();

  add({ op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: L.SIGKILL }, 'set the parent-death signal');
  addExecAffinity(process.execCPUAffinity, 'initial', add);
  const cgroupSlot = addCgroupEntry(target.cgroupDirs, target.cloneIntoCgroup === true, slots, add);
  // The container's cgroup namespace would refuse a clone from kago's cgroup, outside its root (nsdelegate).
  const cgroupNsSlot = addJoins(target.namespaces, false, slots, add, { cgroupAfterFork: cgroupSlot !== undefined });
  addFork(cgroupSlot, slots, add, 'fork the process into the container');

  stage = 'init';
  add({ op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: L.SIGKILL }, 'set the parent-death signal');
  addCgroupNsJoin(cgroupNsSlot, slots, add);
  // No mount namespace to join: the container's root is its init's chroot.
  if (target.root) add({ op: 'chroot', path: target.root }, `chroot into the container's root ${target.root}`);
  // A session of its own, as runc's (see init.ts); setup_console starts one with the terminal.
  if (!target.console) add({ op: 'setsid' }, 'start a new session');
  if (target.console) {
    const socket = slots.take('the console socket');
    add({ op: 'adopt_fd', fd: CONSOLE_FD, slot: socket }, 'take the console socket');
    add({ op: 'setup_console', socket_slot: socket, rows: target.console.rows, cols: target.console.cols, console: '' }, 'set up the terminal');
    slots.release(socket);
  }
  addLimits(spec, add);
  // After the cgroup join, which on cgroup v1 resets the affinity to the cpuset's CPUs.
  addExecAffinity(process.execCPUAffinity, 'final', add);
  const filter = target.seccomp;
  if (filter && !process.noNewPrivileges) addSeccomp(filter, add);
  // A foreground process gets pipes of kago's own (lifecycle/stdio.ts), a detached one its caller's stdio, which runc gives to the user too.
  addUserAndCapabilities(spec, facts, add, { source: 'process' });
  const args = process.args ?? [];
  add({ op: 'check_exec', path: args[0]!, envp: process.env ?? [] }, `find ${args[0]}`);
  if (target.detached) add({ op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: 0 }, 'clear the parent-death signal');
  if (filter && process.noNewPrivileges) addSeccomp(filter, add);
  add({ op: 'ready' }, 'report ready');
  addPreservedFds(target.preservedFds ?? 0, add);
  add({ op: 'exec', path: args[0]!, argv: args, envp: process.env ?? [] }, `exec ${args[0]}`);
  checkSlots(ops.map((p) => p.op));
  return { ops };
}

/** After READY the sync socket (fd 3) is closed: the preserved descriptors can take 3, 4, ... */
export function addPreservedFds(count: number, add: (op: PlannedOp['op'], what: string) => void): void {
  if (count > 0) add({ op: 'move_fds', from: PRESERVED_FROM_FD, count, to: 3 }, `pass on ${count} descriptors as fds 3..${2 + count}`);
}

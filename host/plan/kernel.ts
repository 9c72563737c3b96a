// Kernel settings of the container's process, each one system call with
// values computed here: sysctls, personality, memory policy, scheduler, I/O
// priority, CPU affinity, and the LSM labels, which this module refuses with
// a clear message when the host has no such LSM.
import { KagoError } from '../errors.ts';
import type { CpuAffinity, Spec } from '../../wasm/spec.gen.ts';
import type { HostFacts, PlannedOp } from './types.ts';

type Add = (op: PlannedOp['op'], what: string) => void;

/**
 * "0-3,7" -> the bit mask as 64-bit words, lowest bits first (the layout of
 * cpu_set_t and of a nodemask on a 64-bit kernel). Values are below 2^32 per
 * word half, but a JS number holds only 53 bits exactly, so each word is
 * built from two 32-bit halves with BigInt.
 */
export function listToMaskWords(list: string): number[] {
  const bits: number[] = [];
  for (const part of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    // The validator (core-c/spec, SPEC_MAX_MASK_BIT) refused any other form and numbers past 65535.
    const m = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(part)!;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let b = lo; b <= hi; b++) bits.push(b);
  }
  if (!bits.length) return [];
  const words = new Array<bigint>(Math.floor(Math.max(...bits) / 64) + 1).fill(0n);
  for (const b of bits) words[Math.floor(b / 64)]! |= 1n << BigInt(b % 64);
  // The plan's ints are signed 64-bit: bit 63 goes as a negative number.
  return words.map((w) => Number(BigInt.asIntN(64, w)));
}

/**
 * runtime-spec config-linux.md "Sysctl": written inside the container's
 * namespaces once its /proc is mounted. The core has already refused names
 * that are not namespaced or whose namespace the container lacks.
 */
export function addSysctls(spec: Spec, add: Add): void {
  for (const [name, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    const path = `/proc/sys/${name.replace(/\./g, '/')}`;
    add({ op: 'write_proc', path, data: value }, `set sysctl ${name}`);
  }
}

const PERSONA = { LINUX: 0x0000, LINUX32: 0x0008 } as const; // include/uapi/linux/personality.h

const MPOL_MODE = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
} as const; // include/uapi/linux/mempolicy.h
const MPOL_FLAG = { MPOL_F_STATIC_NODES: 1 << 15, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_NUMA_BALANCING: 1 << 13 } as const;

const SCHED_POLICY = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
} as const; // include/uapi/linux/sched.h
const SCHED_FLAG = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
} as const;

const IOPRIO_CLASS = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const; // include/uapi/linux/ioprio.h
const IOPRIO_CLASS_SHIFT = 13;

/**
 * The settings of the process that execs the container's program; runc
 * applies them in init, before the user switch (real-time policies and
 * raising the I/O class need privileges the container's user may lack).
 */
export function addProcessKernelSettings(spec: Spec, facts: HostFacts, add: Add): void {
  const proc = spec.process!;
  const personality = spec.linux?.personality;
  if (personality) {
    add({ op: 'personality', persona: PERSONA[personality.domain] }, `set the personality ${personality.domain}`);
  }
  const policy = spec.linux?.memoryPolicy;
  if (policy) {
    const flags = (policy.flags ?? []).reduce((acc, f) => acc | MPOL_FLAG[f], 0);
    const nodes = policy.nodes ? listToMaskWords(policy.nodes) : [];
    add({ op: 'set_mempolicy', mode: MPOL_MODE[policy.mode] | flags, nodes }, `set the memory policy ${policy.mode}`);
  }
  const sched = proc.scheduler;
  if (sched) {
    add(
      {
        op: 'sched_setattr',
        policy: SCHED_POLICY[sched.policy],
        flags: (sched.flags ?? []).reduce((acc, f) => acc | SCHED_FLAG[f], 0),
        nice: sched.nice ?? 0,
        priority: sched.priority ?? 0,
        runtime: sched.runtime ?? 0,
        deadline: sched.deadline ?? 0,
        period: sched.period ?? 0,
      },
      `set the scheduler ${sched.policy}`,
    );
  }
  const io = proc.ioPriority;
  if (io) {
    add({ op: 'ioprio_set', ioprio: (IOPRIO_CLASS[io.class] << IOPRIO_CLASS_SHIFT) | (io.priority ?? 0) }, `set the I/O priority ${io.class}`);
  }
  addLsmLabels(spec, facts, add);
}

/**
 * process.apparmorProfile and process.selinuxLabel take effect at execve
 * through /proc/self/attr; a host without the LSM cannot honour them, and
 * running the container unconfined instead would be a silent downgrade.
 */
function addLsmLabels(spec: Spec, facts: HostFacts, add: Add): void {
  const proc = spec.process!;
  if (proc.apparmorProfile) {
    if (!facts.lsm?.apparmor) throw new KagoError('config.json: /process/apparmorProfile', 'AppArmor is not enabled on this host');
    add({ op: 'write_proc', path: '/proc/self/attr/apparmor/exec', data: `exec ${proc.apparmorProfile}` }, `set the AppArmor profile ${proc.apparmorProfile}`);
  }
  if (proc.selinuxLabel) {
    if (!facts.lsm?.selinux) throw new KagoError('config.json: /process/selinuxLabel', 'SELinux is not enabled on this host');
    add({ op: 'write_proc', path: '/proc/self/attr/exec', data: proc.selinuxLabel }, `set the SELinux label ${proc.selinuxLabel}`);
  }
}

/** linux.intelRdt needs the resctrl file system, and kago does not write to it yet. */
export function checkIntelRdt(spec: Spec, facts: HostFacts): void {
  if (!spec.linux?.intelRdt) return;
  if (!facts.resctrl)
    throw new KagoError('config.json: /linux/intelRdt', 'resctrl is not mounted on this host (no Intel RDT / AMD QoS support); remove intelRdt');
  throw new KagoError('config.json: /linux/intelRdt', 'kago does not support Intel RDT yet');
}

/**
 * process.execCPUAffinity (config.md): `initial` is the affinity of the
 * runtime's process before it joins the container's cgroup, `final` after;
 * an empty or missing `final` leaves what the kernel chose. The spec makes it
 * a setting of processes started by `exec`: "not applicable to the
 * container's init process". The exec plan calls this with its own stage.
 */
export function addExecAffinity(affinity: CpuAffinity | undefined, when: 'initial' | 'final', add: Add): void {
  const list = affinity?.[when];
  if (!list) return;
  add({ op: 'sched_setaffinity', cpus: listToMaskWords(list) }, `set the ${when} CPU affinity ${list}`);
}

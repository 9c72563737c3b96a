// Capability and rlimit names -> numbers (linux/capability.h, asm-generic/resource.h).
import { KagoError } from '../errors.ts';
import type { LinuxCapabilities } from '../../wasm/spec.gen.ts';

export const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

export const RLIMITS = [
  'RLIMIT_CPU',
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS',
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS',
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
] as const;

export interface CapabilityMasks {
  bounding: number;
  effective: number;
  permitted: number;
  inheritable: number;
  ambient: number;
}

/** A capability the process will not get although the config lists it, and why. */
export interface SkippedCapability {
  pointer: string;
  message: string;
  /**
   * runc warns about names this kernel lacks ("ignoring unknown or
   * unavailable capabilities"), and says nothing about the ambient
   * capabilities it fails to raise: kago tells the first as a warning and
   * the second at --debug, so `runc spec`'s config runs quietly.
   */
  level: 'warning' | 'debug';
}

const SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;

/**
 * Bit masks of the five sets. Capabilities this kernel does not know (above
 * lastCap) are left out, as runc does, so one config runs on older kernels.
 * An ambient capability is raised only when it is also permitted and
 * inheritable: prctl(PR_CAP_AMBIENT_RAISE) refuses anything else with
 * EPERM, and runc ignores that error, so `runc spec`'s default (ambient
 * without inheritable) runs. Names no kernel has are refused by the core.
 */
export function capabilityMasks(caps: LinuxCapabilities | undefined, lastCap: number): CapabilityMasks & { skipped: SkippedCapability[] } {
  const skipped: SkippedCapability[] = [];
  const bitsOf = (set: (typeof SETS)[number]): Set<number> => {
    const bits = new Set<number>();
    (caps?.[set] ?? []).forEach((name, i) => {
      const bit = (CAPABILITIES as readonly string[]).indexOf(name);
      const pointer = `/process/capabilities/${set}/${i}`;
      if (bit < 0) throw new KagoError(`config.json: ${pointer}`, `unknown capability ${JSON.stringify(name)}`);
      if (bit <= lastCap) bits.add(bit);
      else
        skipped.push({
          pointer,
          level: 'warning',
          message: `${name} is not known to this kernel (its last capability is ${CAPABILITIES[lastCap] ?? lastCap}): ignored, as runc does`,
        });
    });
    return bits;
  };
  const sets = Object.fromEntries(SETS.map((set) => [set, bitsOf(set)])) as Record<(typeof SETS)[number], Set<number>>;
  (caps?.ambient ?? []).forEach((name, i) => {
    const bit = (CAPABILITIES as readonly string[]).indexOf(name);
    if (!sets.ambient.has(bit)) return;
    const missing = (['permitted', 'inheritable'] as const).filter((set) => !sets[set].has(bit));
    if (missing.length === 0) return;
    sets.ambient.delete(bit);
    skipped.push({
      pointer: `/process/capabilities/ambient/${i}`,
      level: 'debug',
      message: `${name} is not also in ${missing.join(' and ')}: the kernel refuses to raise it, so it is skipped, as runc does`,
    });
  });
  // Masks reach bit 40: past 32-bit bitwise operators, still exact in a double.
  const mask = (set: (typeof SETS)[number]) => [...sets[set]].reduce((m, bit) => m + 2 ** bit, 0);
  return {
    bounding: mask('bounding'),
    effective: mask('effective'),
    permitted: mask('permitted'),
    inheritable: mask('inheritable'),
    ambient: mask('ambient'),
    skipped,
  };
}

export function rlimitNumber(name: string, pointer: string): number {
  const n = (RLIMITS as readonly string[]).indexOf(name);
  if (n < 0) throw new KagoError(`config.json: ${pointer}`, `unknown resource limit ${JSON.stringify(name)}`);
  return n;
}

/** JSON numbers at or past 2^63 (RLIM_INFINITY is 2^64-1) mean "unlimited": -1 in the plan. */
export function rlimitValue(v: number): number {
  return v >= 2 ** 63 ? -1 : v;
}

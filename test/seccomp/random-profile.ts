// Reproducible random OCI seccomp profiles for the differential test: many
// argument conditions (every operator, values near 32-bit boundaries,
// sign-extended negatives, masks), repeated argument indexes, several rules
// per syscall, mixed actions.
import { type Prng, prng } from '../helpers/prng.ts';

export interface RandomProfileOptions {
  seed: number;
  arches: readonly string[];
  entries: number;
  /** Allow conditional rules of one syscall to disagree on the action. */
  conflicting: boolean;
}

// Socket and SysV IPC calls are left out: on ABIs that multiplex them
// (socketcall, ipc) libseccomp adds a rule on the multiplexer too, which
// kago does not do yet.
const NAMES = [
  'read',
  'write',
  'open',
  'openat',
  'close',
  'mmap',
  'mprotect',
  'ioctl',
  'fcntl',
  'futex',
  'kill',
  'tgkill',
  'personality',
  'clone',
  'clone3',
  'prctl',
  'madvise',
  'unshare',
  'setns',
  'mount',
  'keyctl',
  'bpf',
  'perf_event_open',
  'ptrace',
  'arch_prctl',
  'chown',
  'chown32',
  'fstat64',
  'mmap2',
  'ugetrlimit',
  'cacheflush',
  'riscv_flush_icache',
  'spu_run',
  'no_such_syscall',
];

const OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'] as const;

const VALUES: readonly bigint[] = [
  0n,
  1n,
  2n,
  7n,
  8n,
  38n,
  0x7fffffffn,
  0x80000000n,
  0xfffffffen,
  0xffffffffn,
  0x100000000n,
  0x100000001n,
  0xffffffff00000000n,
  0xfffffffffffffffen,
  0xffffffffffffffffn,
  0x8000000000000000n,
  0x20000n,
  0x7e020000n,
];

function pick<T>(r: Prng, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function randomValue(r: Prng): bigint {
  const v = pick(r, VALUES);
  const x = r();
  if (x < 0.1) return (v + 1n) & 0xffffffffffffffffn;
  if (x < 0.2) return (v - 1n) & 0xffffffffffffffffn;
  if (x < 0.3) return (BigInt(Math.floor(r() * 4294967296)) << 32n) | BigInt(Math.floor(r() * 4294967296));
  return v;
}

function randomAction(r: Prng): Record<string, unknown> {
  const x = Math.floor(r() * 8);
  switch (x) {
    case 0:
      return { action: 'SCMP_ACT_ERRNO', errnoRet: 1 + Math.floor(r() * 100) };
    case 1:
      return { action: 'SCMP_ACT_ERRNO' };
    case 2:
      return { action: 'SCMP_ACT_KILL' };
    case 3:
      return { action: 'SCMP_ACT_KILL_PROCESS' };
    case 4:
      return { action: 'SCMP_ACT_TRAP' };
    case 5:
      return { action: 'SCMP_ACT_LOG' };
    case 6:
      return { action: 'SCMP_ACT_TRACE', errnoRet: Math.floor(r() * 65536) };
    default:
      return { action: 'SCMP_ACT_ALLOW' };
  }
}

/** JSON text: u64 values are written as exact integer literals. */
export function randomProfile(o: RandomProfileOptions): string {
  const r = prng(o.seed);
  const def = randomAction(r);
  const entries: string[] = [];
  const actionOf = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < o.entries; i++) {
    const names = new Set<string>();
    const n = 1 + Math.floor(r() * 3);
    while (names.size < n) names.add(pick(r, NAMES));
    let act = randomAction(r);
    if (!o.conflicting) {
      // One action per syscall, so that rule order cannot matter.
      const first = [...names].find((x) => actionOf.has(x));
      if (first !== undefined) act = actionOf.get(first) as Record<string, unknown>;
      for (const x of names) if (!actionOf.has(x)) actionOf.set(x, act);
      if ([...names].some((x) => actionOf.get(x) !== act)) names.clear();
      if (names.size === 0) continue;
    }
    const nconds = r() < 0.15 ? 0 : 1 + Math.floor(r() * 3);
    const args: string[] = [];
    for (let c = 0; c < nconds; c++) {
      const op = pick(r, OPS);
      const index = r() < 0.3 && c > 0 ? 0 : Math.floor(r() * 6);
      const value = randomValue(r);
      const two = op === 'SCMP_CMP_MASKED_EQ' ? `,"valueTwo":${randomValue(r) & value}` : '';
      args.push(`{"index":${index},"value":${value}${two},"op":"${op}"}`);
    }
    const extra = Object.entries(act)
      .map(([k, v]) => `"${k}":${JSON.stringify(v)}`)
      .join(',');
    entries.push(`{"names":${JSON.stringify([...names])},${extra}` + (args.length > 0 ? `,"args":[${args.join(',')}]` : '') + '}');
  }
  const defText = Object.entries(def)
    .map(([k, v]) => `"${k === 'errnoRet' ? 'defaultErrnoRet' : 'defaultAction'}":${JSON.stringify(v)}`)
    .join(',');
  return `{${defText},"architectures":${JSON.stringify(o.arches)},"syscalls":[${entries.join(',')}]}`;
}

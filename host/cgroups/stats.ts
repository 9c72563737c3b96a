// The container's resource usage in runc's `events --stats` shape
// (libcontainer/cgroups/stats.go and types/events.go), read from the
// container's cgroup files on v1 and v2.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hierarchy } from './layout.ts';

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface Stats {
  cpu: {
    usage: { total: number; percpu?: number[]; kernel: number; user: number };
    throttling: { periods: number; throttled_periods: number; throttled_time: number };
  };
  memory: {
    cache: number;
    usage: { limit: number; usage: number; max: number; failcnt: number };
    swap: { limit: number; usage: number; max: number; failcnt: number };
    raw: Record<string, number>;
  };
  pids: { current: number; limit: number };
  blkio: { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] };
  hugetlb: Record<string, { usage: number; max: number; failcnt: number }>;
}

const CLK_TCK = 100;

function read(dir: string | undefined, file: string): string | null {
  if (!dir) return null;
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch {
    return null;
  }
}

/** A number file; "max" (v2) and v1's "unlimited" huge value read as 0, as runc reports no limit. */
function num(dir: string | undefined, file: string): number {
  const t = read(dir, file);
  if (t === null || t === 'max') return 0;
  const n = Number(t);
  return Number.isFinite(n) && n < 2 ** 62 ? n : 0;
}

/** "key value" lines (cpu.stat, memory.stat, memory.events). */
function keyed(dir: string | undefined, file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (read(dir, file) ?? '').split('\n')) {
    const [k, v] = line.split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

export interface StatsTarget {
  hierarchies: readonly Hierarchy[];
  dirs: readonly string[];
}

function dirOf(t: StatsTarget, controller: string, version: 1 | 2): string | undefined {
  const i = t.hierarchies.findIndex((h) => h.version === version && (version === 2 || h.controllers.includes(controller)));
  return i >= 0 ? t.dirs[i] : undefined;
}

function v2Has(t: StatsTarget, controller: string): string | undefined {
  const dir = dirOf(t, controller, 2);
  return dir && (read(dir, 'cgroup.controllers') ?? '').split(' ').includes(controller) ? dir : undefined;
}

function blkioV1(text: string | null): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line);
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

function ioStatV2(text: string | null): Stats['blkio'] {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...pairs] = line.split(' ');
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]));
    const major = Number(m[1]);
    const minor = Number(m[2]);
    bytes.push({ major, minor, op: 'Read', value: Number(kv.rbytes ?? 0) }, { major, minor, op: 'Write', value: Number(kv.wbytes ?? 0) });
    ios.push({ major, minor, op: 'Read', value: Number(kv.rios ?? 0) }, { major, minor, op: 'Write', value: Number(kv.wios ?? 0) });
  }
  return { ioServiceBytesRecursive: bytes, ioServicedRecursive: ios };
}

function hugetlbSizes(dir: string | undefined, suffix: string): string[] {
  if (!dir) return [];
  try {
    return readdirSync(dir).flatMap((f) => {
      const m = new RegExp(`^hugetlb\\.([0-9]+[KMG]B)\\.${suffix.replace('.', '\\.')}$`).exec(f);
      return m ? [m[1]!] : [];
    });
  } catch {
    return [];
  }
}

export function collectStats(t: StatsTarget): Stats {
  const s: Stats = {
    cpu: { usage: { total: 0, kernel: 0, user: 0 }, throttling: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
    memory: { cache: 0, usage: { limit: 0, usage: 0, max: 0, failcnt: 0 }, swap: { limit: 0, usage: 0, max: 0, failcnt: 0 }, raw: {} },
    pids: { current: 0, limit: 0 },
    blkio: { ioServiceBytesRecursive: [], ioServicedRecursive: [] },
    hugetlb: {},
  };
  // cpu
  const cpuacct = dirOf(t, 'cpuacct', 1);
  const cpu1 = dirOf(t, 'cpu', 1);
  if (cpuacct || cpu1) {
    s.cpu.usage.total = num(cpuacct, 'cpuacct.usage');
    const percpu = read(cpuacct, 'cpuacct.usage_percpu');
    if (percpu) s.cpu.usage.percpu = percpu.split(/\s+/).map(Number);
    // cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds.
    const st = keyed(cpuacct, 'cpuacct.stat');
    s.cpu.usage.user = ((st.user ?? 0) * 1e9) / CLK_TCK;
    s.cpu.usage.kernel = ((st.system ?? 0) * 1e9) / CLK_TCK;
    const cs = keyed(cpu1, 'cpu.stat');
    s.cpu.throttling = { periods: cs.nr_periods ?? 0, throttled_periods: cs.nr_throttled ?? 0, throttled_time: cs.throttled_time ?? 0 };
  } else {
    const cs = keyed(dirOf(t, 'cpu', 2), 'cpu.stat');
    s.cpu.usage = { total: (cs.usage_usec ?? 0) * 1000, user: (cs.user_usec ?? 0) * 1000, kernel: (cs.system_usec ?? 0) * 1000 };
    s.cpu.throttling = { periods: cs.nr_periods ?? 0, throttled_periods: cs.nr_throttled ?? 0, throttled_time: (cs.throttled_usec ?? 0) * 1000 };
  }
  // memory
  const mem1 = dirOf(t, 'memory', 1);
  const mem2 = v2Has(t, 'memory');
  if (mem1) {
    s.memory.raw = keyed(mem1, 'memory.stat');
    s.memory.cache = s.memory.raw.cache ?? 0;
    s.memory.usage = {
      limit: num(mem1, 'memory.limit_in_bytes'),
      usage: num(mem1, 'memory.usage_in_bytes'),
      max: num(mem1, 'memory.max_usage_in_bytes'),
      failcnt: num(mem1, 'memory.failcnt'),
    };
    s.memory.swap = {
      limit: num(mem1, 'memory.memsw.limit_in_bytes'),
      usage: num(mem1, 'memory.memsw.usage_in_bytes'),
      max: num(mem1, 'memory.memsw.max_usage_in_bytes'),
      failcnt: num(mem1, 'memory.memsw.failcnt'),
    };
  } else if (mem2) {
    s.memory.raw = keyed(mem2, 'memory.stat');
    s.memory.cache = s.memory.raw.file ?? 0;
    s.memory.usage = {
      limit: num(mem2, 'memory.max'),
      usage: num(mem2, 'memory.current'),
      max: num(mem2, 'memory.peak'),
      failcnt: keyed(mem2, 'memory.events').max ?? 0,
    };
    s.memory.swap = {
      limit: num(mem2, 'memory.swap.max'),
      usage: num(mem2, 'memory.swap.current'),
      max: num(mem2, 'memory.swap.peak'),
      failcnt: keyed(mem2, 'memory.swap.events').max ?? 0,
    };
  }
  // pids
  const pids = dirOf(t, 'pids', 1) ?? v2Has(t, 'pids');
  s.pids = { current: num(pids, 'pids.current'), limit: num(pids, 'pids.max') };
  // blkio
  const blkio = dirOf(t, 'blkio', 1);
  if (blkio) {
    s.blkio.ioServiceBytesRecursive = blkioV1(read(blkio, 'blkio.throttle.io_service_bytes_recursive'));
    s.blkio.ioServicedRecursive = blkioV1(read(blkio, 'blkio.throttle.io_serviced_recursive'));
  } else {
    const io = v2Has(t, 'io');
    if (io) s.blkio = ioStatV2(read(io, 'io.stat'));
  }
  // hugetlb
  const huge1 = dirOf(t, 'hugetlb', 1);
  const huge2 = v2Has(t, 'hugetlb');
  for (const size of hugetlbSizes(huge1, 'usage_in_bytes')) {
    s.hugetlb[size] = {
      usage: num(huge1, `hugetlb.${size}.usage_in_bytes`),
      max: num(huge1, `hugetlb.${size}.max_usage_in_bytes`),
      failcnt: num(huge1, `hugetlb.${size}.failcnt`),
    };
  }
  if (!huge1) {
    for (const size of hugetlbSizes(huge2, 'current')) {
      s.hugetlb[size] = { usage: num(huge2, `hugetlb.${size}.current`), max: 0, failcnt: keyed(huge2, `hugetlb.${size}.events`).max ?? 0 };
    }
  }
  return s;
}

// linux.resources as systemd unit properties, the conversions runc's
// systemd managers make (libcontainer/cgroups/systemd v1.go, v2.go), so that
// systemd, which owns the unit's cgroup, keeps the same limits kago writes to
// its files, and `systemctl show` tells the truth.
import { readFileSync } from 'node:fs';
import type { CgroupWrite } from '../../../wasm/cgroups.ts';
import { KagoError } from '../../errors.ts';
import type { LinuxResources } from '../../../wasm/spec.gen.ts';
import type { DBusValue, Variant } from '../../sys/dbus-wire.ts';

export type Property = [string, Variant];

const U64_MAX = (1n << 64n) - 1n;
/** systemd's CPU quota granularity: CPUQuota= is kept in 10 ms per second (runc rounds up the same way). */
const QUOTA_STEP_USEC = 10_000n;
const DEFAULT_PERIOD_USEC = 100_000n;

function u64(n: number | bigint): Variant {
  const v = BigInt(n);
  return { sig: 't', value: v < 0n ? U64_MAX : v };
}

/** "0-2,7" -> the byte array systemd takes for AllowedCPUs= (bit k of byte j is cpu 8j+k). */
export function rangeToBitmask(list: string): number[] {
  const bytes: number[] = [];
  for (const part of list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new KagoError('config.json: /linux/resources/cpu', `${JSON.stringify(list)} is not a list of cpus or memory nodes`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let k = from; k <= to; k++) {
      while (bytes.length <= k >> 3) bytes.push(0);
      bytes[k >> 3]! |= 1 << (k & 7);
    }
  }
  return bytes;
}

/** The name /proc/devices gives a character or block major ("136" -> "pts"): systemd's DeviceAllow=char-NAME. */
function majorName(type: 'c' | 'b', major: string, procDevices: string): string | undefined {
  let section = '';
  for (const line of procDevices.split('\n')) {
    if (line.startsWith('Character')) section = 'c';
    else if (line.startsWith('Block')) section = 'b';
    const m = /^\s*(\d+)\s+(\S+)$/.exec(line);
    if (m && section === type && m[1] === major) return m[2];
  }
  return undefined;
}

/**
 * DevicePolicy= and DeviceAllow= from the core's v1 device rules (the same
 * list kago writes to devices.allow/deny): systemd only knows an allow list,
 * so a container that allows everything gets policy "auto" and the rest
 * "strict" with its allowed devices; a deny after an allow of the same
 * device removes it, as runc's rule emulator does.
 */
export function deviceProperties(writes: readonly CgroupWrite[], procDevices: string): Property[] {
  let allowAll = false;
  let allowed: [string, string][] = [];
  for (const w of writes) {
    if (w.file !== 'devices.allow' && w.file !== 'devices.deny') continue;
    const allow = w.file === 'devices.allow';
    if (w.value === 'a') {
      allowAll = allow;
      allowed = [];
      continue;
    }
    const m = /^([cb]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(w.value);
    if (!m) continue;
    const [, type, major, minor, access] = m as unknown as [string, 'c' | 'b', string, string, string];
    const kind = type === 'c' ? 'char' : 'block';
    let name: string | undefined;
    if (major === '*') name = `${kind}-*`;
    else if (minor === '*') {
      const n = majorName(type, major, procDevices);
      name = n ? `${kind}-${n}` : undefined;
    } else name = `/dev/${kind}/${major}:${minor}`;
    if (!name) continue;
    if (allow) allowed.push([name, access]);
    else allowed = allowed.filter(([n]) => n !== name);
  }
  if (allowAll && allowed.length === 0)
    return [
      ['DevicePolicy', { sig: 's', value: 'auto' }],
      ['DeviceAllow', { sig: 'a(ss)', value: [] }],
    ];
  return [
    ['DevicePolicy', { sig: 's', value: 'strict' }],
    // An empty list first resets what an earlier call set (systemd appends otherwise).
    ['DeviceAllow', { sig: 'a(ss)', value: [] }],
    ['DeviceAllow', { sig: 'a(ss)', value: allowed }],
  ];
}

/** cpu.quota/period as CPUQuotaPeriodUSec= and CPUQuotaPerSecUSec= (runc's addCpuQuota). */
function quotaProperties(quota: number | undefined, period: number | undefined): Property[] {
  const props: Property[] = [];
  if (period) props.push(['CPUQuotaPeriodUSec', u64(period)]);
  if (!quota && !period) return props;
  let perSec = U64_MAX;
  if (quota !== undefined && quota > 0) {
    const p = period ? BigInt(period) : DEFAULT_PERIOD_USEC;
    perSec = (BigInt(quota) * 1_000_000n) / p;
    if (perSec % QUOTA_STEP_USEC !== 0n) perSec = (perSec / QUOTA_STEP_USEC + 1n) * QUOTA_STEP_USEC;
  }
  props.push(['CPUQuotaPerSecUSec', u64(perSec)]);
  return props;
}

function cpusetProperties(r: LinuxResources): Property[] {
  const props: Property[] = [];
  if (r.cpu?.cpus) props.push(['AllowedCPUs', { sig: 'ay', value: rangeToBitmask(r.cpu.cpus) }]);
  if (r.cpu?.mems) props.push(['AllowedMemoryNodes', { sig: 'ay', value: rangeToBitmask(r.cpu.mems) }]);
  return props;
}

function pidsProperty(r: LinuxResources): Property[] {
  const limit = r.pids?.limit;
  return limit !== undefined && (limit > 0 || limit === -1) ? [['TasksMax', u64(limit)]] : [];
}

/** cpu.shares (2..262144) as cpu.weight (1..10000), the conversion runc and crun use. */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/**
 * The unit properties for resources on this host. deviceWrites: the core's
 * v1 device rules for them (absent on update: devices stay as created).
 */
export function resourceProperties(r: LinuxResources, unified: boolean, deviceWrites?: readonly CgroupWrite[]): Property[] {
  const props: Property[] = deviceWrites ? deviceProperties(deviceWrites, readProcDevices()) : [];
  const mem = r.memory;
  if (unified) {
    if (mem?.limit) props.push(['MemoryMax', u64(mem.limit)]);
    if (mem?.reservation) props.push(['MemoryLow', u64(mem.reservation)]);
    // v2's swap.max counts swap alone; the spec's swap counts memory and swap.
    if (mem?.swap !== undefined && mem.swap !== 0) {
      const swap = mem.swap === -1 ? -1 : mem.limit && mem.limit > 0 ? mem.swap - mem.limit : undefined;
      if (swap !== undefined && swap >= -1) props.push(['MemorySwapMax', u64(swap)]);
    }
    if (r.cpu?.shares) props.push(['CPUWeight', u64(sharesToWeight(r.cpu.shares))]);
  } else {
    if (mem?.limit) props.push(['MemoryLimit', u64(mem.limit)]);
    if (r.cpu?.shares) props.push(['CPUShares', u64(r.cpu.shares)]);
    if (r.blockIO?.weight) props.push(['BlockIOWeight', u64(r.blockIO.weight)]);
  }
  props.push(...quotaProperties(r.cpu?.quota, r.cpu?.period), ...pidsProperty(r), ...cpusetProperties(r));
  return props;
}

function readProcDevices(): string {
  try {
    return readFileSync('/proc/devices', 'utf8');
  } catch {
    return '';
  }
}

const ANNOTATION = 'org.systemd.property.';

/**
 * A value in GVariant text form, the subset runc's users write:
 * an optional type keyword, then a number, a boolean or a quoted string.
 */
export function parseGVariant(text: string): Variant | undefined {
  const m = /^\s*(?:(uint64|int64|uint32|int32|uint16|int16|byte|boolean|double|string)\s+)?(.*?)\s*$/.exec(text);
  if (!m) return undefined;
  const [, type, literal = ''] = m;
  const quoted = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/.exec(literal);
  if (quoted) {
    if (type && type !== 'string') return undefined;
    return { sig: 's', value: (quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1') };
  }
  if (literal === 'true' || literal === 'false') {
    if (type && type !== 'boolean') return undefined;
    return { sig: 'b', value: literal === 'true' };
  }
  if (/^-?\d+$/.test(literal)) {
    const n = BigInt(literal);
    const sig = ({ uint64: 't', int64: 'x', uint32: 'u', int32: 'i', uint16: 'q', int16: 'n', byte: 'y' } as Record<string, string>)[type ?? 'int32'];
    if (!sig) return type === 'double' ? { sig: 'd', value: Number(literal) } : undefined;
    const bits = { t: 64, x: 64, u: 32, i: 32, q: 16, n: 16, y: 8 }[sig as 't']!;
    const signed = sig === 'x' || sig === 'i' || sig === 'n';
    const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    if (n < lo || n > hi) return undefined;
    const value: DBusValue = bits === 64 ? n : Number(n);
    return { sig, value };
  }
  if (/^-?\d*\.\d+$/.test(literal) && (!type || type === 'double')) return { sig: 'd', value: Number(literal) };
  return undefined;
}

/** org.systemd.property.NAME annotations as unit properties, as runc passes them on. */
export function annotationProperties(annotations: Record<string, string> | undefined): Property[] {
  const props: Property[] = [];
  for (const [key, text] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(ANNOTATION)) continue;
    const name = key.slice(ANNOTATION.length);
    const where = `config.json: /annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new KagoError(where, `${JSON.stringify(name)} is not a systemd property name`);
    const value = parseGVariant(text);
    if (!value) throw new KagoError(where, `${JSON.stringify(text)} is not a value kago can read (GVariant text: "uint64 123", "'text'", "true")`);
    props.push([name, value]);
  }
  return props;
}

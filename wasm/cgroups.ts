// The typed face of the core's cgroup computations: linux.resources -> the
// file writes for this host, and the device rules -> a cgroup v2 eBPF
// device program. `bindCgroups` takes the raw exports of the wasm module.
import { CoreResultError } from './core-error.ts';

export interface CgroupProblem {
  pointer: string;
  message: string;
  severity: 'error' | 'warning';
  line?: number;
  column?: number;
}

/** What the core needs to know about the host's cgroups. */
export interface CgroupHost {
  /** controllers bound to v1 hierarchies ("name=systemd" included or not) */
  v1: string[];
  /** controllers of the cgroup2 hierarchy; null when there is no cgroup2 mount */
  v2: string[] | null;
  /** "2MB", "1GB": as in /sys/kernel/mm/hugepages and the hugetlb files */
  hugepageSizes: string[];
  swapAccounting: boolean;
  /** the BFQ weight files (blkio.bfq.weight, io.bfq.weight) exist */
  bfq: boolean;
  /** v1 memory.kmem.tcp.limit_in_bytes exists (linux.resources.memory.kernelTCP) */
  kmemTcp?: boolean;
  /** update: leave the device rules as they are */
  skipDevices?: boolean;
}

export interface CgroupWrite {
  version: 1 | 2;
  controller: string;
  /** a file name in the container's directory of that controller's hierarchy */
  file: string;
  value: string;
  /** JSON pointer of the setting the write comes from */
  pointer: string;
}

export interface CgroupWrites {
  writes: CgroupWrite[];
  /** how devices are enforced: v1 writes (in `writes`), a v2 eBPF program, or not at all */
  devices: 'v1' | 'bpf' | 'none';
  checkBeforeUpdate: boolean;
  problems: CgroupProblem[];
}

export interface CgroupsApi {
  cgroupWrites(resources: unknown, host: CgroupHost): CgroupWrites;
  /** struct bpf_insn[] for BPF_PROG_TYPE_CGROUP_DEVICE; throws on invalid rules */
  deviceProgram(rules: unknown): ArrayBuffer;
}

type WritesFn = (resources: string, host: string) => unknown;
type ProgramFn = (rules: string | null) => unknown;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toWrite(v: unknown): CgroupWrite {
  if (
    !isRecord(v) ||
    (v.version !== 1 && v.version !== 2) ||
    typeof v.controller !== 'string' ||
    typeof v.file !== 'string' ||
    typeof v.value !== 'string' ||
    typeof v.pointer !== 'string'
  ) {
    throw new CoreResultError('core returned a malformed cgroup write');
  }
  return { version: v.version, controller: v.controller, file: v.file, value: v.value, pointer: v.pointer };
}

function toProblem(v: unknown): CgroupProblem {
  if (!isRecord(v) || typeof v.pointer !== 'string' || typeof v.message !== 'string' || (v.severity !== 'error' && v.severity !== 'warning')) {
    throw new CoreResultError('core returned a malformed problem');
  }
  const p: CgroupProblem = { pointer: v.pointer, message: v.message, severity: v.severity };
  if (typeof v.line === 'number') p.line = v.line;
  if (typeof v.column === 'number') p.column = v.column;
  return p;
}

function toWrites(text: unknown): CgroupWrites {
  if (typeof text !== 'string') throw new CoreResultError('core returned no cgroup writes');
  const v: unknown = JSON.parse(text);
  if (
    !isRecord(v) ||
    !Array.isArray(v.writes) ||
    !Array.isArray(v.problems) ||
    (v.devices !== 'v1' && v.devices !== 'bpf' && v.devices !== 'none') ||
    typeof v.checkBeforeUpdate !== 'boolean'
  ) {
    throw new CoreResultError('core returned malformed cgroup writes');
  }
  return { writes: v.writes.map(toWrite), devices: v.devices, checkBeforeUpdate: v.checkBeforeUpdate, problems: v.problems.map(toProblem) };
}

function jsonOrNull(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

export function bindCgroups(raw: Record<string, unknown>): CgroupsApi {
  const writesRaw = raw.cgroupWrites;
  const programRaw = raw.deviceProgram;
  if (typeof writesRaw !== 'function' || typeof programRaw !== 'function') {
    throw new CoreResultError('the wasm module does not export cgroupWrites/deviceProgram');
  }
  const writesFn = writesRaw as WritesFn;
  const programFn = programRaw as ProgramFn;
  return {
    cgroupWrites(resources, host) {
      return toWrites(writesFn(JSON.stringify(resources ?? {}), JSON.stringify(host)));
    },
    deviceProgram(rules) {
      const out = programFn(jsonOrNull(rules));
      if (!(out instanceof ArrayBuffer)) throw new CoreResultError('core returned no device program');
      return out;
    },
  };
}

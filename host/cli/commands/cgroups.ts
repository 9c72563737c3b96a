// update, pause, resume, ps, events: the commands that act on a running
// container's cgroups, with runc's flags and output.
import { readFileSync } from 'node:fs';
import { streamEvents, statsEvent } from '../../lifecycle/events.ts';
import { parseDuration } from '../duration.ts';
import { pauseContainer, resumeContainer } from '../../lifecycle/pause.ts';
import { containerPids } from '../../lifecycle/ps.ts';
import { psTable } from '../ps-format.ts';
import { updateContainer } from '../../lifecycle/update.ts';
import { UsageError } from '../../errors.ts';
import type { LinuxResources } from '../../../wasm/spec.gen.ts';
import { bool, type FlagSpec, type FlagValues, str } from '../args.ts';
import { type Command, requireArgs } from '../command.ts';
import { writeOut } from '../../output.ts';

/** Docker's RAMInBytes (what runc update uses): 1024-based b, k, m, g, t, p, with an optional "b"/"ib". */
export function parseBytes(text: string, flag: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid value ${JSON.stringify(text)} for flag --${flag}: must be a size like 512m or -1`);
  const power = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** power);
}

function int(flags: FlagValues, name: string): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`invalid value ${JSON.stringify(v)} for flag --${name}: must be an integer`);
  return Number(v);
}

function bytes(flags: FlagValues, name: string): number | undefined {
  const v = str(flags, name);
  return v === undefined ? undefined : parseBytes(v, name);
}

const updateFlags: FlagSpec[] = [
  { names: ['resources', 'r'], type: 'string', arg: 'FILE', help: 'linux.resources as JSON from FILE ("-" for stdin); the other flags are then ignored' },
  { names: ['blkio-weight'], type: 'string', arg: 'N', help: 'block IO weight, 10 to 1000' },
  { names: ['cpu-period'], type: 'string', arg: 'US', help: 'CPU CFS period' },
  { names: ['cpu-quota'], type: 'string', arg: 'US', help: 'CPU CFS quota (-1: none)' },
  { names: ['cpu-burst'], type: 'string', arg: 'US', help: 'CPU CFS burst' },
  { names: ['cpu-shares', 'cpu-share'], type: 'string', arg: 'N', help: 'CPU shares (relative weight)' },
  { names: ['cpu-rt-period'], type: 'string', arg: 'US', help: 'CPU real-time period' },
  { names: ['cpu-rt-runtime'], type: 'string', arg: 'US', help: 'CPU real-time runtime' },
  { names: ['cpu-idle'], type: 'string', arg: '0|1', help: 'SCHED_IDLE for the cgroup' },
  { names: ['cpuset-cpus'], type: 'string', arg: 'LIST', help: 'CPUs to use (0-3, 0,1)' },
  { names: ['cpuset-mems'], type: 'string', arg: 'LIST', help: 'memory nodes to use' },
  { names: ['memory'], type: 'string', arg: 'BYTES', help: 'memory limit (512m, 1g, -1)' },
  { names: ['memory-reservation'], type: 'string', arg: 'BYTES', help: 'memory soft limit' },
  { names: ['memory-swap'], type: 'string', arg: 'BYTES', help: 'memory plus swap limit (-1: unlimited)' },
  { names: ['kernel-memory'], type: 'string', arg: 'BYTES', help: 'deprecated, ignored' },
  { names: ['kernel-memory-tcp'], type: 'string', arg: 'BYTES', help: 'kernel TCP buffer limit (cgroup v1 only)' },
  { names: ['pids-limit'], type: 'string', arg: 'N', help: 'maximum number of processes (-1: none)' },
];

export function resourcesFromFlags(flags: FlagValues): LinuxResources {
  const r: LinuxResources = {};
  const memory = {
    limit: bytes(flags, 'memory'),
    reservation: bytes(flags, 'memory-reservation'),
    swap: bytes(flags, 'memory-swap'),
    kernel: bytes(flags, 'kernel-memory'),
    kernelTCP: bytes(flags, 'kernel-memory-tcp'),
  };
  const cpu = {
    shares: int(flags, 'cpu-shares'),
    quota: int(flags, 'cpu-quota'),
    period: int(flags, 'cpu-period'),
    burst: int(flags, 'cpu-burst'),
    realtimeRuntime: int(flags, 'cpu-rt-runtime'),
    realtimePeriod: int(flags, 'cpu-rt-period'),
    idle: int(flags, 'cpu-idle'),
    cpus: str(flags, 'cpuset-cpus'),
    mems: str(flags, 'cpuset-mems'),
  };
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  if (Object.keys(defined(memory)).length) r.memory = defined(memory);
  if (Object.keys(defined(cpu)).length) r.cpu = defined(cpu);
  const pids = int(flags, 'pids-limit');
  if (pids !== undefined) r.pids = { limit: pids };
  const weight = int(flags, 'blkio-weight');
  if (weight !== undefined) r.blockIO = { weight };
  return r;
}

export const update: Command = {
  name: 'update',
  usage: 'update [command options] <container-id>',
  summary: 'update the resource limits of a container',
  flags: updateFlags,
  interspersed: true,
  run(ctx, args) {
    const [id] = requireArgs(args, 1, 1, 'container id');
    const file = str(args.flags, 'resources');
    let resources: LinuxResources;
    if (file !== undefined) {
      const text = readFileSync(file === '-' ? 0 : file, 'utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new UsageError(`--resources: ${file}: ${(e as Error).message}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--resources: ${file}: must be a JSON object`);
      // The core checks every field it uses, with its JSON pointer.
      resources = parsed as LinuxResources;
    } else {
      resources = resourcesFromFlags(args.flags);
    }
    updateContainer(ctx.store, id!, resources);
    return 0;
  },
};

export const pause: Command = {
  name: 'pause',
  usage: 'pause <container-id>',
  summary: 'freeze every process of the container',
  flags: [],
  interspersed: true,
  run(ctx, args) {
    for (const id of requireArgs(args, 1, Infinity, 'container ids')) pauseContainer(ctx.store, id);
    return 0;
  },
};

export const resume: Command = {
  name: 'resume',
  usage: 'resume <container-id>',
  summary: 'thaw a paused container',
  flags: [],
  interspersed: true,
  run(ctx, args) {
    for (const id of requireArgs(args, 1, Infinity, 'container ids')) resumeContainer(ctx.store, id);
    return 0;
  },
};

export const ps: Command = {
  name: 'ps',
  usage: 'ps [command options] <container-id> [ps options]',
  summary: 'list the processes of a container',
  flags: [{ names: ['format', 'f'], type: 'string', arg: 'table|json', help: 'output format (default: table)' }],
  run(ctx, args) {
    const [id, ...psArgs] = requireArgs(args, 1, Infinity, 'container id and ps options');
    const format = str(args.flags, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`invalid format option ${JSON.stringify(format)}`);
    const pids = containerPids(ctx.store, id!);
    if (format === 'json') {
      // runc: a JSON list of pids, and ps options are an error.
      if (psArgs.length) throw new UsageError('ps options cannot be used with --format json');
      writeOut(`${JSON.stringify(pids)}\n`);
      return 0;
    }
    writeOut(psTable(pids, psArgs));
    return 0;
  },
};

export const events: Command = {
  name: 'events',
  usage: 'events [command options] <container-id>',
  summary: 'print container events: stats every interval and OOM kills',
  flags: [
    { names: ['interval'], type: 'string', arg: 'DURATION', help: 'time between stats events (default: 5s)' },
    { names: ['stats'], type: 'bool', help: 'print one stats event and exit' },
  ],
  interspersed: true,
  async run(ctx, args) {
    const [id] = requireArgs(args, 1, 1, 'container id');
    const write = (e: unknown) => writeOut(`${JSON.stringify(e)}\n`);
    if (bool(args.flags, 'stats')) {
      write(statsEvent(ctx.store, id!));
      return 0;
    }
    const interval = parseDuration(str(args.flags, 'interval') ?? '5s');
    if (interval <= 0) throw new UsageError('--interval must be greater than 0');
    await streamEvents(ctx.store, id!, interval, write);
    return 0;
  },
};

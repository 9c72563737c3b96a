// Applying the core's computed writes to a container's cgroup directories.
// Each write goes to the directory of the hierarchy that holds its
// controller; errors name the file, the value and the errno.
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CgroupHost, CgroupWrite, CgroupWrites } from '../../wasm/cgroups.ts';
import { getCore } from '../core.ts';
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import type { LinuxResources } from '../../wasm/spec.gen.ts';
import { attachDeviceProgram } from './bpf.ts';
import { describeHost } from './hostinfo.ts';
import { isRootless } from './rootless.ts';
import type { Hierarchy } from './layout.ts';

/** The container's directories, in the order of the hierarchies they are in. */
export interface CgroupTarget {
  hierarchies: readonly Hierarchy[];
  dirs: readonly string[];
}

/** The hierarchies of directories recorded in a container's state. */
export function targetFromDirs(dirs: readonly string[], all: readonly Hierarchy[]): CgroupTarget {
  const pairs = dirs.flatMap((dir) => {
    const h = all.find((x) => dir === x.mountPoint || dir.startsWith(`${x.mountPoint}/`));
    return h ? [{ h, dir }] : [];
  });
  return { hierarchies: pairs.map((p) => p.h), dirs: pairs.map((p) => p.dir) };
}

export function dirForWrite(w: Pick<CgroupWrite, 'version' | 'controller'>, t: CgroupTarget): string | undefined {
  const i = t.hierarchies.findIndex((h) => h.version === w.version && (h.version === 2 || h.controllers.includes(w.controller)));
  return i >= 0 ? t.dirs[i] : undefined;
}

/** One write(2) of value: cgroup files act on each write, not on the file's final content. */
export function writeCgroupFile(path: string, value: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY);
  } catch (e) {
    throw new KagoError(`cgroup ${path}`, `write ${JSON.stringify(value)}: open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    writeSync(fd, value);
  } catch (e) {
    throw new KagoError(`cgroup ${path}`, `write ${JSON.stringify(value)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  } finally {
    closeSync(fd);
  }
}

function errnoOf(e: unknown): string | undefined {
  return e instanceof KagoError ? /: (E[A-Z]+)$/.exec(e.reason)?.[1] : undefined;
}

/**
 * A v2 controller works in a cgroup only when every ancestor enables it in
 * cgroup.subtree_control (cgroup-v2.rst "Enabling and Disabling").
 */
export function enableV2Controllers(controllers: readonly string[], leaf: string, mountPoint: string): void {
  const ancestors: string[] = [];
  for (let d = dirname(leaf); d.length >= mountPoint.length && d.startsWith(mountPoint); d = dirname(d)) {
    ancestors.unshift(d);
    if (d === mountPoint) break;
  }
  for (const dir of ancestors) {
    const enabled = readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
    const missing = controllers.filter((c) => !enabled.includes(c));
    if (missing.length) writeCgroupFile(join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
  }
}

export function applyWrites(writes: readonly CgroupWrite[], t: CgroupTarget): void {
  const unified = t.hierarchies.findIndex((h) => h.version === 2);
  const v2Controllers = [...new Set(writes.filter((w) => w.version === 2 && w.controller !== 'cgroup').map((w) => w.controller))];
  if (v2Controllers.length && unified >= 0) enableV2Controllers(v2Controllers, t.dirs[unified]!, t.hierarchies[unified]!.mountPoint);
  const done = new Set<number>();
  writes.forEach((w, i) => {
    if (done.has(i)) return;
    const dir = dirForWrite(w, t);
    if (!dir) throw new KagoError(`config.json: ${w.pointer}`, `no ${w.controller} cgroup hierarchy for ${w.file}`);
    try {
      writeCgroupFile(join(dir, w.file), w.value);
    } catch (e) {
      // v1 refuses a memory limit above memory+swap: raising both needs
      // memsw first (runc orders them the same way against current values).
      const memsw = writes.findIndex((x, k) => k > i && x.file === 'memory.memsw.limit_in_bytes');
      if (w.file !== 'memory.limit_in_bytes' || memsw < 0 || errnoOf(e) !== 'EINVAL') throw e;
      writeCgroupFile(join(dir, 'memory.memsw.limit_in_bytes'), writes[memsw]!.value);
      writeCgroupFile(join(dir, w.file), w.value);
      done.add(memsw);
    }
  });
}

/** The core's writes for these resources on this host; errors become one KagoError. */
export function computeWrites(resources: LinuxResources | undefined, host: CgroupHost, file = 'config.json'): CgroupWrites {
  const result = getCore().cgroups.cgroupWrites(resources ?? {}, host);
  for (const p of result.problems.filter((x) => x.severity === 'warning')) log('warning', `${file}: ${p.pointer}: ${p.message}`);
  const errors = result.problems.filter((x) => x.severity === 'error');
  if (errors.length) {
    const [first, ...rest] = errors;
    throw new KagoError(`${file}: ${first!.pointer}`, first!.message, { details: rest.map((p) => `${file}: ${p.pointer}: ${p.message}`) });
  }
  return result;
}

/**
 * Applies linux.resources to a new container's cgroups, before any of its
 * processes exists: the executor joins them first thing.
 */
export function applyCgroupLimits(resources: LinuxResources | undefined, t: CgroupTarget): void {
  if (t.hierarchies.length === 0) return;
  const result = computeWrites(resources, describeHost(t.hierarchies));
  applyWrites(result.writes, t);
  if (result.devices === 'bpf') {
    const dir = t.dirs[t.hierarchies.findIndex((h) => h.version === 2)];
    if (!dir) return;
    try {
      attachDeviceProgram(dir, getCore().cgroups.deviceProgram(resources?.devices ?? []));
    } catch (e) {
      // Loading a device program takes CAP_BPF or CAP_SYS_ADMIN, which a
      // user in a delegated subtree has not; its container is in a user
      // namespace, where device nodes cannot be made anyway. runc 1.1.5
      // ignores the device errors of a rootless container the same way.
      if (!isRootless()) throw e;
      log('debug', `rootless: no device program: ${e instanceof KagoError ? e.reason : String(e)}`);
    }
  }
}

// update: new limits for a running container, merged into the ones it has
// (runc's update). Devices are left as create set them, as runc does.
import { readFileSync } from 'node:fs';
import { applyWrites, computeWrites, dirForWrite, targetFromDirs } from '../cgroups/apply.ts';
import { describeHost } from '../cgroups/hostinfo.ts';
import { detectHierarchies } from '../cgroups/layout.ts';
import { updateContainerUnit } from '../cgroups/systemd/driver.ts';
import { KagoError } from '../errors.ts';
import type { LinuxResources } from '../../wasm/spec.gen.ts';
import type { StateStore } from '../state/store.ts';

type Section = Record<string, unknown>;

function isSection(v: unknown): v is Section {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The stored resources with the update's fields laid over them, one level deep per controller. */
export function mergeResources(current: LinuxResources, update: LinuxResources): LinuxResources {
  const merged: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(update)) {
    const old = merged[k];
    merged[k] = isSection(old) && isSection(v) ? { ...old, ...v } : v;
  }
  return merged as LinuxResources;
}

/**
 * What to write: the update's own fields, plus the partners the kernel
 * needs in the same write set (memory with swap: v2's swap.max is computed
 * from both; quota with period: v2's cpu.max holds both).
 */
export function updateDelta(merged: LinuxResources, update: LinuxResources): LinuxResources {
  const delta: LinuxResources = JSON.parse(JSON.stringify(update)) as LinuxResources;
  if (update.memory && ('limit' in update.memory || 'swap' in update.memory)) {
    delta.memory = { ...delta.memory };
    if (merged.memory?.limit !== undefined) delta.memory.limit = merged.memory.limit;
    if (merged.memory?.swap !== undefined) delta.memory.swap = merged.memory.swap;
  }
  if (update.cpu && ('quota' in update.cpu || 'period' in update.cpu)) {
    delta.cpu = { ...delta.cpu };
    if (merged.cpu?.quota !== undefined) delta.cpu.quota = merged.cpu.quota;
    if (merged.cpu?.period !== undefined) delta.cpu.period = merged.cpu.period;
  }
  delete delta.devices;
  return delta;
}

export function updateContainer(store: StateStore, id: string, update: LinuxResources): void {
  store.withLock(id, () => {
    const state = store.read(id);
    if (store.status(state) === 'stopped') throw new KagoError(`container ${id}`, 'container not running');
    const target = targetFromDirs(state.kago.cgroup.dirs, detectHierarchies());
    const host = { ...describeHost(target.hierarchies), skipDevices: true };
    // runc (fs/memory.go setMemoryAndSwap): `--memory -1` without
    // `--memory-swap` makes memory+swap unlimited too, instead of keeping a
    // swap limit the kernel would then refuse as below the memory limit.
    if (update.memory?.limit === -1 && update.memory.swap === undefined && host.swapAccounting) {
      update = { ...update, memory: { ...update.memory, swap: -1 } };
    }
    const merged = mergeResources(state.kago.resources ?? {}, update);
    const delta = updateDelta(merged, update);
    const result = computeWrites(delta, host, 'update');
    // checkBeforeUpdate (config-linux.md): a limit below what is in use now
    // would make the kernel reclaim or OOM-kill; refuse it instead.
    if (merged.memory?.checkBeforeUpdate) {
      for (const w of result.writes.filter((x) => x.file === 'memory.limit_in_bytes' || x.file === 'memory.max')) {
        const dir = dirForWrite(w, target);
        if (!dir || w.value === 'max' || w.value === '-1') continue;
        const usage = Number(readFileSync(`${dir}/${w.version === 1 ? 'memory.usage_in_bytes' : 'memory.current'}`, 'utf8').trim());
        if (Number(w.value) < usage) {
          throw new KagoError(`container ${id}`, `memory limit ${w.value} is below the current usage ${usage} (checkBeforeUpdate)`);
        }
      }
    }
    if (state.kago.cgroup.systemd) updateContainerUnit(state.kago.cgroup.systemd.unit, delta, target.hierarchies);
    applyWrites(result.writes, target);
    state.kago.resources = merged;
    store.write(state);
  });
}

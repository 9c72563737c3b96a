// Real-time group scheduling on v1 (CONFIG_RT_GROUP_SCHED): a cgroup's
// cpu.rt_runtime_us/cpu.rt_period_us share must fit in its parent's, and a
// new cgroup starts with none (kernel/sched/rt.c tg_rt_schedulable). runc's
// default cgroup is /<id>, right below the root, whose budget is the
// system's (950000 of 1000000 µs); kago's is /kago/<id>, and /kago, made
// empty, would refuse every realtimeRuntime. So kago lends /kago what its
// children need, taken from the root as a runc container would take it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LinuxResources } from '../../wasm/spec.gen.ts';
import { type CgroupTarget, dirForWrite, writeCgroupFile } from './apply.ts';

/** The kernel's to_ratio(): bandwidth as a fixed-point fraction (BW_SHIFT 20). */
function ratio(periodUs: bigint, runtimeUs: bigint): bigint {
  if (runtimeUs < 0n) return 1n << 20n; // -1: unlimited, the whole period
  return periodUs === 0n ? 0n : (runtimeUs << 20n) / periodUs;
}

function readUs(dir: string, file: string): bigint {
  return BigInt(readFileSync(join(dir, file), 'utf8').trim());
}

/**
 * Raises the real-time budget of kago's default parent (the leaf's parent
 * directory in the cpu hierarchy) so that its other children and the leaf's
 * request fit; never lowers it. A budget the root cannot give fails here,
 * naming the parent's file.
 */
export function lendRealtimeBudget(cpu: LinuxResources['cpu'], t: CgroupTarget): void {
  const runtime = cpu?.realtimeRuntime;
  const leaf = dirForWrite({ version: 1, controller: 'cpu' }, t);
  // Without the files (no CONFIG_RT_GROUP_SCHED, or cpu on v2) the core's own write reports it.
  if (runtime === undefined || runtime === 0 || !leaf || !existsSync(join(leaf, 'cpu.rt_runtime_us'))) return;
  const parent = dirname(leaf);
  let period = BigInt(cpu?.realtimePeriod ?? 0);
  if (period === 0n) period = readUs(leaf, 'cpu.rt_period_us');
  let needed = ratio(period, BigInt(runtime));
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === basename(leaf)) continue;
    const sibling = join(parent, entry.name);
    needed += ratio(readUs(sibling, 'cpu.rt_period_us'), readUs(sibling, 'cpu.rt_runtime_us'));
  }
  const parentPeriod = readUs(parent, 'cpu.rt_period_us');
  if (ratio(parentPeriod, readUs(parent, 'cpu.rt_runtime_us')) >= needed) return;
  // The smallest runtime whose ratio is at least the children's sum.
  const budget = (needed * parentPeriod + (1n << 20n) - 1n) >> 20n;
  writeCgroupFile(join(parent, 'cpu.rt_runtime_us'), String(budget));
}

// The facts about this host's cgroups that the core's computation needs
// (the core itself never looks at the system).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupHost } from '../../wasm/cgroups.ts';
import type { Hierarchy } from './layout.ts';

/** hugepages-2048kB -> "2MB": the name the hugetlb files use. */
export function hugepageSizeName(dirName: string): string | null {
  const m = /^hugepages-(\d+)kB$/.exec(dirName);
  if (!m) return null;
  const kb = Number(m[1]);
  if (kb >= 1 << 20 && kb % (1 << 20) === 0) return `${kb >> 20}GB`;
  if (kb >= 1 << 10 && kb % (1 << 10) === 0) return `${kb >> 10}MB`;
  return `${kb}KB`;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function listOr(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function bfqInUse(): boolean {
  // BFQ's weight files exist only when BFQ is the scheduler of some disk.
  return listOr('/sys/block').some((dev) => /\bbfq\b/.test(readOr(`/sys/block/${dev}/queue/scheduler`, '')));
}

export function describeHost(hierarchies: readonly Hierarchy[]): CgroupHost {
  const v1 = hierarchies.filter((h) => h.version === 1).flatMap((h) => h.controllers);
  const unified = hierarchies.find((h) => h.version === 2);
  const v2 = unified ? readOr(join(unified.mountPoint, 'cgroup.controllers'), '').split(/\s+/).filter(Boolean) : null;
  const memoryV1 = hierarchies.find((h) => h.version === 1 && h.controllers.includes('memory'));
  const swapAccounting = memoryV1
    ? existsSync(join(memoryV1.mountPoint, 'memory.memsw.limit_in_bytes'))
    : v2?.includes('memory') === true && existsSync('/proc/swaps');
  const hugepageSizes = listOr('/sys/kernel/mm/hugepages')
    .map(hugepageSizeName)
    .filter((s): s is string => s !== null);
  const kmemTcp = memoryV1 !== undefined && existsSync(join(memoryV1.mountPoint, 'memory.kmem.tcp.limit_in_bytes'));
  return { v1, v2, hugepageSizes, swapAccounting, bfq: bfqInUse(), kmemTcp };
}

// Whether this host runs cgroup v2 alone ("unified mode"): /sys/fs/cgroup is
// itself a cgroup2 mount. A hybrid host (v1 controllers, with a cgroup2 mount
// at /sys/fs/cgroup/unified) is not: there /sys/fs/cgroup is a tmpfs.
import { statfsSync } from 'node:fs';

// linux/magic.h
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** runc's cgroups.IsCgroup2UnifiedMode(): a statfs of /sys/fs/cgroup. */
export function isCgroup2Unified(): boolean {
  try {
    return statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

// The host facts of the plan tests: a bundle at /b, no cgroups, nothing on
// the host but the bind sources named here; each test adds what it needs.
import type { HostFacts } from '../../host/plan/types.ts';

export function hostFacts(more: Partial<HostFacts> = {}): HostFacts {
  return {
    bundle: '/b',
    rootfs: '/b/rootfs',
    rootfsParentMount: '/',
    cgroupDirs: [],
    cgroupMountPoints: [],
    cgroupVersion: 1,
    execFifo: '/run/kago/c1/exec.fifo',
    sourceKinds: { '/host/data': 'dir', '/host/file': 'file' },
    lastCap: 40,
    existingInRootfs: [],
    ...more,
  };
}

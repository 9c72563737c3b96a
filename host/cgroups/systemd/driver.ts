// The systemd cgroup driver's part in create, update and delete. The unit
// holds the container; kago still writes the cgroup files itself afterwards
// (as runc's systemd managers do), so controllers systemd does not manage
// on a v1 or hybrid host (cpuset, freezer, hugetlb, ...) are set in the same
// directories under the unit's path, and the ones it manages agree with the
// unit's properties.
import type { CgroupWrite } from '../../../wasm/cgroups.ts';
import { KagoError } from '../../errors.ts';
import type { LinuxResources, Spec } from '../../../wasm/spec.gen.ts';
import { computeWrites } from '../apply.ts';
import { cgroupVersion, type Hierarchy } from '../layout.ts';
import { log } from '../../log.ts';
import { isRootless } from '../rootless.ts';
import { setUnitProperties, startScope, stopUnit } from './manager.ts';

export { UnitExistsError, unitStartRequested } from './manager.ts';
import { annotationProperties, resourceProperties } from './properties.ts';
import type { SystemdUnit } from './unit.ts';

export function refuseRootlessSystemd(): void {
  if (isRootless()) throw new KagoError('--systemd-cgroup', 'the systemd cgroup driver needs root (systemd --user is not supported yet)');
}

function isUnified(hierarchies: readonly Hierarchy[]): boolean {
  return cgroupVersion(hierarchies) === 2;
}

/** The device rules as the core orders them for v1, whatever the host: systemd's DeviceAllow= comes from them. */
function deviceRules(resources: LinuxResources | undefined): CgroupWrite[] {
  const host = { v1: ['devices'], v2: null, hugepageSizes: [], swapAccounting: false, bfq: false };
  return computeWrites({ devices: resources?.devices ?? [] }, host).writes;
}

/** Starts the scope with pid in it and the limits as its properties. */
export function startContainerUnit(u: SystemdUnit, id: string, pid: number, spec: Spec, hierarchies: readonly Hierarchy[]): void {
  const extra = annotationProperties(spec.annotations);
  const resources = spec.linux?.resources ?? {};
  const props = resourceProperties(resources, isUnified(hierarchies), deviceRules(resources));
  // The limits go with the start (one transient unit file, one round trip)
  // rather than a SetUnitProperties after it as runc's v1 manager does:
  // `systemctl show` is the same.
  const started = performance.now();
  startScope(u.unit, u.slice, pid, `kago container ${id}`, [...props, ...extra]);
  log('debug', `systemd: ${u.unit} started in ${(performance.now() - started).toFixed(1)} ms`);
}

/** update: the changed limits as properties (devices stay as create set them). */
export function updateContainerUnit(unit: string, delta: LinuxResources, hierarchies: readonly Hierarchy[]): void {
  setUnitProperties(unit, resourceProperties(delta, isUnified(hierarchies)));
}

export function stopContainerUnit(unit: string): void {
  stopUnit(unit);
}

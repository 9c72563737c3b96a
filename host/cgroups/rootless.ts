// Without root, cgroups can be used only where they were delegated to the
// user (the nearest existing ancestor of the container's directory is
// writable). Otherwise a rootless container runs without cgroups, as runc's
// does, provided it asks for no limits that would silently not hold.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { KagoError } from '../errors.ts';
import type { LinuxResources } from '../../wasm/spec.gen.ts';

export function isRootless(): boolean {
  return process.geteuid?.() !== 0;
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && d !== '/') d = dirname(d);
  return d;
}

export function cgroupsDelegated(dirs: readonly string[]): boolean {
  return dirs.every((dir) => {
    try {
      accessSync(nearestExisting(dir), constants.W_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Limits other than device rules (which a user namespace enforces by itself). */
export function refuseLimitsWithoutCgroups(resources: LinuxResources | undefined): void {
  const limits = Object.keys(resources ?? {}).filter((k) => k !== 'devices');
  if (limits.length > 0) {
    throw new KagoError(`config.json: /linux/resources/${limits[0]}`, 'a rootless container has no cgroup to apply limits in (none is delegated to this user)');
  }
}

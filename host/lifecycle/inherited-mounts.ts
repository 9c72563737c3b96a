// A container without a mount namespace of its own (no `mount` entry in
// linux.namespaces) has its mounts in kago's, under a bind of its root file
// system onto itself (host/plan/init.ts). Nothing takes them away when its
// processes end, so `delete` detaches that bind, and everything under it
// with it.
import { readFileSync } from 'node:fs';
import { parseMountInfo, topMountAt } from '../plan/facts.ts';
import { MNT_DETACH, SyscallError, umount2 } from '../sys/libc.ts';
import type { ContainerState } from '../state/types.ts';

/**
 * Detaches the bind if it is there: the topmost mount at the root file
 * system is not the one that was there before create (an engine's overlay
 * mounted at rootfs is left alone, and so is a bind that never was made).
 */
export function releaseInheritedMounts(state: ContainerState): void {
  const bind = state.kago.inheritedMounts;
  if (!bind) return;
  const top = topMountAt(bind.rootfs, parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')));
  if (top === undefined || top === bind.coveredMountId) return;
  try {
    umount2(bind.rootfs, MNT_DETACH);
  } catch (e) {
    if (!(e instanceof SyscallError && e.code === 'EINVAL')) throw e;
  }
}

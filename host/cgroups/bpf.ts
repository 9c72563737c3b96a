// Loading and attaching the cgroup v2 device program the core compiles.
import { closeSync, constants, openSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { bpfProgAttach, bpfProgLoad, SyscallError } from '../sys/libc.ts';

const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
// Programs attached by others (a systemd unit's DeviceAllow=) keep running;
// the kernel allows an access only when every attached program allows it.
const BPF_F_ALLOW_MULTI = 2;

/**
 * Attaches the program to the cgroup directory. The attachment holds the
 * program: the fd is closed here, and the program goes with the cgroup.
 */
export function attachDeviceProgram(dir: string, program: ArrayBuffer): void {
  let progFd: number;
  try {
    progFd = bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, new Uint8Array(program), 'Apache-2.0');
  } catch (e) {
    throw new KagoError(`cgroup ${dir}`, `loading the device program: ${e instanceof SyscallError ? e.message : String(e)}`, { cause: e });
  }
  try {
    const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      bpfProgAttach(dirFd, progFd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
    } catch (e) {
      throw new KagoError(`cgroup ${dir}`, `attaching the device program: ${e instanceof SyscallError ? e.code : String(e)}`, { cause: e });
    } finally {
      closeSync(dirFd);
    }
  } finally {
    closeSync(progFd);
  }
}

// linux.netDevices: host interfaces moved into the container's network
// namespace and renamed there (config-linux.md "Network Devices").
//
// Why the host and not the executor: the move is one RTM_NEWLINK sent on a
// netlink socket of the host's network namespace, by a process with
// CAP_NET_ADMIN there. The intermediate process has neither once it has
// created the container's user namespace, and the network namespace it
// creates next did not exist before; so it asks (request_net_devices) and
// the host, root in its own namespaces, moves the devices into
// /proc/PID/ns/net. koffi's netlink calls do not care that Node is
// multi-threaded; nothing here changes a namespace of the host process.
import { closeSync, constants, openSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { interfaceIndex, netlinkRequest, newLinkMessage } from '../sys/netlink.ts';
import { SyscallError } from '../sys/libc.ts';
import { has } from './namespaces.ts';
import type { PlannedOp } from './types.ts';

type Add = (op: PlannedOp['op'], what: string) => void;

/** The pause in the intermediate process where the host moves the devices (after the namespaces exist). */
export function addNetDeviceRequest(spec: Spec, add: Add): void {
  const devices = Object.keys(spec.linux?.netDevices ?? {});
  if (!devices.length) return;
  if (!has(spec, 'network')) {
    throw new KagoError('config.json: /linux/netDevices', "needs a 'network' namespace in /linux/namespaces to move the devices into");
  }
  add({ op: 'request_net_devices' }, `move the network devices ${devices.join(', ')}`);
}

/** Moves every configured device into the network namespace of pid (a host pid), under its new name. */
export function moveNetDevices(spec: Spec, pid: number): void {
  const devices = Object.entries(spec.linux?.netDevices ?? {});
  if (!devices.length) return;
  const netns = openSync(`/proc/${pid}/ns/net`, constants.O_RDONLY);
  try {
    for (const [hostName, device] of devices) {
      const name = device.name || hostName;
      try {
        const index = interfaceIndex(hostName);
        netlinkRequest(`move ${hostName}`, (seq) => newLinkMessage(index, netns, name, seq));
      } catch (e) {
        if (e instanceof SyscallError)
          throw new KagoError(`config.json: /linux/netDevices/${hostName}`, `cannot move it into the container as ${name}: ${e.code}`, { cause: e });
        throw e;
      }
    }
  } finally {
    closeSync(netns);
  }
}

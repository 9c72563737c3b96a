// A containerd of a test's own: config from scripts/engines/containerd, root,
// state and sockets in the test's scratch directory; the CRI plugin off
// (config.toml) or on (cri.toml, with the placeholders the caller fills).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, HostTraces, inEveryHierarchy, runTool, writeConfig } from './harness.ts';

export interface Containerd {
  socket: string;
  /** the shim's state: one directory per container, with config.json and log.json */
  state: string;
  daemon: Daemon;
  /** ctr against this containerd, in namespace */
  ctr(namespace: string, args: string[]): ReturnType<typeof runTool>;
  stop(): Promise<void>;
}

/** Host paths a containerd and its shims create whatever their config says. */
export function containerdTraces(namespace: string): HostTraces {
  return new HostTraces([
    // the runc v2 shim's sockets: /run/containerd/s/<hash of address, namespace, id>
    '/run/containerd/s',
    '/run/containerd',
    // the default cgroups path of a container is /<namespace>/<id>
    ...inEveryHierarchy(namespace),
  ]);
}

/** dir is where the config's @SCRATCH@ points: scratch/containerd. */
export function containerdDir(scratch: string): string {
  return join(scratch, 'containerd');
}

export function startContainerd(scratch: string, template = 'containerd/config.toml', values: Record<string, string> = {}): Containerd {
  const dir = containerdDir(scratch);
  mkdirSync(dir, { recursive: true });
  const config = writeConfig(template, join(dir, 'config.toml'), { SCRATCH: dir, ...values });
  const socket = join(dir, 'containerd.sock');
  const daemon = new Daemon('containerd', ['--config', config], join(dir, 'containerd.log'));
  const ctr = (namespace: string, args: string[]): ReturnType<typeof runTool> =>
    runTool(scratch, 'ctr', ['--address', socket, '--namespace', namespace, ...args]);
  try {
    daemon.waitUntil(() => existsSync(socket) && ctr('default', ['version']).code === 0, 'containerd');
  } catch (e) {
    daemon.killNow();
    throw e;
  }
  return { socket, state: join(dir, 'state', 'io.containerd.runtime.v2.task'), daemon, ctr, stop: () => daemon.stop() };
}

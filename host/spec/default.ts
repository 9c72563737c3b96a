// The config.json `kago spec` writes: a busybox-ready container in the shape
// `runc spec` produces, so existing habits and scripts carry over.
import { SPEC_VERSION } from '../version.ts';
import type { NamespaceType, Spec } from '../../wasm/spec.gen.ts';

const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export interface DefaultSpecOptions {
  /**
   * A cgroup namespace of its own: `runc spec` adds one only on a cgroup v2
   * (unified) host, where the namespaced view of /sys/fs/cgroup is the
   * container's own cgroup; on a v1 or hybrid host it leaves it out. The
   * default (true) is the v2 host's config, which test fixtures build on.
   */
  cgroupNamespace?: boolean;
}

export function defaultSpec(options: DefaultSpecOptions = {}): Spec {
  const namespaces: NamespaceType[] = ['pid', 'network', 'ipc', 'uts', 'mount'];
  if (options.cgroupNamespace ?? true) namespaces.push('cgroup');
  return {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      // Fresh arrays: a caller changing one set must not change the others, or the next spec.
      capabilities: { bounding: [...DEFAULT_CAPS], effective: [...DEFAULT_CAPS], permitted: [...DEFAULT_CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'kago',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: namespaces.map((type) => ({ type })),
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/**
 * The rootless variant, as `runc spec --rootless`: a user namespace mapping
 * the caller to root, no network namespace, /sys bound from the host (sysfs
 * cannot be mounted without a network namespace of one's own), no devpts
 * gid (gid 5 is not mapped), no resource limits.
 */
export function rootlessSpec(uid: number, gid: number, options: DefaultSpecOptions = {}): Spec {
  const spec = defaultSpec(options);
  const linux = spec.linux!;
  linux.namespaces = [...linux.namespaces!.filter((ns) => ns.type !== 'network'), { type: 'user' }];
  linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  delete linux.resources;
  spec.mounts = spec.mounts!.flatMap((m) => {
    if (m.destination === '/sys') return [{ destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }];
    if (m.destination === '/sys/fs/cgroup') return [];
    if (m.type === 'devpts') return [{ ...m, options: m.options!.filter((o) => o !== 'gid=5') }];
    return [m];
  });
  return spec;
}

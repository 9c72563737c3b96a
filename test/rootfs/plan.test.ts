// Config in, plan out, for mounts and kernel settings: the policy checked
// without privileges.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCreatePlan } from '../../host/plan/build.ts';
import { existsInRoot } from '../../host/plan/facts.ts';
import type { PlanOp } from '../../host/plan/format.gen.ts';
import { addExecAffinity, listToMaskWords } from '../../host/plan/kernel.ts';
import * as L from '../../host/plan/linux.ts';
import { parseMountOptions } from '../../host/plan/mount-options.ts';
import type { HostFacts, PlanOptions } from '../../host/plan/types.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { hostFacts } from '../helpers/plan.ts';

const facts: HostFacts = hostFacts({
  existingInRootfs: ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr'],
  lsm: { apparmor: false, selinux: false },
  resctrl: false,
});

function minimal(): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network' }] },
  };
}

const plan = (spec: Spec, f: HostFacts = facts, o: PlanOptions = {}) => buildCreatePlan(spec, f, {}, o).ops;
const ops = (spec: Spec, f: HostFacts = facts, o: PlanOptions = {}): PlanOp[] => plan(spec, f, o).map((p) => p.op);
/** The slot the plan opened the root file system in. */
const rootSlot = (list: PlanOp[]): number => {
  const open = list.find((o) => o.op === 'open' && o.path === facts.rootfs);
  assert.ok(open?.op === 'open', 'the plan opens the root file system');
  return open.slot;
};

describe('the root filesystem and kernel settings plan', function () {
  it('resolves every path inside the root file system through its slot', function () {
    const spec = minimal();
    spec.mounts = [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: 'data/../etc/x', type: 'bind', source: '/host/file', options: ['bind'] },
    ];
    const list = ops(spec);
    const root = rootSlot(list);
    const open = list.findIndex((o) => o.op === 'open' && o.slot === root);
    assert.deepEqual(list[open], { op: 'open', path: '/b/rootfs', flags: L.O_PATH | L.O_DIRECTORY, slot: root });
    assert.deepEqual(list.slice(open + 1, open + 6), [
      { op: 'mkdir_in_root', root, path: '/proc', mode: 0o755 },
      { op: 'mount_in_root', source: 'proc', root, target: '/proc', fstype: 'proc', flags: 0, data: '' },
      { op: 'mkdir_in_root', root, path: '/etc', mode: 0o755 },
      { op: 'mkfile_in_root', root, path: '/etc/x', mode: 0o644 },
      { op: 'mount_in_root', source: '/host/file', root, target: '/etc/x', fstype: '', flags: L.MS_BIND, data: '' },
    ]);
    // No host path under the root file system is left in any operation.
    for (const o of list) for (const v of Object.values(o)) if (typeof v === 'string') assert.ok(!v.startsWith('/b/rootfs/'), JSON.stringify(o));
    const pivot = list.findIndex((o) => o.op === 'pivot_root');
    assert.deepEqual(list[pivot - 1], { op: 'close', slot: root });
  });

  it('turns the recursive options into one mount_setattr with AT_RECURSIVE', function () {
    const spec = minimal();
    spec.mounts = [
      {
        destination: '/data',
        type: 'bind',
        source: '/host/data',
        options: ['rbind', 'rro', 'rnosuid', 'rdev', 'rnoatime', 'rstrictatime', 'rnosymfollow', 'rslave'],
      },
    ];
    const list = ops(spec);
    const root = rootSlot(list);
    const at = list.findIndex((o) => o.op === 'setattr_in_root');
    assert.deepEqual(list.slice(at, at + 2), [
      {
        op: 'setattr_in_root',
        root,
        target: '/data',
        set: L.MOUNT_ATTR_RDONLY | L.MOUNT_ATTR_NOSUID | L.MOUNT_ATTR_STRICTATIME | L.MOUNT_ATTR_NOSYMFOLLOW,
        clear: L.MOUNT_ATTR_NODEV | L.MOUNT_ATTR__ATIME,
        recursive: 1,
      },
      { op: 'mount_in_root', source: '', root, target: '/data', fstype: '', flags: L.MS_SLAVE | L.MS_REC, data: '' },
    ]);
    assert.deepEqual(parseMountOptions(['rnoatime', 'ratime']).recursiveSet, L.MOUNT_ATTR_RELATIME);
    assert.deepEqual(parseMountOptions(['rrw', 'rro']).recursiveSet, L.MOUNT_ATTR_RDONLY);
    assert.deepEqual(parseMountOptions(['rro', 'rrw']).recursiveClear, L.MOUNT_ATTR_RDONLY);
  });

  it('copies up into a tmpfs through the old directory, read-only only afterwards', function () {
    const spec = minimal();
    spec.mounts = [{ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'ro', 'size=1m'] }];
    const list = ops(spec);
    const root = rootSlot(list);
    const at = list.findIndex((o) => o.op === 'open_in_root');
    const old = (list[at] as { slot: number }).slot;
    assert.notEqual(old, root);
    assert.deepEqual(list.slice(at, at + 4), [
      { op: 'open_in_root', root, path: '/etc', flags: L.O_RDONLY | L.O_DIRECTORY, slot: old },
      { op: 'mount_in_root', source: 'tmpfs', root, target: '/etc', fstype: 'tmpfs', flags: 0, data: 'size=1m' },
      { op: 'copy_tree_in_root', from: old, root, path: '/etc' },
      { op: 'close', slot: old },
    ]);
    // Like every read-only tmpfs, once the root file system is complete (runc's finalizeRootfs).
    const remount = list.findIndex((o) => o.op === 'remount_in_root' && o.target === '/etc' && o.flags === L.MS_RDONLY);
    assert.ok(remount > at + 3 && remount < list.findIndex((o) => o.op === 'pivot_root'), 'read-only just before pivot_root');
  });

  it('a read-only /dev is mounted writable, filled, then remounted read-only', function () {
    const spec = minimal();
    spec.mounts = [{ destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'ro', 'mode=755'] }];
    const list = ops(spec);
    const mount = list.findIndex((o) => o.op === 'mount_in_root' && o.target === '/dev');
    assert.equal((list[mount] as { flags: number }).flags, L.MS_NOSUID);
    const remount = list.findIndex((o) => o.op === 'remount_in_root' && o.target === '/dev');
    assert.deepEqual(list[remount], { op: 'remount_in_root', root: rootSlot(list), target: '/dev', flags: L.MS_NOSUID | L.MS_RDONLY });
    assert.ok(list.findIndex((o) => o.op === 'mknod_in_root') < remount && list.findLastIndex((o) => o.op === 'symlink_in_root') < remount);
  });

  it('makes no device node or link in a /dev bound from the host', function () {
    const spec = minimal();
    spec.mounts = [{ destination: '/dev', type: 'bind', source: '/host/data', options: ['rbind'] }];
    const list = ops(spec, { ...facts, existingInRootfs: [] });
    assert.ok(!list.some((o) => o.op === 'mknod_in_root' || o.op === 'symlink_in_root'), JSON.stringify(list));
  });

  it('applies an unbindable rootfsPropagation to / after pivot_root, rslave before', function () {
    const spec = minimal();
    spec.linux!.rootfsPropagation = 'unbindable';
    const list = ops(spec);
    const pivot = list.findIndex((o) => o.op === 'pivot_root');
    // (the second one is the private parent mount pivot_root needs, here the host's /)
    const rootMounts = list.map((o, i) => [o, i] as const).filter(([o]) => o.op === 'mount' && o.target === '/');
    assert.deepEqual(
      rootMounts.map(([o, i]) => [(o as { flags: number }).flags, i > pivot]),
      [
        [L.MS_SLAVE | L.MS_REC, false],
        [L.MS_PRIVATE, false],
        [L.MS_UNBINDABLE, true],
      ],
    );
  });

  it('with a new user namespace, opens bind sources as the host root, in the new mount namespace, and init binds the fds', function () {
    const spec = minimal();
    spec.linux!.namespaces!.push({ type: 'user' });
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.mounts = [{ destination: '/a', type: 'bind', source: '/host/data', options: ['rbind', 'ro'] }];
    const all = plan(spec);
    const stage1 = all.filter((p) => p.stage === 'intermediate').map((p) => p.op);
    const names = stage1.map((o) => o.op);
    const opened = stage1.findIndex((o) => o.op === 'open' && o.path === '/host/data');
    assert.deepEqual(stage1[names.indexOf('unshare')], { op: 'unshare', flags: L.CLONE_NEWUSER | L.CLONE_NEWNS });
    const source = (stage1[opened] as { slot: number }).slot;
    assert.deepEqual(stage1[opened], { op: 'open', path: '/host/data', flags: L.O_PATH, slot: source });
    assert.ok(names.indexOf('request_id_maps') < opened && opened < names.indexOf('setresuid'));
    assert.ok(!stage1.some((o, i) => o.op === 'unshare' && i > opened && o.flags & L.CLONE_NEWNS));
    const init = all.filter((p) => p.stage === 'init').map((p) => p.op);
    assert.ok(init.some((o) => o.op === 'bind_fd_in_root' && o.slot === source && o.target === '/a' && o.recursive === 1));
  });

  it('brings lo up in a new network namespace, not in a joined one', function () {
    const spec = minimal();
    assert.ok(ops(spec).some((o) => o.op === 'link_up' && o.name === 'lo'));
    spec.linux!.namespaces = [{ type: 'mount' }, { type: 'network', path: '/proc/1/ns/net' }];
    assert.ok(!ops(spec).some((o) => o.op === 'link_up'));
  });

  it('clones and id-maps in the intermediate process, before any namespace, and attaches in init', function () {
    const spec = minimal();
    spec.linux!.namespaces!.push({ type: 'user' });
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    spec.mounts = [
      {
        destination: '/a',
        type: 'bind',
        source: '/host/data',
        options: ['rbind', 'ridmap'],
        uidMappings: [{ containerID: 0, hostID: 1, size: 2 }],
        gidMappings: [{ containerID: 0, hostID: 3, size: 4 }],
      },
      { destination: '/b', type: 'bind', source: '/host/data', options: ['bind', 'idmap'] },
    ];
    const all = plan(spec);
    const stage1 = all.filter((p) => p.stage === 'intermediate').map((p) => p.op);
    const first = stage1.findIndex((o) => o.op === 'make_userns');
    const slotAt = (i: number) => (stage1[first + i] as { slot: number }).slot;
    const [userns1, treeA, userns2, treeB] = [slotAt(0), slotAt(1), slotAt(4), slotAt(5)];
    // the first tree is still held while the second is made
    assert.notEqual(treeA, treeB);
    assert.notEqual(userns2, treeA);
    assert.deepEqual(stage1.slice(first, first + 8), [
      { op: 'make_userns', uid_map: '0 1 2\n', gid_map: '0 3 4\n', slot: userns1 },
      { op: 'open_tree', path: '/host/data', recursive: 1, slot: treeA },
      { op: 'idmap_tree', slot: treeA, userns: userns1, recursive: 1 },
      { op: 'close', slot: userns1 },
      // without mappings of its own, the mount takes the container's
      { op: 'make_userns', uid_map: '0 100000 65536\n', gid_map: '0 200000 65536\n', slot: userns2 },
      { op: 'open_tree', path: '/host/data', recursive: 0, slot: treeB },
      { op: 'idmap_tree', slot: treeB, userns: userns2, recursive: 0 },
      { op: 'close', slot: userns2 },
    ]);
    assert.ok(stage1.findIndex((o) => o.op === 'unshare') > first + 7);
    const init = all.filter((p) => p.stage === 'init').map((p) => p.op);
    assert.ok(init.some((o) => o.op === 'move_mount_in_root' && o.slot === treeA && o.target === '/a'));
    assert.ok(init.some((o) => o.op === 'move_mount_in_root' && o.slot === treeB && o.target === '/b'));
  });

  it('switches root with move_root for --no-pivot', function () {
    const list = ops(minimal(), facts, { noPivot: true });
    assert.ok(!list.some((o) => o.op === 'pivot_root'));
    assert.ok(list.some((o) => o.op === 'move_root' && o.root === '/b/rootfs'));
  });

  it('--no-pivot detaches the whole host proc and sysfs mounts outside the root first, or covers them in a user namespace', function () {
    const f = { ...facts, hostKernelMounts: ['/proc', '/sys', '/proc/nested', '/b/rootfs/proc', '/srv/sys'] };
    const hides = (spec: Spec) => ops(spec, f, { noPivot: true }).filter((o) => o.op === 'hide_mount');
    assert.deepEqual(hides(minimal()), [
      { op: 'hide_mount', path: '/proc', cover: 0 },
      { op: 'hide_mount', path: '/sys', cover: 0 },
      { op: 'hide_mount', path: '/srv/sys', cover: 0 },
    ]);
    const userns = minimal();
    userns.linux!.namespaces!.push({ type: 'user' });
    userns.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    userns.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    assert.ok(hides(userns).every((o) => o.cover === 1));
    assert.deepEqual(
      ops(minimal(), f).filter((o) => o.op === 'hide_mount'),
      [],
    );
  });

  it("without a mount namespace, leaves the host's / alone and switches with chroot", function () {
    const spec = minimal();
    spec.linux!.namespaces = [{ type: 'pid' }];
    const list = ops(spec, facts, { noPivot: true });
    assert.ok(!list.some((o) => o.op === 'mount' && o.target === '/' && !(o.flags & L.MS_REMOUNT)), 'no propagation change of the host /');
    assert.ok(!list.some((o) => o.op === 'pivot_root' || o.op === 'move_root' || o.op === 'hide_mount'));
    const bind = list.findIndex((o) => o.op === 'mount' && o.target === '/b/rootfs' && o.flags === (L.MS_BIND | L.MS_REC));
    assert.deepEqual(list[bind + 1], { op: 'mount', source: '', target: '/b/rootfs', fstype: '', flags: L.MS_SLAVE | L.MS_REC, data: '' });
    assert.ok(list.some((o) => o.op === 'chroot' && o.path === '/b/rootfs'));
  });

  it('writes sysctls through write_proc after pivot_root and before /proc/sys is made read-only', function () {
    const spec = minimal();
    spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'net/core/somaxconn': '64' };
    spec.linux!.readonlyPaths = ['/proc/sys'];
    const list = ops(spec);
    const names = list.map((o) => o.op);
    assert.deepEqual(
      list.filter((o) => o.op === 'write_proc'),
      [
        { op: 'write_proc', path: '/proc/sys/net/ipv4/ip_forward', data: '1' },
        { op: 'write_proc', path: '/proc/sys/net/core/somaxconn', data: '64' },
      ],
    );
    assert.ok(names.indexOf('pivot_root') < names.indexOf('write_proc'));
    assert.ok(names.indexOf('write_proc') < names.indexOf('readonly_path'));
  });

  it('sets personality, memory policy, scheduler and I/O priority before the user switch', function () {
    const spec = minimal();
    spec.linux!.personality = { domain: 'LINUX32' };
    spec.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-1,65', flags: ['MPOL_F_RELATIVE_NODES'] };
    spec.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
    spec.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 7 };
    const list = ops(spec);
    const at = list.findIndex((o) => o.op === 'personality');
    assert.deepEqual(list.slice(at, at + 4), [
      { op: 'personality', persona: 8 },
      { op: 'set_mempolicy', mode: 2 | (1 << 14), nodes: [3, 2] },
      { op: 'sched_setattr', policy: 6, flags: 1, nice: 0, priority: 0, runtime: 10, deadline: 20, period: 30 },
      { op: 'ioprio_set', ioprio: (3 << 13) | 7 },
    ]);
    assert.ok(at < list.findIndex((o) => o.op === 'setresuid' && list.indexOf(o) > at));
  });

  it('builds CPU and node masks as 64-bit words, and execCPUAffinity for the exec plan', function () {
    assert.deepEqual(listToMaskWords('0-3,7'), [0x8f]);
    assert.deepEqual(listToMaskWords('63'), [Number(BigInt.asIntN(64, 1n << 63n))]);
    assert.deepEqual(listToMaskWords('64'), [0, 1]);
    // the spaces the validator (and the schema) allow
    assert.deepEqual(listToMaskWords(' 0 - 1 , 3'), [0xb]);
    const got: PlanOp[] = [];
    addExecAffinity({ initial: '1', final: '0-1' }, 'final', (op) => got.push(op));
    assert.deepEqual(got, [{ op: 'sched_setaffinity', cpus: [3] }]);
    // config.md: not applicable to the container's init process.
    const spec = minimal();
    spec.process!.execCPUAffinity = { initial: '0', final: '0' };
    assert.ok(!ops(spec).some((o) => o.op === 'sched_setaffinity'));
  });

  it('asks the host to move network devices once the namespaces exist, before the fork', function () {
    const spec = minimal();
    spec.linux!.netDevices = { eth1: { name: 'inside0' } };
    const stage1 = plan(spec).filter((p) => p.stage === 'intermediate');
    const names = stage1.map((p) => p.op.op);
    assert.equal(names.indexOf('request_net_devices'), names.indexOf('fork') - 1);
    assert.ok(names.lastIndexOf('unshare') < names.indexOf('request_net_devices'));
    const noNet = minimal();
    noNet.linux!.namespaces = [{ type: 'pid' }, { type: 'mount' }];
    noNet.linux!.netDevices = { eth1: {} };
    assert.throws(() => ops(noNet), /config\.json: \/linux\/netDevices: needs a 'network' namespace/);
  });

  it('refuses LSM settings and Intel RDT the host cannot honour, and uses them when it can', function () {
    const cases: [(s: Spec) => void, RegExp][] = [
      [
        (s) => {
          s.linux!.mountLabel = 'l';
          s.mounts = [{ destination: '/t', type: 'tmpfs', source: 'tmpfs' }];
        },
        /\/linux\/mountLabel: SELinux is not enabled/,
      ],
      [
        (s) => {
          s.process!.selinuxLabel = 'l';
        },
        /\/process\/selinuxLabel: SELinux is not enabled/,
      ],
      [
        (s) => {
          s.process!.apparmorProfile = 'p';
        },
        /\/process\/apparmorProfile: AppArmor is not enabled/,
      ],
      [
        (s) => {
          s.linux!.intelRdt = { closID: 'c' };
        },
        /\/linux\/intelRdt: resctrl is not mounted/,
      ],
    ];
    for (const [configure, message] of cases) {
      const spec = minimal();
      configure(spec);
      assert.throws(() => ops(spec), message);
    }
    const spec = minimal();
    spec.process!.apparmorProfile = 'kago-default';
    spec.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    spec.linux!.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2';
    spec.mounts = [{ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }];
    const list = ops(spec, { ...facts, lsm: { apparmor: true, selinux: true } });
    assert.ok(list.some((o) => o.op === 'write_proc' && o.path === '/proc/self/attr/apparmor/exec' && o.data === 'exec kago-default'));
    assert.ok(list.some((o) => o.op === 'write_proc' && o.path === '/proc/self/attr/exec' && o.data === 'system_u:system_r:container_t:s0'));
    assert.ok(list.some((o) => o.op === 'mount_in_root' && o.data === 'size=1m,context="system_u:object_r:container_file_t:s0:c1,c2"'));
  });

  it('judges what exists in the image by resolving symlinks inside it', function () {
    const root = mkdtempSync(join(tmpdir(), 'kago-facts-'));
    try {
      symlinkSync('/etc', join(root, 'dev'));
      assert.equal(existsInRoot(root, '/dev/passwd'), false, "the host /etc/passwd is not the image's");
      mkdirSync(join(root, 'etc'));
      writeFileSync(join(root, 'etc/passwd'), '');
      assert.equal(existsInRoot(root, '/dev/passwd'), true);
      symlinkSync('../../../etc', join(root, 'up'));
      assert.equal(existsInRoot(root, '/up/passwd'), true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

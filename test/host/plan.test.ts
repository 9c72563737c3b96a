// Config in, plan out: the policy the executor will carry out, checked
// without privileges.
import assert from 'node:assert/strict';
import { buildCreatePlan } from '../../host/plan/build.ts';
import type { PlanOp } from '../../host/plan/format.gen.ts';
import * as L from '../../host/plan/linux.ts';
import { showPlan } from '../../host/plan/show.ts';
import type { HostFacts } from '../../host/plan/types.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { defaultSpec } from '../../host/spec/default.ts';

const facts: HostFacts = {
  bundle: '/b',
  rootfs: '/b/rootfs',
  rootfsParentMount: '/',
  cgroupDirs: ['/sys/fs/cgroup/pids/kago/c1'],
  cgroupMountPoints: ['/sys/fs/cgroup/pids'],
  cgroupVersion: 1,
  execFifo: '/run/kago/c1/exec.fifo',
  sourceKinds: { '/host/data': 'dir', '/host/file': 'file', '/b/relative': 'dir' },
  lastCap: 40,
  existingInRootfs: [],
};

function minimal(): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] },
  };
}

const ops = (spec: Spec, f: HostFacts = facts): PlanOp[] => buildCreatePlan(spec, f).ops.map((p) => p.op);
/** A default device as init makes it in the root filesystem (slot 1): the node, then its owner. */
const deviceNode = (path: string, major: number, minor: number): PlanOp[] => [
  { op: 'mknod_in_root', root: 1, path, mode: L.S_IFCHR | 0o666, major, minor },
  { op: 'chown_in_root', root: 1, path, uid: 0, gid: 0 },
];

describe('the create plan', function () {
  it('is exactly this for a minimal config', function () {
    assert.deepEqual(ops(minimal()), [
      { op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: L.SIGKILL },
      { op: 'open', path: '/run/kago/c1/exec.fifo', flags: L.O_PATH, slot: 0 },
      { op: 'write_file', path: '/sys/fs/cgroup/pids/kago/c1/cgroup.procs', data: '0' },
      { op: 'unshare', flags: L.CLONE_NEWPID | L.CLONE_NEWNS },
      { op: 'fork', flags: L.CLONE_PARENT },
      { op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: L.SIGKILL },
      { op: 'setsid' },
      { op: 'umask', mask: 0 },
      { op: 'mount', source: '', target: '/', fstype: '', flags: L.MS_SLAVE | L.MS_REC, data: '' },
      { op: 'mount', source: '', target: '/', fstype: '', flags: L.MS_PRIVATE, data: '' },
      { op: 'mount', source: '/b/rootfs', target: '/b/rootfs', fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' },
      { op: 'open', path: '/b/rootfs', flags: L.O_PATH | L.O_DIRECTORY, slot: 1 },
      { op: 'mkdir_in_root', root: 1, path: '/dev', mode: 0o755 },
      ...deviceNode('/dev/null', 1, 3),
      ...deviceNode('/dev/zero', 1, 5),
      ...deviceNode('/dev/full', 1, 7),
      ...deviceNode('/dev/random', 1, 8),
      ...deviceNode('/dev/urandom', 1, 9),
      ...deviceNode('/dev/tty', 5, 0),
      { op: 'symlink_in_root', root: 1, target: '/proc/self/fd', path: '/dev/fd' },
      { op: 'symlink_in_root', root: 1, target: '/proc/self/fd/0', path: '/dev/stdin' },
      { op: 'symlink_in_root', root: 1, target: '/proc/self/fd/1', path: '/dev/stdout' },
      { op: 'symlink_in_root', root: 1, target: '/proc/self/fd/2', path: '/dev/stderr' },
      { op: 'close', slot: 1 },
      { op: 'pivot_root', root: '/b/rootfs' },
      { op: 'chdir_early', path: '/' },
      { op: 'setgroups', gids: [] },
      { op: 'drop_bounding', keep: 0, last: 40 },
      { op: 'prctl', option: L.PR_SET_KEEPCAPS, arg2: 1 },
      { op: 'fix_stdio_owner', uid: 0, pipes_only: 0 },
      { op: 'setresgid', gid: 0 },
      { op: 'setresuid', uid: 0 },
      { op: 'prctl', option: L.PR_SET_KEEPCAPS, arg2: 0 },
      { op: 'umask', mask: 0o022 },
      { op: 'chdir_retry' },
      { op: 'capset', effective: 0, permitted: 0, inheritable: 0 },
      { op: 'set_ambient', raise: 0, last: 40 },
      { op: 'check_exec', path: 'sh', envp: ['PATH=/bin'] },
      { op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: 0 },
      { op: 'ready' },
      { op: 'wait_exec_fifo', slot: 0 },
      { op: 'exec', path: 'sh', argv: ['sh'], envp: ['PATH=/bin'] },
    ]);
  });

  it('maps ids right after creating the user namespace, before any other namespace', function () {
    const spec = minimal();
    spec.linux!.namespaces!.push({ type: 'user' }, { type: 'network' });
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const list = ops(spec);
    const names = list.map((o) => o.op);
    const userAt = list.findIndex((o) => o.op === 'unshare' && o.flags === L.CLONE_NEWUSER);
    assert.ok(userAt > 0);
    assert.deepEqual(names.slice(userAt, userAt + 5), ['unshare', 'request_id_maps', 'setresgid', 'setresuid', 'unshare']);
    assert.deepEqual(list[userAt + 4], { op: 'unshare', flags: L.CLONE_NEWPID | L.CLONE_NEWNS | L.CLONE_NEWNET });
    // mknod is refused in a user namespace: devices are bound from the host.
    assert.ok(!names.includes('mknod_in_root'));
    assert.ok(list.some((o) => o.op === 'mount_in_root' && o.source === '/dev/null' && o.target === '/dev/null' && o.flags === L.MS_BIND));
  });

  it('joins namespaces given by path, the user namespace first', function () {
    const spec = minimal();
    spec.linux!.namespaces = [{ type: 'network', path: '/proc/7/ns/net' }, { type: 'user', path: '/proc/7/ns/user' }, { type: 'mount' }];
    const list = ops(spec);
    const joins = list.filter((o) => (o.op === 'open' && o.path.startsWith('/proc/7/')) || o.op === 'setns');
    // slot 0 holds the exec FIFO
    assert.deepEqual(joins, [
      { op: 'open', path: '/proc/7/ns/user', flags: L.O_RDONLY, slot: 1 },
      { op: 'open', path: '/proc/7/ns/net', flags: L.O_RDONLY, slot: 2 },
      { op: 'setns', slot: 1, nstype: L.CLONE_NEWUSER },
      { op: 'setns', slot: 2, nstype: L.CLONE_NEWNET },
    ]);
    assert.deepEqual(
      list.find((o) => o.op === 'unshare'),
      { op: 'unshare', flags: L.CLONE_NEWNS },
    );
  });

  it('mounts in config order, remounting bind mounts for their flags and applying propagation', function () {
    const spec = minimal();
    spec.mounts = [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid'] },
      { destination: '/data', type: 'bind', source: '/host/data', options: ['rbind', 'ro', 'rslave'] },
      { destination: '/etc/file', source: '/host/file', options: ['bind'] },
      { destination: 'rel', source: 'relative', options: ['bind'] },
    ];
    const list = ops(spec);
    const from = list.findIndex((o) => o.op === 'mkdir_in_root' && o.path === '/proc');
    assert.deepEqual(list.slice(from, from + 13), [
      { op: 'mkdir_in_root', root: 1, path: '/proc', mode: 0o755 },
      { op: 'mount_in_root', source: 'proc', root: 1, target: '/proc', fstype: 'proc', flags: L.MS_NOSUID, data: '' },
      { op: 'mkdir_in_root', root: 1, path: '/data', mode: 0o755 },
      { op: 'mount_in_root', source: '/host/data', root: 1, target: '/data', fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' },
      { op: 'remount_in_root', root: 1, target: '/data', flags: L.MS_RDONLY },
      { op: 'mount_in_root', source: '', root: 1, target: '/data', fstype: '', flags: L.MS_SLAVE | L.MS_REC, data: '' },
      { op: 'mkdir_in_root', root: 1, path: '/etc', mode: 0o755 },
      { op: 'mkfile_in_root', root: 1, path: '/etc/file', mode: 0o644 },
      { op: 'mount_in_root', source: '/host/file', root: 1, target: '/etc/file', fstype: '', flags: L.MS_BIND, data: '' },
      { op: 'mkdir_in_root', root: 1, path: '/rel', mode: 0o755 },
      { op: 'mount_in_root', source: '/b/relative', root: 1, target: '/rel', fstype: '', flags: L.MS_BIND, data: '' },
      { op: 'mkdir_in_root', root: 1, path: '/dev', mode: 0o755 },
      { op: 'mknod_in_root', root: 1, path: '/dev/null', mode: L.S_IFCHR | 0o666, major: 1, minor: 3 },
    ]);
  });

  it('applies the root, hostname, masked and read-only paths after pivot_root', function () {
    const spec = defaultSpec();
    spec.process!.terminal = false;
    const list = ops(spec);
    const pivot = list.findIndex((o) => o.op === 'pivot_root');
    const after = list.slice(pivot + 1);
    assert.deepEqual(after[0], { op: 'remount', target: '/', flags: L.MS_RDONLY });
    assert.deepEqual(after[1], { op: 'sethostname', name: 'kago' });
    assert.ok(after.some((o) => o.op === 'mask_path' && o.path === '/proc/kcore'));
    assert.ok(after.some((o) => o.op === 'readonly_path' && o.path === '/proc/sys'));
    assert.ok(list.slice(0, pivot).every((o) => o.op !== 'mask_path' && o.op !== 'sethostname'));
  });

  it('turns capability and rlimit names into masks and numbers', function () {
    const spec = minimal();
    spec.process!.capabilities = {
      bounding: ['CAP_KILL', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'],
      effective: ['CAP_KILL'],
      permitted: ['CAP_KILL', 'CAP_KILL'],
      inheritable: ['CAP_KILL'],
      ambient: ['CAP_KILL'],
    };
    spec.process!.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 },
      { type: 'RLIMIT_CORE', soft: 2 ** 64 - 1, hard: 2 ** 64 - 1 },
    ];
    spec.process!.noNewPrivileges = true;
    spec.process!.oomScoreAdj = 100;
    // CAP_CHECKPOINT_RESTORE (40) is beyond this pretend kernel's last capability.
    const list = ops(spec, { ...facts, lastCap: 39 });
    assert.deepEqual(
      list.find((o) => o.op === 'drop_bounding'),
      { op: 'drop_bounding', keep: 2 ** 5 + 2 ** 39, last: 39 },
    );
    assert.deepEqual(
      list.find((o) => o.op === 'capset'),
      { op: 'capset', effective: 32, permitted: 32, inheritable: 32 },
    );
    assert.deepEqual(
      list.find((o) => o.op === 'set_ambient'),
      { op: 'set_ambient', raise: 32, last: 39 },
    );
    assert.deepEqual(
      list.filter((o) => o.op === 'setrlimit'),
      [
        { op: 'setrlimit', resource: 7, soft: 512, hard: 1024 },
        { op: 'setrlimit', resource: 4, soft: -1, hard: -1 },
      ],
    );
    assert.ok(list.some((o) => o.op === 'write_file' && o.path === '/proc/self/oom_score_adj' && o.data === '100'));
    const names = list.map((o) => o.op);
    assert.ok(names.indexOf('prctl', names.indexOf('set_ambient')) < names.indexOf('ready'), 'no_new_privs before ready');
    spec.process!.capabilities = { bounding: ['CAP_NOPE'] };
    assert.throws(() => ops(spec), /\/process\/capabilities\/bounding\/0: unknown capability "CAP_NOPE"/);
  });

  it('refuses what cannot be done, naming the field', function () {
    const missingSource = minimal();
    missingSource.mounts = [{ destination: '/x', type: 'bind', source: '/nowhere', options: ['bind'] }];
    assert.throws(() => ops(missingSource), /config\.json: \/mounts\/0\/source: \/nowhere does not exist/);
  });

  it('prints readably, one operation a line with what it is for', function () {
    const text = showPlan(buildCreatePlan(minimal(), facts));
    assert.match(text, /^# intermediate process$/m);
    assert.match(text, /^# init process$/m);
    assert.match(text, /mknod_in_root\(root=1, path="\/dev\/null", mode=0o20666, major=1, minor=3\)\s+# mknod \/dev\/null/);
  });
});

// When the plan creates a process in its cgroup with clone3(CLONE_INTO_CGROUP)
// and what it emits then, checked without privileges (test/v2/clone-into.test.ts
// runs it for real on a pure v2 host).
import assert from 'node:assert/strict';
import { canCloneIntoCgroup, type CloneIntoFacts, mappedRoot } from '../../host/cgroups/clone-into.ts';
import { buildCreatePlan } from '../../host/plan/build.ts';
import { buildExecPlan } from '../../host/plan/exec.ts';
import type { PlanOp } from '../../host/plan/format.gen.ts';
import * as L from '../../host/plan/linux.ts';
import type { HostFacts } from '../../host/plan/types.ts';
import type { Spec } from '../../wasm/spec.gen.ts';

const DIR = '/sys/fs/cgroup/kago/c1';
const facts: HostFacts = {
  bundle: '/b',
  rootfs: '/b/rootfs',
  rootfsParentMount: '/',
  cgroupDirs: [DIR],
  cgroupMountPoints: ['/sys/fs/cgroup'],
  cgroupVersion: 2,
  execFifo: '/run/kago/c1/exec.fifo',
  sourceKinds: {},
  lastCap: 40,
  existingInRootfs: [],
  cloneIntoCgroup: true,
};

function spec(namespaces: string[]): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    linux: { namespaces: namespaces.map((type) => ({ type: type as 'pid' })) },
  };
}

const euid = process.geteuid!();
const v2 = (over: Partial<CloneIntoFacts> = {}): CloneIntoFacts => ({ dirs: [DIR], version: 2, systemd: false, namespaces: [], userRoot: undefined, ...over });

describe('clone3(CLONE_INTO_CGROUP): when', function () {
  it('only on a pure v2 host, with one directory, and not under the systemd driver', function () {
    assert.equal(canCloneIntoCgroup(v2()), true);
    assert.equal(canCloneIntoCgroup(v2({ version: 1, dirs: ['/sys/fs/cgroup/pids/kago/c1', '/sys/fs/cgroup/unified/kago/c1'] })), false);
    assert.equal(canCloneIntoCgroup(v2({ dirs: [] })), false);
    assert.equal(canCloneIntoCgroup(v2({ systemd: true })), false);
  });

  it("not after joining a cgroup namespace, whose root kago's cgroup is outside", function () {
    assert.equal(canCloneIntoCgroup(v2({ namespaces: [{ type: 'cgroup', path: '/proc/1/ns/cgroup' }] })), false);
    assert.equal(canCloneIntoCgroup(v2({ namespaces: [{ type: 'cgroup' }] })), true);
  });

  it("in a user namespace only when its root is kago's own uid (the clone is checked as that uid)", function () {
    assert.equal(canCloneIntoCgroup(v2({ namespaces: [{ type: 'user' }], userRoot: euid })), true);
    assert.equal(canCloneIntoCgroup(v2({ namespaces: [{ type: 'user' }], userRoot: euid + 100000 })), false);
    assert.equal(canCloneIntoCgroup(v2({ namespaces: [{ type: 'user' }], userRoot: undefined })), false);
  });

  it("reads uid 0's host uid from the mappings", function () {
    assert.equal(mappedRoot([{ containerID: 0, hostID: 1000, size: 1 }]), 1000);
    assert.equal(mappedRoot([{ containerID: 1, hostID: 1000, size: 10 }]), undefined);
    assert.equal(mappedRoot(undefined), undefined);
  });
});

describe('clone3(CLONE_INTO_CGROUP): the plan', function () {
  const ops = (s: Spec, f: HostFacts = facts): PlanOp[] => buildCreatePlan(s, f).ops.map((p) => p.op);

  it('opens the cgroup into a slot of its own instead of writing cgroup.procs, and forks into it', function () {
    const plan = ops(spec(['pid', 'mount']));
    const fifo = plan.find((o) => o.op === 'open' && o.path.endsWith('exec.fifo'));
    const dir = plan.find((o) => o.op === 'open' && o.path === DIR);
    assert.ok(fifo?.op === 'open' && dir?.op === 'open' && dir.slot !== fifo.slot);
    assert.deepEqual(plan.slice(0, 5), [
      { op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: L.SIGKILL },
      { op: 'open', path: '/run/kago/c1/exec.fifo', flags: L.O_PATH, slot: fifo.slot },
      { op: 'open', path: DIR, flags: L.O_RDONLY | L.O_DIRECTORY, slot: dir.slot },
      { op: 'unshare', flags: L.CLONE_NEWPID | L.CLONE_NEWNS },
      { op: 'fork_into_cgroup', flags: L.CLONE_PARENT, cgroup_slot: dir.slot },
    ]);
    assert.ok(!plan.some((o) => o.op === 'write_file' && o.path.endsWith('cgroup.procs')));
  });

  it('leaves a new cgroup namespace to init, created in the cgroup it roots', function () {
    const plan = ops(spec(['pid', 'mount', 'cgroup']));
    const fork = plan.findIndex((o) => o.op === 'fork_into_cgroup');
    const unshares = plan.filter((o) => o.op === 'unshare');
    assert.deepEqual(unshares, [
      { op: 'unshare', flags: L.CLONE_NEWPID | L.CLONE_NEWNS },
      { op: 'unshare', flags: L.CLONE_NEWCGROUP },
    ]);
    assert.ok(plan.indexOf(unshares[1]!) > fork);
  });

  it('without the fact, is the write and fork it was', function () {
    const plan = ops(spec(['pid', 'mount', 'cgroup']), { ...facts, cloneIntoCgroup: false });
    assert.deepEqual(
      plan.filter((o) => o.op === 'write_file' || o.op === 'fork' || o.op === 'fork_into_cgroup' || o.op === 'unshare'),
      [
        { op: 'write_file', path: `${DIR}/cgroup.procs`, data: '0' },
        { op: 'unshare', flags: L.CLONE_NEWPID | L.CLONE_NEWNS | L.CLONE_NEWCGROUP },
        { op: 'fork', flags: L.CLONE_PARENT },
      ],
    );
  });

  it("exec: joins the container's cgroup namespace after the fork into the cgroup", function () {
    const target = {
      cgroupDirs: [DIR],
      namespaces: [
        { type: 'cgroup' as const, path: '/proc/7/ns/cgroup' },
        { type: 'pid' as const, path: '/proc/7/ns/pid' },
      ],
      lastCap: 40,
      detached: false,
      cloneIntoCgroup: true,
    };
    const plan = buildExecPlan({ user: { uid: 0, gid: 0 }, args: ['true'], cwd: '/' }, target).ops.map((p) => p.op);
    const fork = plan.findIndex((o) => o.op === 'fork_into_cgroup');
    const setns = plan.filter((o) => o.op === 'setns');
    assert.deepEqual(
      setns.map((o) => o.op === 'setns' && o.nstype),
      [L.CLONE_NEWPID, L.CLONE_NEWCGROUP],
    );
    assert.ok(plan.indexOf(setns[0]!) < fork && plan.indexOf(setns[1]!) > fork);
  });
});

// cgroup v2 for real on the cgroup2 mount this host has: joining, freezing,
// killing, and the eBPF device program denying a device. Needs a cgroup2
// mount (the unified hierarchy of a hybrid host, or a pure v2 host).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachDeviceProgram } from '../../host/cgroups/bpf.ts';
import { freeze, isFrozen, killCgroupProcesses, thaw } from '../../host/cgroups/freezer.ts';
import { detectHierarchies } from '../../host/cgroups/layout.ts';
import { getCore } from '../../host/core.ts';
import { type Bundle, makeBundle, shell } from '../helpers/bundle.ts';
import { Kago, uniqueId } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';
import { waitFor } from '../helpers/wait.ts';

const unified = detectHierarchies().find((h) => h.version === 2);

describe('cgroup v2 on the unified mount', function () {
  const kago = new Kago();
  const made: { id: string; bundle: Bundle; pids: number[] }[] = [];

  before(function () {
    if (!unified) this.skip();
  });

  function container(args: string[], configure?: Parameters<typeof makeBundle>[1]) {
    const entry = { id: uniqueId('v2'), bundle: makeBundle(args, configure), pids: [] as number[] };
    made.push(entry);
    return entry;
  }

  function v2Dir(id: string): string {
    return join(unified!.mountPoint, 'kago', id);
  }

  afterEach(function () {
    for (const { id, bundle, pids } of made.splice(0)) {
      kago.run(['delete', '--force', id]);
      const left = leftovers(kago.root, id, bundle.dir, pids);
      bundle.remove();
      assert.deepEqual(left, [], `leftovers of ${id}`);
    }
  });
  after(() => kago.cleanup());

  it('the container joins its v2 cgroup before it runs; cgroup.freeze freezes it', function () {
    const c = container(['sleep', '1000']);
    kago.ok(['create', '--bundle', c.bundle.dir, c.id]);
    const pid = kago.state(c.id).pid;
    c.pids.push(pid);
    assert.ok(
      readFileSync(join(v2Dir(c.id), 'cgroup.procs'), 'utf8')
        .split('\n')
        .includes(String(pid)),
    );
    kago.ok(['start', c.id]);
    const f = { version: 2 as const, dir: v2Dir(c.id) };
    freeze(f);
    assert.ok(isFrozen(f));
    assert.match(readFileSync(join(v2Dir(c.id), 'cgroup.events'), 'utf8'), /^frozen 1$/m);
    thaw(f);
    assert.ok(!isFrozen(f));
  });

  it('cgroup.kill ends every process of the container', function () {
    const c = container(shell('sleep 1000 & sleep 1000 & wait'));
    kago.ok(['run', '--detach', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    waitFor(
      () =>
        readFileSync(join(v2Dir(c.id), 'cgroup.procs'), 'utf8')
          .trim()
          .split('\n').length === 3,
    );
    c.pids.push(
      ...readFileSync(join(v2Dir(c.id), 'cgroup.procs'), 'utf8')
        .trim()
        .split('\n')
        .map(Number),
    );
    killCgroupProcesses([v2Dir(c.id)]);
    waitFor(() => readFileSync(join(v2Dir(c.id), 'cgroup.procs'), 'utf8').trim() === '');
    waitFor(() => kago.state(c.id).status === 'stopped');
  });

  it("the eBPF device program attached to the container's v2 cgroup denies a device", function () {
    const c = container(shell('cat /dev/null 2>/tmp/read; echo x > /dev/null && echo write-ok > /tmp/write; head -c 1 /dev/zero > /tmp/zero'), (s) => {
      s.root!.readonly = false;
    });
    kago.ok(['create', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    // This host enforces devices with the v1 controller; the program is
    // attached here as it is on a v2 host, to the container's own cgroup.
    const program = getCore().cgroups.deviceProgram([
      { allow: false, access: 'rwm' },
      { allow: false, type: 'c', major: 1, minor: 3, access: 'r' },
    ]);
    attachDeviceProgram(v2Dir(c.id), program);
    kago.ok(['start', c.id]);
    waitFor(() => kago.state(c.id).status === 'stopped');
    const tmp = join(c.bundle.rootfs, 'tmp');
    assert.match(readFileSync(join(tmp, 'read'), 'utf8'), /can't open '\/dev\/null': Operation not permitted/);
    assert.equal(readFileSync(join(tmp, 'write'), 'utf8'), 'write-ok\n');
    assert.equal(readFileSync(join(tmp, 'zero'), 'utf8'), '\0');
  });

  it('writes v2 limits of the controllers the hierarchy has (hugetlb)', function () {
    const controllers = readFileSync(join(unified!.mountPoint, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (!controllers.includes('hugetlb') || !existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) this.skip();
    const c = container(['sleep', '1000'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, hugepageLimits: [{ pageSize: '2MB', limit: 4 * 1024 * 1024 }] };
    });
    kago.ok(['create', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    assert.equal(readFileSync(join(v2Dir(c.id), 'hugetlb.2MB.max'), 'utf8').trim(), String(4 * 1024 * 1024));
    const stats = JSON.parse(kago.ok(['events', '--stats', c.id]).stdout) as { data: { hugetlb: Record<string, unknown> } };
    assert.ok('2MB' in stats.data.hugetlb);
  });
});

// The container's processes created in their cgroup by
// clone3(CLONE_INTO_CGROUP), on a pure cgroup v2 host (make test-v2 runs
// this in the VM). What shows that the forking process never entered the
// cgroup: pids.max 1 holds init alone, and a process that moved in and then
// forked init there would have needed 2 (the fork fails with EAGAIN and
// pids.events counts it). The fallback, a cgroup.procs write where clone3
// is refused, shows the opposite, and `exec` is checked the same way with
// pids.max 2 (init and the new process).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { kagoBin, repoRoot, runcBin } from '../helpers/paths.ts';
import { CGROUP_ROOT, describeV2, keyed, readCg, rmdirTree, v2Bundle, v2Harness, watchInit } from './fixture.ts';

/** The cgroup path a process is in, as the host sees it (/proc/PID/cgroup's "0::PATH"). */
function cgroupOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim();
}

/** runc spec's config has a cgroup namespace; without it the process sees its host path. */
function noCgroupNs(s: Spec): void {
  s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'cgroup');
}

function procs(dir: string): number[] {
  return readCg(dir, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
}

describeV2('kago: processes created in their cgroup with clone3(CLONE_INTO_CGROUP)', function () {
  const h = v2Harness(kagoBin);
  const kago = h.kago;

  it('run: init alone fits pids.max 1, and sees itself in its cgroup', function () {
    const c = v2Bundle(h, ['cat', '/proc/self/cgroup'], { pids: { limit: 1 } }, noCgroupNs);
    const r = kago.ok(['run', '--bundle', c.bundleDir, c.id]);
    assert.equal(r.stdout, `0::${c.dir.slice(CGROUP_ROOT.length)}\n`);
  });

  it("create/start: init is the cgroup's only process from create on, and no fork was refused", function () {
    const c = v2Bundle(h, ['sleep', '1000'], { pids: { limit: 1 } });
    kago.ok(['create', '--bundle', c.bundleDir, c.id]);
    watchInit(h, c.id);
    const pid = kago.state(c.id).pid;
    assert.deepEqual(procs(c.dir), [pid]);
    assert.equal(cgroupOf(pid), `0::${c.dir.slice(CGROUP_ROOT.length)}`);
    assert.equal(readCg(c.dir, 'pids.current'), '1');
    assert.equal(keyed(c.dir, 'pids.events').max, 0);
    assert.equal(keyed(c.dir, 'cgroup.events').populated, 1);
    kago.ok(['start', c.id]);
    assert.equal(kago.state(c.id).status, 'running');
    assert.deepEqual(procs(c.dir), [pid]);
    assert.equal(keyed(c.dir, 'pids.events').max, 0);
  });

  it("exec: the new process is created in the container's cgroup beside init within pids.max 2", function () {
    const c = v2Bundle(h, ['sleep', '1000'], { pids: { limit: 2 } }, noCgroupNs);
    kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
    watchInit(h, c.id);
    const r = kago.ok(['exec', c.id, 'cat', '/proc/self/cgroup']);
    assert.equal(r.stdout, `0::${c.dir.slice(CGROUP_ROOT.length)}\n`);
    assert.equal(keyed(c.dir, 'pids.events').max, 0);
  });

  it("a new cgroup namespace is rooted at the container's cgroup (init makes it there)", function () {
    // runc spec's config has one
    const c = v2Bundle(h, ['cat', '/proc/self/cgroup'], { pids: { limit: 1 } });
    assert.ok(c.spec.linux!.namespaces!.some((ns) => ns.type === 'cgroup'));
    const r = kago.ok(['run', '--bundle', c.bundleDir, c.id]);
    assert.equal(r.stdout, '0::/\n');
  });

  it('exec into a container with its own cgroup namespace: created in the cgroup, then joins the namespace', function () {
    // Joined before the fork, the namespace would refuse a clone from
    // kago's cgroup, outside its root: the new process joins it itself.
    const c = v2Bundle(h, ['sleep', '1000'], { pids: { limit: 2 } });
    kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
    watchInit(h, c.id);
    const r = kago.ok(['exec', c.id, 'cat', '/proc/self/cgroup']);
    assert.equal(r.stdout, '0::/\n');
    assert.equal(keyed(c.dir, 'pids.events').max, 0);
  });

  it('create primes the cgroup migration path only where init is not cloned into its cgroup', function () {
    // Priming is the executor moving itself into kago's cgroup while it
    // waits (cgroups/prime.ts): with clone3 there is no migration to warm.
    const debugLog = (c: { bundleDir: string; id: string }) => {
      const file = h.scratch(join(tmpdir(), `${c.id}.log`));
      kago.ok(['--debug', '--log', file, 'create', '--bundle', c.bundleDir, c.id]);
      return readFileSync(file, 'utf8');
    };
    const cloned = v2Bundle(h, ['true'], {}, noCgroupNs);
    assert.match(debugLog(cloned), /init will be cloned into its cgroup: no priming/);
    // A joined cgroup namespace makes the executor fall back to the cgroup.procs write.
    const written = v2Bundle(h, ['true'], {}, (s) => {
      noCgroupNs(s);
      s.linux!.namespaces!.push({ type: 'cgroup', path: '/proc/1/ns/cgroup' });
    });
    assert.match(debugLog(written), /priming the cgroup migration path/);
  });

  it('a nested cgroupsPath: init is created in the innermost level', function () {
    const c = v2Bundle(h, ['cat', '/proc/self/cgroup'], { pids: { limit: 1 } }, (s, id) => {
      noCgroupNs(s);
      s.linux!.cgroupsPath = `/kago-clone-${id}/outer/inner`;
    });
    h.defer(() => rmdirTree(join(CGROUP_ROOT, `kago-clone-${c.id}`)));
    const r = kago.ok(['run', '--bundle', c.bundleDir, c.id]);
    assert.equal(r.stdout, `0::/kago-clone-${c.id}/outer/inner\n`);
  });

  it('the executor falls back to the write on ENOSYS, E2BIG and EPERM, and reports other errors (test/v2/fork-fallback.py)', function () {
    // kago cannot run under an EPERM or E2BIG filter on clone3 (glibc's
    // threads fall back only on ENOSYS): the script drives the executor alone.
    const r = spawnSync('python3', [join(repoRoot, 'test/v2/fork-fallback.py')], { encoding: 'utf8', timeout: 300_000 });
    process.stderr.write(`${r.stdout.trimEnd().replace(/^/gm, '      ')}\n`);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal((r.stdout.match(/^ok /gm) ?? []).length, 10, r.stdout);
  });

  describe('where clone3 fails with ENOSYS (a seccomp filter around kago)', function () {
    const wrapped = (args: string[]) => {
      const r = spawnSync('python3', [join(repoRoot, 'test/v2/clone3_filter.py'), kagoBin, '--root', kago.root, ...args], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it('the executor writes cgroup.procs instead: init is in its cgroup, and the forking process was there too', function () {
      const c = v2Bundle(h, ['cat', '/proc/self/cgroup'], { pids: { limit: 2 } }, noCgroupNs);
      const r = wrapped(['run', '--bundle', c.bundleDir, c.id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `0::${c.dir.slice(CGROUP_ROOT.length)}\n`);
      // pids.max 1 has no room for the fork after the write.
      const d = v2Bundle(h, ['sleep', '1000'], { pids: { limit: 1 } });
      const refused = wrapped(['create', '--bundle', d.bundleDir, d.id]);
      assert.notEqual(refused.code, 0, 'create with pids.max 1 succeeded without clone3');
      assert.match(refused.stderr, /EAGAIN/);
    });
  });
});

describeV2('runc 1.1.5 beside it: init in its cgroup from create on', function () {
  const h = v2Harness(runcBin);

  it("cgroup.procs holds init alone after create, and init is in the container's cgroup", function () {
    // runc moves its init process in and writes the limits once it is
    // there, so pids.max 1 does not show how it got in.
    const c = v2Bundle(h, ['sleep', '1000'], { pids: { limit: 1 } });
    h.kago.ok(['create', '--bundle', c.bundleDir, c.id]);
    const pid = h.kago.state(c.id).pid;
    assert.deepEqual(procs(c.dir), [pid]);
    assert.equal(cgroupOf(pid), `0::${c.dir.slice(CGROUP_ROOT.length)}`);
  });
});

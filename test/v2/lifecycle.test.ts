// The commands that act on a container's cgroup, on a pure v2 host (the VM
// of make test-v2), kago beside runc 1.1.5: pause/resume through
// cgroup.freeze, kill through cgroup.kill, ps, events --stats from v2
// files, delete removing the cgroup, and the cleanup after a crash.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRASH_POINTS } from '../../host/lifecycle/crash.ts';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { faultInjectingKagoBin, kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { describeV2, keyed, readCg, v2Bundle, v2Harness, watchInit } from './fixture.ts';

const MiB = 1024 * 1024;

/** The part of `events --stats` data these tests read. */
interface StatsData {
  cpu: { usage: { total: number } };
  memory: { usage: { usage: number; limit: number }; raw: Record<string, number> };
  pids: { current: number; limit: number };
}

function procs(dir: string): number[] {
  return readCg(dir, 'cgroup.procs')
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
}

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describeV2(`${name}: a container's v2 cgroup through its life`, function () {
    const h = v2Harness(bin);
    const kago = h.kago;

    function running(args: string[], resources = {}) {
      const c = v2Bundle(h, args, resources);
      kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      return c;
    }

    it('pause freezes the cgroup through cgroup.freeze, resume thaws it', function () {
      const c = running(shell('while :; do sleep 0.1; done'));
      kago.ok(['pause', c.id]);
      assert.equal(readCg(c.dir, 'cgroup.freeze'), '1');
      assert.equal(keyed(c.dir, 'cgroup.events').frozen, 1);
      assert.equal(kago.state(c.id).status, 'paused');
      kago.ok(['resume', c.id]);
      assert.equal(readCg(c.dir, 'cgroup.freeze'), '0');
      assert.equal(keyed(c.dir, 'cgroup.events').frozen, 0);
      assert.equal(kago.state(c.id).status, 'running');
    });

    it('ps lists the processes of the cgroup', function () {
      const c = running(shell('sleep 1000 & sleep 1000 & wait'));
      waitFor(() => procs(c.dir).length === 3, 60_000);
      const listed = (JSON.parse(kago.ok(['ps', '--format', 'json', c.id]).stdout) as number[]).sort((a, b) => a - b);
      assert.deepEqual(listed, procs(c.dir));
    });

    it('kill --all signals every process of the cgroup', function () {
      const c = running(shell('trap "" TERM; sleep 1000 & sleep 1000 & wait'));
      waitFor(() => procs(c.dir).length === 3, 60_000);
      kago.ok(['kill', '--all', c.id, 'KILL']);
      waitFor(() => procs(c.dir).length === 0, 60_000);
      waitFor(() => kago.state(c.id).status === 'stopped', 60_000);
    });

    it('delete --force of a running container kills all of it and removes its cgroup', function () {
      const c = running(shell('sleep 1000 & sleep 1000 & wait'));
      waitFor(() => procs(c.dir).length === 3, 60_000);
      kago.ok(['delete', '--force', c.id]);
      assert.ok(!existsSync(c.dir), `${c.dir} is still there`);
    });

    it('delete of a stopped container removes its cgroup', function () {
      const c = running(['true']);
      waitFor(() => kago.state(c.id).status === 'stopped', 60_000);
      kago.ok(['delete', c.id]);
      assert.ok(!existsSync(c.dir));
    });

    it('a container whose init was killed from outside is cleaned up by delete', function () {
      const c = running(['sleep', '1000']);
      const pid = kago.state(c.id).pid;
      process.kill(pid, 'SIGKILL');
      waitFor(() => kago.state(c.id).status === 'stopped', 60_000);
      kago.ok(['delete', c.id]);
      assert.ok(!existsSync(c.dir));
    });

    it('events --stats reads cpu, memory and pids from the v2 files', function () {
      const c = running(shell('head -c 8m /dev/zero > /fill; sleep 1000 & wait'), { memory: { limit: 64 * MiB }, pids: { limit: 20 } });
      waitFor(() => procs(c.dir).length === 2, 60_000);
      const e = JSON.parse(kago.ok(['events', '--stats', c.id]).stdout) as { type: string; id: string; data: StatsData };
      assert.equal(e.type, 'stats');
      assert.equal(e.id, c.id);
      assert.equal(e.data.pids.current, 2);
      assert.equal(e.data.pids.limit, 20);
      assert.equal(e.data.memory.usage.limit, 64 * MiB);
      assert.ok(e.data.memory.usage.usage > 0);
      assert.ok(e.data.cpu.usage.total > 0);
      // memory.stat, as it is: the keys of v2, not v1's
      assert.ok(e.data.memory.raw.file > 0 && 'anon' in e.data.memory.raw && !('rss' in e.data.memory.raw), JSON.stringify(e.data.memory.raw));
    });

    it('update changes the limits of a running container in its v2 files', function () {
      const c = running(['sleep', '1000'], {
        memory: { limit: 64 * MiB, swap: 64 * MiB },
        cpu: { shares: 1024, quota: 50000, period: 100000 },
        pids: { limit: 20 },
      });
      kago.ok(['update', '--memory', '32m', '--memory-swap', '48m', '--memory-reservation', '16m', c.id]);
      assert.equal(readCg(c.dir, 'memory.max'), String(32 * MiB));
      assert.equal(readCg(c.dir, 'memory.swap.max'), String(16 * MiB));
      assert.equal(readCg(c.dir, 'memory.low'), String(16 * MiB));
      kago.ok(['update', '--cpu-share', '2048', '--cpu-quota', '20000', c.id]);
      // 1 + (2048 - 2) * 9999 / 262142
      assert.equal(readCg(c.dir, 'cpu.weight'), '79');
      assert.equal(readCg(c.dir, 'cpu.max'), '20000 100000');
      kago.ok(['update', '--cpu-period', '200000', c.id]);
      assert.equal(readCg(c.dir, 'cpu.max'), '20000 200000');
      kago.ok(['update', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--pids-limit', '9', c.id]);
      assert.equal(readCg(c.dir, 'cpuset.cpus'), '0');
      assert.equal(readCg(c.dir, 'cpuset.mems'), '0');
      assert.equal(readCg(c.dir, 'pids.max'), '9');
      kago.ok(['update', '--blkio-weight', '300', c.id]);
      // 1 + (300 - 10) * 9999 / 990
      assert.match(readCg(c.dir, 'io.weight'), /^default 2930$/m);
    });

    it('update -r takes linux.resources from a file, unified included', function () {
      const c = running(['sleep', '1000'], { pids: { limit: 20 } });
      const file = join(c.bundleDir, 'update.json');
      writeFileSync(
        file,
        JSON.stringify({ pids: { limit: 11 }, hugepageLimits: [{ pageSize: '2MB', limit: 2 * MiB }], unified: { 'memory.high': String(40 * MiB) } }),
      );
      kago.ok(['update', '-r', file, c.id]);
      assert.equal(readCg(c.dir, 'pids.max'), '11');
      assert.equal(readCg(c.dir, 'memory.high'), String(40 * MiB));
      // runc 1.1.5's update takes no hugepageLimits from the file; kago applies them
      assert.equal(readCg(c.dir, 'hugetlb.2MB.max'), name === 'kago' ? String(2 * MiB) : 'max');
    });
  });
}

describeV2('kago: a crash during create on a pure v2 host (the test build)', function () {
  const h = harness({ base: 'runc', bin: faultInjectingKagoBin });
  for (const point of CRASH_POINTS) {
    it(`delete --force removes the v2 cgroup after kill -9 of create at "${point}"`, function () {
      const c = v2Bundle(h, ['sleep', '1000'], { pids: { limit: 10 } });
      const r = h.kago.run(['create', '--bundle', c.bundleDir, c.id], { env: { ...process.env, KAGO_CRASH_AT: point } });
      assert.equal(r.signal, 'SIGKILL', `create should have been killed: ${r.stderr}`);
      let pid = 0;
      try {
        pid = (JSON.parse(readFileSync(join(h.kago.root, c.id, 'state.json'), 'utf8')) as { pid: number }).pid;
      } catch {
        // no state yet at the earliest points
      }
      if (pid) h.watch(pid);
      h.kago.ok(['delete', '--force', c.id]);
      assert.ok(!existsSync(c.dir), `${c.dir} is still there`);
    });
  }
});

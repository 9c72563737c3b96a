// linux.resources on a pure cgroup v2 host, for real (make test-v2 runs this
// in the VM): what kago and runc 1.1.5 write to the container's cgroup, and
// that the kernel holds the container to it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { describeV2, keyed, readCg, v2Bundle, v2Harness, watchInit } from './fixture.ts';

const MiB = 1024 * 1024;

/** The virtio disk the VM attaches for the io tests (major:minor). */
function vda(): { major: number; minor: number } | null {
  try {
    const [major, minor] = readFileSync('/sys/block/vda/dev', 'utf8').trim().split(':').map(Number);
    return { major: major!, minor: minor! };
  } catch {
    return null;
  }
}

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describeV2(`${name}: linux.resources on a pure cgroup v2 host`, function () {
    const h = v2Harness(bin);

    function created(resources: Parameters<typeof v2Bundle>[2], args = ['sleep', '1000'], configure?: Parameters<typeof v2Bundle>[3]) {
      const c = v2Bundle(h, args, resources, configure);
      h.kago.ok(['create', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      return c;
    }

    it('memory: limit, swap and reservation become memory.max, memory.swap.max and memory.low', function () {
      const c = created({ memory: { limit: 64 * MiB, swap: 96 * MiB, reservation: 32 * MiB } });
      assert.equal(readCg(c.dir, 'memory.max'), String(64 * MiB));
      // the spec's swap is memory+swap; v2's swap.max is swap alone
      assert.equal(readCg(c.dir, 'memory.swap.max'), String(32 * MiB));
      assert.equal(readCg(c.dir, 'memory.low'), String(32 * MiB));
    });

    it('memory: an unlimited limit (-1) is "max" in memory.max and memory.swap.max', function () {
      const c = created({ memory: { limit: -1 } });
      assert.equal(readCg(c.dir, 'memory.max'), 'max');
      assert.equal(readCg(c.dir, 'memory.swap.max'), 'max');
    });

    it('memory: unified memory.high and memory.oom.group are written as given', function () {
      const c = created({ unified: { 'memory.high': String(48 * MiB), 'memory.oom.group': '1' } });
      assert.equal(readCg(c.dir, 'memory.high'), String(48 * MiB));
      assert.equal(readCg(c.dir, 'memory.oom.group'), '1');
    });

    it('memory: an allocation past memory.max is OOM-killed, counted in memory.events and reported by events', function () {
      // dd's 64 MiB buffer, filled from /dev/zero, cannot fit in 16 MiB without swap.
      const c = v2Bundle(h, shell('while [ ! -e /go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1000'), {
        memory: { limit: 16 * MiB, swap: 16 * MiB },
      });
      h.kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      const out = h.scratch(join(c.bundleDir, '..', `${c.id}.events`));
      const fd = openSync(out, 'w');
      const events = spawn(bin, ['--root', h.kago.root, 'events', '--interval', '1s', c.id], { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      const lines = () =>
        readFileSync(out, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { type: string; id: string });
      try {
        // An OOM before events watches memory.events is not an event: its first stats line says it does.
        waitFor(() => lines().some((e) => e.type === 'stats'), 60_000);
        writeFileSync(join(c.bundleDir, 'rootfs', 'go'), '');
        waitFor(() => keyed(c.dir, 'memory.events').oom_kill! >= 1, 60_000);
        assert.ok(keyed(c.dir, 'memory.events').oom! >= 1);
        waitFor(() => lines().some((e) => e.type === 'oom' && e.id === c.id), 60_000);
      } finally {
        events.kill('SIGKILL');
      }
    });

    it("cpu: shares become cpu.weight by runc's conversion; quota and period cpu.max", function () {
      const c = created({ cpu: { shares: 1024, quota: 50000, period: 100000 } });
      // 1 + (1024 - 2) * 9999 / 262142
      assert.equal(readCg(c.dir, 'cpu.weight'), '39');
      assert.equal(readCg(c.dir, 'cpu.max'), '50000 100000');
    });

    it('cpu: a quota alone keeps the default period', function () {
      const c = created({ cpu: { quota: 20000 } });
      assert.equal(readCg(c.dir, 'cpu.max'), '20000 100000');
    });

    it('cpu: a quota of -1 is "max"', function () {
      const c = created({ cpu: { quota: -1, period: 50000 } });
      assert.equal(readCg(c.dir, 'cpu.max'), 'max 50000');
    });

    // runc 1.1.5 has neither idle nor burst (runc 1.2 added both): its files stay 0.
    it(`cpu: idle ${name === 'kago' ? 'becomes cpu.idle' : 'is ignored by runc 1.1.5'}`, function () {
      const c = created({ cpu: { idle: 1 } });
      assert.equal(readCg(c.dir, 'cpu.idle'), name === 'kago' ? '1' : '0');
    });

    it(`cpu: burst ${name === 'kago' ? 'becomes cpu.max.burst' : 'is ignored by runc 1.1.5'}`, function () {
      const c = created({ cpu: { quota: 50000, period: 100000, burst: 20000 } });
      assert.equal(readCg(c.dir, 'cpu.max.burst'), name === 'kago' ? '20000' : '0');
    });

    it('cpuset: cpus and mems are written and bind the container', function () {
      const c = created({ cpu: { cpus: '1', mems: '0' } }, shell('grep Cpus_allowed_list /proc/self/status > /cpus; sleep 1000'));
      assert.equal(readCg(c.dir, 'cpuset.cpus'), '1');
      assert.equal(readCg(c.dir, 'cpuset.mems'), '0');
      h.kago.ok(['start', c.id]);
      const file = join(c.bundleDir, 'rootfs', 'cpus');
      waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('\n'), 60_000);
      assert.match(readFileSync(file, 'utf8'), /^Cpus_allowed_list:\s+1$/m);
    });

    it('pids: pids.max holds the container to its limit, counted in pids.events', function () {
      const c = created({ pids: { limit: 5 } }, shell('for i in 1 2 3 4 5 6 7 8; do sleep 1000 & done 2>/dev/null; sleep 1000'));
      assert.equal(readCg(c.dir, 'pids.max'), '5');
      h.kago.ok(['start', c.id]);
      waitFor(() => keyed(c.dir, 'pids.events').max! >= 1, 60_000);
      assert.ok(Number(readCg(c.dir, 'pids.current')) <= 5);
    });

    it('io: weight becomes io.weight (no BFQ here) and throttles become io.max on the virtio disk', function () {
      const disk = vda();
      if (!disk) this.skip();
      const { major, minor } = disk!;
      const c = created({
        blockIO: {
          weight: 500,
          throttleReadBpsDevice: [{ major, minor, rate: 1 * MiB }],
          throttleWriteBpsDevice: [{ major, minor, rate: 2 * MiB }],
          throttleReadIOPSDevice: [{ major, minor, rate: 100 }],
          throttleWriteIOPSDevice: [{ major, minor, rate: 200 }],
        },
      });
      // runc's ConvertBlkIOToIOWeightValue: 1 + (500 - 10) * 9999 / 990
      assert.match(readCg(c.dir, 'io.weight'), /^default 4950$/m);
      assert.equal(readCg(c.dir, 'io.max'), `${major}:${minor} rbps=${MiB} wbps=${2 * MiB} riops=100 wiops=200`);
    });

    it('hugetlb: hugetlb.2MB.max is written and an allocation past it fails, counted in hugetlb.2MB.events', function () {
      if (!readFileSync('/proc/meminfo', 'utf8').match(/^HugePages_Free:\s+[1-9]/m)) this.skip();
      const c = created(
        { hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }] },
        shell('fallocate -l 4M /huge/fits && echo fits > /result; fallocate -l 8M /huge/over 2>/dev/null || echo refused >> /result; sleep 1000'),
        (s) => s.mounts!.push({ destination: '/huge', type: 'hugetlbfs', source: 'hugetlbfs', options: ['pagesize=2M'] }),
      );
      assert.equal(readCg(c.dir, 'hugetlb.2MB.max'), String(4 * MiB));
      h.kago.ok(['start', c.id]);
      const file = join(c.bundleDir, 'rootfs', 'result');
      waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('refused'), 60_000);
      assert.equal(readFileSync(file, 'utf8'), 'fits\nrefused\n');
      assert.ok(keyed(c.dir, 'hugetlb.2MB.events').max! >= 1);
    });

    it('unified: entries are written as given and override a converted field', function () {
      const c = created({ pids: { limit: 10 }, unified: { 'pids.max': '7', 'cpu.weight': '300' } });
      assert.equal(readCg(c.dir, 'pids.max'), '7');
      assert.equal(readCg(c.dir, 'cpu.weight'), '300');
    });

    it('unified: a file of a controller the host does not have is refused and leaves nothing behind', function () {
      const c = v2Bundle(h, ['true'], { unified: { 'nosuch.max': '1' } });
      const r = h.kago.run(['create', '--bundle', c.bundleDir, c.id]);
      assert.notEqual(r.code, 0);
      assert.ok(!existsSync(c.dir));
    });
  });
}

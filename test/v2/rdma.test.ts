// linux.resources.rdma on a pure cgroup v2 host (make test-v2 runs this in
// the VM, whose init makes a soft-RoCE device rxe0 on a dummy interface):
// what kago and runc 1.1.5 write to rdma.max, what `update -r` does to it,
// and that the kernel holds a process in the container's cgroup to it when
// it opens the device through libibverbs (ibverbs-utils' ibv_devinfo and
// ibv_rc_pingpong, run from the host: the busybox rootfs has no verbs library).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { describeV2, readCg, v2Bundle, v2Harness, watchInit } from './fixture.ts';

const DEVICE = 'rxe0';

/** Why the VM's RDMA device is missing (its init says why on the console), or null. */
function noDevice(): string | null {
  let devices: string[];
  try {
    devices = readdirSync('/sys/class/infiniband');
  } catch {
    return 'no /sys/class/infiniband';
  }
  return devices.includes(DEVICE) ? null : `no ${DEVICE} in /sys/class/infiniband (${devices.join(', ') || 'empty'})`;
}

/** Runs a verbs tool as a member of the cgroup dir: the shell joins it, then becomes the tool. */
function inCgroup(dir: string, command: string): { code: number | null; output: string } {
  const r = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec ${command}`], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Whether a TCP socket listens on port (any address, v4 or v6). */
function listening(port: number): boolean {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // fields: sl, local_address, rem_address, st (0A is TCP_LISTEN), ...
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .some((line) => {
        const f = line.trim().split(/\s+/);
        return f[1]?.endsWith(local) === true && f[3] === '0A';
      }),
  );
}

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describeV2(`${name}: linux.resources.rdma on a pure cgroup v2 host`, function () {
    const h = v2Harness(bin);

    before(function () {
      // In the VM the device is part of the fixture: its absence is a failure, not a skip.
      const why = noDevice();
      if (why && !process.env.KAGO_TEST_VM) this.skip();
      assert.equal(why, null, `the VM's soft-RoCE device: ${why}`);
    });

    function created(rdma: Record<string, { hcaHandles?: number; hcaObjects?: number }>) {
      // The device program would otherwise keep the verbs tools from the
      // device node whatever the rdma limits say.
      const [major, minor] = readFileSync('/sys/class/infiniband_verbs/uverbs0/dev', 'utf8').trim().split(':').map(Number);
      const c = v2Bundle(h, ['sleep', '1000'], { rdma }, (s) => {
        s.linux!.resources!.devices = [...(s.linux!.resources!.devices ?? []), { allow: true, type: 'c', major, minor, access: 'rw' }];
      });
      h.kago.ok(['create', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      return c;
    }

    it('both limits of a device become one rdma.max line', function () {
      const c = created({ [DEVICE]: { hcaHandles: 3, hcaObjects: 100 } });
      assert.equal(readCg(c.dir, 'rdma.max'), `${DEVICE} hca_handle=3 hca_object=100`);
      assert.equal(readCg(c.dir, 'rdma.current'), `${DEVICE} hca_handle=0 hca_object=0`);
    });

    it('a handle limit alone leaves hca_object at "max"', function () {
      const c = created({ [DEVICE]: { hcaHandles: 2 } });
      assert.equal(readCg(c.dir, 'rdma.max'), `${DEVICE} hca_handle=2 hca_object=max`);
    });

    it('an object limit alone leaves hca_handle at "max"', function () {
      const c = created({ [DEVICE]: { hcaObjects: 7 } });
      assert.equal(readCg(c.dir, 'rdma.max'), `${DEVICE} hca_handle=max hca_object=7`);
    });

    it('a device the host does not have is refused and leaves nothing behind', function () {
      const c = v2Bundle(h, ['sleep', '1000'], { rdma: { nosuchdev0: { hcaHandles: 1 } } });
      const r = h.kago.run(['create', '--bundle', c.bundleDir, c.id]);
      assert.notEqual(r.code, 0, 'create with an unknown rdma device succeeded');
      assert.ok(!existsSync(c.dir), `${c.dir} is still there`);
    });

    it('update -r with rdma: kago rewrites rdma.max, runc 1.1.5 ignores it', function () {
      const c = created({ [DEVICE]: { hcaHandles: 3, hcaObjects: 100 } });
      const file = join(c.bundleDir, 'update.json');
      writeFileSync(file, JSON.stringify({ rdma: { [DEVICE]: { hcaHandles: 1, hcaObjects: 50 } } }));
      h.kago.ok(['update', '-r', file, c.id]);
      assert.equal(readCg(c.dir, 'rdma.max'), name === 'kago' ? `${DEVICE} hca_handle=1 hca_object=50` : `${DEVICE} hca_handle=3 hca_object=100`);
    });

    it('no handle allowed: a process in the cgroup cannot open the device', function () {
      const c = created({ [DEVICE]: { hcaHandles: 0 } });
      const refused = inCgroup(c.dir, `ibv_devinfo -d ${DEVICE}`);
      assert.notEqual(refused.code, 0, `ibv_devinfo opened ${DEVICE} with hca_handle=0:\n${refused.output}`);
      assert.equal(readCg(c.dir, 'rdma.current'), `${DEVICE} hca_handle=0 hca_object=0`);
    });

    // What ibv_rc_pingpong's server charges while it waits for a client
    // (it makes its PD, MR, CQ and QP first), measured by the next test.
    let pingpongObjects = 0;

    it('one handle allowed: the device opens, and the objects of its user are charged', async function () {
      const c = created({ [DEVICE]: { hcaHandles: 1, hcaObjects: 100 } });
      const opened = inCgroup(c.dir, `ibv_devinfo -d ${DEVICE}`);
      assert.equal(opened.code, 0, `ibv_devinfo with hca_handle=1:\n${opened.output}`);
      assert.match(opened.output, new RegExp(`hca_id:\\s+${DEVICE}`));
      const server = spawn('sh', ['-c', `echo $$ > ${c.dir}/cgroup.procs && exec ibv_rc_pingpong -d ${DEVICE} -g 0 -p 18515`], { stdio: 'ignore' });
      try {
        // It listens once its objects are made.
        waitFor(() => listening(18515), 60_000);
        const current = readCg(c.dir, 'rdma.current');
        process.stderr.write(`      (${name}: rdma.current while ibv_rc_pingpong waits: ${current})\n`);
        const m = new RegExp(`^${DEVICE} hca_handle=1 hca_object=(\\d+)$`).exec(current);
        assert.ok(m, current);
        pingpongObjects = Number(m[1]);
        assert.ok(pingpongObjects > 1 && pingpongObjects <= 100, current);
      } finally {
        server.kill('SIGKILL');
        await new Promise((done) => (server.exitCode !== null || server.signalCode !== null ? done(null) : server.once('exit', done)));
      }
    });

    it('one object fewer than a verbs program needs: it fails to set up', function () {
      assert.ok(pingpongObjects > 1, 'the test before measured no objects');
      const c = created({ [DEVICE]: { hcaHandles: 1, hcaObjects: pingpongObjects - 1 } });
      const short = inCgroup(c.dir, `ibv_rc_pingpong -d ${DEVICE} -g 0 -p 18516`);
      assert.notEqual(short.code, 0, `ibv_rc_pingpong ran with hca_object=${pingpongObjects - 1}:\n${short.output}`);
      assert.match(short.output, /Couldn't (create|register|allocate)/);
      // what it had made is given back when it fails
      assert.equal(readCg(c.dir, 'rdma.current'), `${DEVICE} hca_handle=0 hca_object=0`);
    });
  });
}

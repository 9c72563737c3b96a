// The cgroup v2 device controller is an eBPF program the runtime attaches to
// the container's cgroup (there are no devices.* files on v2). On a pure v2
// host it is the only thing that enforces linux.resources.devices: kago and
// runc 1.1.5, side by side, in the VM of make test-v2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { describeV2, readCg, v2Bundle, v2Harness, watchInit } from './fixture.ts';

/** A virtio disk of the VM: vda for the io tests, vdb its swap. */
function disk(name = 'vda'): { major: number; minor: number } | null {
  try {
    const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
    return { major: major!, minor: minor! };
  } catch {
    return null;
  }
}

// Each line of /probe.N: a device opened for reading or writing, and whether
// the open worked (the program decides at open; none of these needs a capability).
const PROBE = [
  'try() { if sh -c "$2" 2>/dev/null; then echo "$1 ok"; else echo "$1 denied"; fi; }',
  'probe() {',
  '  try null-write ": > /dev/null"',
  '  try zero-read ": < /dev/zero"',
  '  try disk-read ": < /disk"',
  '  try disk-write ": > /disk"',
  '  try other-disk-read ": < /other"',
  '  try tun-read ": < /tun"',
  '}',
  'probe > /probe.1; while [ ! -e /again ]; do sleep 0.1; done; probe > /probe.2; sleep 1000',
].join('\n');

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describeV2(`${name}: the cgroup v2 device program`, function () {
    const h = v2Harness(bin);

    function probe(c: { bundleDir: string }, n: number): Record<string, string> {
      const file = join(c.bundleDir, 'rootfs', `probe.${n}`);
      waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('tun-read'), 60_000);
      return Object.fromEntries(
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(' ') as [string, string]),
      );
    }

    it('allows what the rules allow, with the access they give, and denies the rest; still after update', function () {
      const vda = disk();
      if (!vda) this.skip();
      const { major, minor } = vda!;
      const c = v2Bundle(h, shell(PROBE), {
        // runc spec's config starts with "deny all": this allows reading the disk, not writing it.
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'b', major, minor, access: 'r' },
        ],
        pids: { limit: 100 },
      });
      // Nodes in the root filesystem, made by the test: only the program stands between them and the container.
      const rootfs = join(c.bundleDir, 'rootfs');
      assert.equal(spawnSync('mknod', [join(rootfs, 'disk'), 'b', String(major), String(minor)]).status, 0);
      const other = disk('vdb');
      assert.ok(other, 'no /dev/vdb');
      assert.equal(spawnSync('mknod', [join(rootfs, 'tun'), 'c', '10', '200']).status, 0);
      assert.equal(spawnSync('mknod', [join(rootfs, 'other'), 'b', String(other.major), String(other.minor)]).status, 0);
      h.kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      const want = {
        'null-write': 'ok',
        'zero-read': 'ok',
        'disk-read': 'ok',
        'disk-write': 'denied',
        'other-disk-read': 'denied',
        // runc 1.1.5's default list allows /dev/net/tun (runc 1.2.2 dropped it)
        'tun-read': 'ok',
      };
      assert.deepEqual(probe(c, 1), want);
      // runc replaces the program on update, kago keeps the one create attached: either way it still holds.
      h.kago.ok(['update', '--pids-limit', '50', c.id]);
      assert.equal(readCg(c.dir, 'pids.max'), '50');
      spawnSync('touch', [join(rootfs, 'again')]);
      assert.deepEqual(probe(c, 2), want);
    });

    // linux.devices are nodes to make; whether the container may open one is
    // the rules' to say (as runc): runc spec's "deny all" keeps it closed.
    it('a device of linux.devices is made in the container but stays closed without a rule', function () {
      const vda = disk();
      if (!vda) this.skip();
      const { major, minor } = vda!;
      const c = v2Bundle(h, shell('head -c 512 /dev/vda | wc -c > /out; head -c 1 /dev/full > /dev/null && echo full-ok >> /out; sleep 1000'), {}, (s) => {
        s.linux!.devices = [{ path: '/dev/vda', type: 'b', major, minor, fileMode: 0o660, uid: 0, gid: 0 }];
      });
      h.kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      const out = join(c.bundleDir, 'rootfs', 'out');
      waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('full-ok'), 60_000);
      assert.equal(readFileSync(out, 'utf8'), '0\nfull-ok\n');
    });
  });
}

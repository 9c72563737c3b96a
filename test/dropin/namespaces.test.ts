// linux.namespaces as runtime-spec says and `runc spec`'s config writes it:
// a namespace type left out is inherited, one given by path is joined, and a
// new network namespace has its loopback up.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';

/** See test/dropin/rootfs.test.ts: runc spec's ambient set is another change's. */
function withoutAmbient(s: Spec): void {
  delete s.process!.capabilities!.ambient;
}

function mountsOf(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));
}

for (const bin of [kagoBin, runcBin]) {
  describe(`network namespace from runc spec's config (${bin === runcBin ? 'runc' : 'kago'})`, function () {
    const h = harness({ bin, base: 'runc' });

    it('a new network namespace has lo up', function () {
      const r = h.runIn(shell('cat /sys/class/net/lo/flags /sys/class/net/lo/operstate'), withoutAmbient);
      assert.equal(r.code, 0, r.stderr);
      const [flags, operstate] = r.stdout.trim().split('\n');
      assert.equal(Number(flags) & 1, 1, `IFF_UP in ${flags}`);
      // lo has no carrier to report: "unknown" is what an up loopback reads.
      assert.equal(operstate, 'unknown');
    });
  });
}

/**
 * runtime-spec config-linux.md: "If a namespace type is not specified in the
 * namespaces array, the container MUST inherit the runtime namespace of that
 * type." runc 1.1.5 refuses `runc spec`'s config without a mount namespace
 * ("unable to restrict sys entries without a private MNT namespace", for
 * its masked paths) and, without them, leaves every mount of the container
 * in the host's namespace after delete; the spec wins here, so these are
 * kago's alone.
 */
describe("mount namespace from runc spec's config (kago)", function () {
  const h = harness({ base: 'runc' });
  const noMountNs = (s: Spec) => {
    withoutAmbient(s);
    s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'mount');
  };

  it("without a mount entry the container is in kago's mount namespace, and delete leaves none of its mounts", function () {
    const { id, bundle } = h.bundle(['sleep', '60'], noMountNs);
    h.kago.ok(['create', '--bundle', bundle.dir, id]);
    h.kago.ok(['start', id]);
    const pid = h.kago.state(id).pid;
    h.watch(pid);
    assert.equal(readlinkSync(`/proc/${pid}/ns/mnt`), readlinkSync('/proc/self/ns/mnt'));
    // Its own root, /proc and masked paths all the same, in this namespace.
    assert.equal(readlinkSync(`/proc/${pid}/root`), bundle.rootfs);
    const mounts = mountsOf(bundle.rootfs);
    for (const path of ['', '/proc', '/dev', '/dev/pts', '/sys'])
      assert.ok(
        mounts.some((l) => l.split(' ')[4] === bundle.rootfs + path),
        `no ${path || '/'}:\n${mounts.join('\n')}`,
      );
    // exec enters the container's root, not kago's.
    // runc spec's root is read-only: the bind of it is, the host's / is not.
    const r = h.kago.ok(['exec', id, 'sh', '-c', 'ls /; touch /kago-probe 2>/dev/null || echo RO']);
    assert.deepEqual(r.stdout.trim().split('\n'), ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp', 'RO']);
    writeFileSync(join(bundle.dir, 'host-still-writable'), '');
    h.kago.ok(['delete', '--force', id]);
    assert.deepEqual(mountsOf(bundle.dir), []);
  });

  it('run without a mount entry exits and leaves nothing behind; a root file system that is a mount point stays mounted', function () {
    let rootfs = '';
    const { id, bundle } = h.bundle(['sh', '-c', 'cat /etc/marker; grep -c " /proc " /proc/self/mountinfo'], noMountNs);
    rootfs = bundle.rootfs;
    // An engine mounts the image there (an overlay); a tmpfs holding a copy stands for it.
    const image = join(bundle.dir, 'image');
    mkdirSync(image);
    spawnSync('cp', ['-a', `${rootfs}/.`, image]);
    const mount = spawnSync('mount', ['-t', 'tmpfs', 'engine-image', rootfs]);
    assert.equal(mount.status, 0);
    h.defer(() => spawnSync('umount', [rootfs]));
    spawnSync('cp', ['-a', `${image}/.`, rootfs]);
    writeFileSync(join(rootfs, 'etc', 'marker'), 'image\n');
    const r = h.kago.run(['run', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], 'image');
    const left = mountsOf(bundle.dir);
    assert.equal(left.length, 1, left.join('\n'));
    assert.ok(left[0]!.includes(' - tmpfs engine-image '), left[0]);
    spawnSync('umount', [rootfs]);
  });

  it('a create that fails after the first mounts leaves none of them in the namespace', function () {
    const r = h.runIn(['true'], (s) => {
      noMountNs(s);
      s.mounts!.push({ destination: '/x', type: 'kago-no-such-fs', source: 'none' });
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /mount kago-no-such-fs on \/x: ENODEV/);
    // the harness checks this namespace's mountinfo for the bundle after the test
  });

  describe('a mount namespace given by path', function () {
    let holder: ChildProcess | undefined;
    afterEach(() => holder?.kill('SIGKILL'));

    it('is joined', function () {
      holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sleep', '60'], { stdio: 'ignore' });
      const ns = `/proc/${holder.pid}/ns/mnt`;
      waitFor(() => readlinkSync(ns) !== readlinkSync('/proc/self/ns/mnt'));
      const r = h.runIn(shell('readlink /proc/self/ns/mnt'), (s) => {
        withoutAmbient(s);
        s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'mount' ? { type: 'mount', path: ns } : n));
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), readlinkSync(ns));
    });
  });
});

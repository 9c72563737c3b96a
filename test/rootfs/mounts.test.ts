// Mount options observed from inside (/proc/self/mountinfo, file ownership),
// id-mapped mounts, tmpcopyup, --no-pivot, and a root file system whose paths
// are symlinks to the host.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { runcBin } from '../helpers/paths.ts';
import type { Mount, Spec } from '../../wasm/spec.gen.ts';

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** The super and per-mount options of the mount at path, from a mountinfo text. */
function mountOptions(mountinfo: string, path: string): string[] {
  const line = mountinfo.split('\n').find((l) => l.split(' ')[4] === path);
  assert.ok(line, `no mount at ${path} in:\n${mountinfo}`);
  return line.split(' ')[5]!.split(',');
}

function hostMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ').slice(3, 5).join(' '))
    .sort();
}

describe('mounts', function () {
  const h = harness();

  function scratchDir(prefix: string): string {
    const dir = h.scratch(mkdtempSync(join(tmpdir(), prefix)));
    chmodSync(dir, 0o755);
    return dir;
  }

  /** A host directory with a tmpfs mounted on its sub/ (unmounted after the test). */
  function treeWithSubmount(subOptions: string): string {
    const dir = scratchDir('kago-tree-');
    mkdirSync(join(dir, 'sub'));
    sh('mount', ['-t', 'tmpfs', '-o', subOptions, 'kagotest', join(dir, 'sub')]);
    h.defer(() => sh('umount', [join(dir, 'sub')]));
    return dir;
  }

  it('applies the recursive options to every mount of an rbind tree', function () {
    const dir = treeWithSubmount('rw');
    const r = h.runIn(shell('cat /proc/self/mountinfo'), (s) => {
      s.mounts!.push({
        destination: '/data',
        type: 'bind',
        source: dir,
        options: ['rbind', 'rro', 'rnosuid', 'rnodev', 'rnoexec', 'rnoatime', 'rnosymfollow', 'rnodiratime'],
      });
    });
    assert.equal(r.code, 0, r.stderr);
    for (const path of ['/data', '/data/sub']) {
      const o = mountOptions(r.stdout, path);
      for (const flag of ['ro', 'nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime', 'nosymfollow'])
        assert.ok(o.includes(flag), `${path} lacks ${flag}: ${o}`);
    }
  });

  it('clears with the recursive forms what the source mounts had (rrw, rsuid, rdev, rexec, rstrictatime)', function () {
    const dir = treeWithSubmount('ro,nosuid,nodev,noexec,noatime');
    const r = h.runIn(shell('cat /proc/self/mountinfo'), (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: dir, options: ['rbind', 'rrw', 'rsuid', 'rdev', 'rexec', 'rstrictatime'] });
    });
    assert.equal(r.code, 0, r.stderr);
    const o = mountOptions(r.stdout, '/data/sub');
    assert.ok(o.includes('rw'), `${o}`);
    for (const flag of ['ro', 'nosuid', 'nodev', 'noexec', 'noatime', 'relatime']) assert.ok(!o.includes(flag), `/data/sub still has ${flag}: ${o}`);
  });

  it('a non-recursive ro on an rbind leaves the submounts writable, as mount(8) does', function () {
    const dir = treeWithSubmount('rw');
    const r = h.runIn(shell('cat /proc/self/mountinfo'), (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: dir, options: ['rbind', 'ro'] });
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(mountOptions(r.stdout, '/data').includes('ro'));
    assert.ok(mountOptions(r.stdout, '/data/sub').includes('rw'));
  });

  it('nosymfollow refuses to follow symlinks on the mount but still reads them', function () {
    const dir = scratchDir('kago-nosym-');
    writeFileSync(join(dir, 'file'), 'content\n');
    symlinkSync('file', join(dir, 'link'));
    const r = h.runIn(shell('readlink /data/link; cat /data/link || echo REFUSED; cat /data/file'), (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: dir, options: ['bind', 'nosymfollow'] });
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['file', 'REFUSED', 'content']);
  });

  it('tmpcopyup starts the tmpfs with the directory contents, modes, owners and links', function () {
    let image = '';
    const r = h.runIn(
      shell(
        'grep " /etc/app " /proc/self/mountinfo | cut -d" " -f9; cat /etc/app/conf; stat -c "%a %u %g" /etc/app/conf /etc/app/dir; readlink /etc/app/link; echo new > /etc/app/new',
      ),
      (s) => {
        s.mounts!.push({ destination: '/etc/app', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'mode=755'] });
      },
      {
        prepare(b) {
          mkdirSync(join(b.rootfs, 'etc/app/dir'), { recursive: true });
          chmodSync(join(b.rootfs, 'etc/app/dir'), 0o710);
          writeFileSync(join(b.rootfs, 'etc/app/conf'), 'from the image\n');
          chmodSync(join(b.rootfs, 'etc/app/conf'), 0o604);
          chownSync(join(b.rootfs, 'etc/app/conf'), 123, 45);
          symlinkSync('conf', join(b.rootfs, 'etc/app/link'));
          image = join(b.rootfs, 'etc/app/conf');
        },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['tmpfs', 'from the image', '604 123 45', '710 0 0', 'conf']);
    assert.ok(!existsSync(join(image, '..', 'new')), 'writes go to the tmpfs, not the image');
  });

  it('an id-mapped bind shows the source files with the mapped owner', function () {
    const dir = scratchDir('kago-idmap-');
    writeFileSync(join(dir, 'owned-by-root'), '');
    chownSync(join(dir, 'owned-by-root'), 0, 0);
    const r = h.runIn(shell('stat -c "%u:%g" /data/owned-by-root; grep " /data " /proc/self/mountinfo | grep -c idmapped'), (s) => {
      s.mounts!.push({
        destination: '/data',
        type: 'bind',
        source: dir,
        options: ['bind', 'idmap'],
        uidMappings: [{ containerID: 0, hostID: 1234, size: 1 }],
        gidMappings: [{ containerID: 0, hostID: 4321, size: 1 }],
      });
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['1234:4321', '1']);
  });

  it('with a user namespace, ridmap gives the container root the host root files, and what it writes is root-owned on disk', function () {
    const dir = scratchDir('kago-ridmap-');
    writeFileSync(join(dir, 'host-file'), '');
    const r = h.runIn(
      shell('id -u; stat -c "%u:%g" /data/host-file; touch /data/made-inside'),
      (s) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.mounts!.push({
          destination: '/data',
          type: 'bind',
          source: dir,
          options: ['rbind', 'ridmap'],
          uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
          gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
        });
      },
      { prepare: (b) => mkdirSync(join(b.rootfs, 'data')) },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', '0:0']);
    const st = statSync(join(dir, 'made-inside'));
    assert.deepEqual([st.uid, st.gid], [0, 0]);
  });

  it('keeps every mount inside the root file system when its paths are symlinks to host paths', function () {
    const hostDir = scratchDir('kago-attack-target-');
    const source = scratchDir('kago-attack-source-');
    writeFileSync(join(source, 'marker'), 'bound\n');
    const hostEtc = readdirSync('/etc').sort();
    const before = hostMounts();
    const { id, bundle } = h.bundle(shell(`cat /etc/marker; test -r ${hostDir}/self/status && echo PROC-IN-ROOT; ls -d /proc`), (s) => {
      s.mounts!.push({ destination: '/mnt/evil', type: 'bind', source, options: ['bind'] });
    });
    rmSync(join(bundle.rootfs, 'proc'), { recursive: true });
    symlinkSync(hostDir, join(bundle.rootfs, 'proc'));
    mkdirSync(join(bundle.rootfs, 'mnt'));
    symlinkSync('/etc', join(bundle.rootfs, 'mnt/evil'));
    h.kago.ok(['create', '--bundle', bundle.dir, id]);
    const pid = h.kago.state(id).pid;
    // Seen from the container's own mount namespace: proc and the bind landed in the image.
    const inside = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    assert.ok(
      inside.split('\n').some((l) => l.split(' ')[4] === hostDir && l.includes(' - proc ')),
      inside,
    );
    assert.ok(
      inside.split('\n').some((l) => l.split(' ')[4] === '/etc'),
      inside,
    );
    // Seen from the host: nothing mounted, nothing written.
    assert.deepEqual(hostMounts(), before);
    assert.deepEqual(readdirSync(hostDir), []);
    assert.deepEqual(readdirSync('/etc').sort(), hostEtc);
    assert.ok(existsSync(join(bundle.rootfs, hostDir)), 'the symlink target was made inside the image');
    h.kago.ok(['start', id]);
  });

  it('makes device nodes inside the root file system even when its /dev is a symlink to a host directory', function () {
    const hostDir = scratchDir('kago-attack-dev-');
    const r = h.runIn(
      shell('ls -l /dev/kagonull'),
      (s) => {
        s.linux!.devices = [{ path: '/dev/kagonull', type: 'c', major: 1, minor: 3, fileMode: 0o600 }];
        s.mounts = s.mounts!.filter((m) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'));
      },
      {
        prepare(b) {
          rmSync(join(b.rootfs, 'dev'), { recursive: true });
          symlinkSync(hostDir, join(b.rootfs, 'dev'));
        },
      },
    );
    // The node is made in the image's copy of the symlink target, never in hostDir.
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^crw------- .* 1,\s+3 .*\/dev\/kagonull$/m);
    assert.deepEqual(readdirSync(hostDir), []);
  });

  it('--no-pivot switches root with MS_MOVE and chroot', function () {
    const r = h.runIn(shell('ls /; cat /proc/self/mountinfo | grep -c .'), undefined, { flags: ['--no-pivot'] });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').slice(0, -1), ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp']);
  });

  it('mountLabel without SELinux is a clear error that leaves nothing behind', function () {
    const r = h.runIn(['true'], (s) => {
      s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.json: \/linux\/mountLabel: SELinux is not enabled on this host/);
  });
});

describe('mount option words, against runc', function () {
  const kago = harness();
  const runc = harness({ bin: runcBin, base: 'runc' });

  /** The per-mount and the super block options of the mount at path, from inside a container of h. */
  function optionsIn(h: typeof kago, configure: (s: Spec) => void, path: string): { mount: string[]; superblock: string[] } {
    const r = h.runIn(['cat', '/proc/self/mountinfo'], configure);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.split(' ')[4] === path);
    assert.ok(line, `no mount at ${path} in:\n${r.stdout}`);
    const [before, after] = line.split(' - ') as [string, string];
    return { mount: before.split(' ')[5]!.split(',').sort(), superblock: after.split(' ')[2]!.split(',').sort() };
  }

  // Not "defaults": runc 1.1.5 passes it to the file system as data, which
  // tmpfs refuses (EINVAL); kago takes it as mount(8) does, as no change.
  const cases: Array<[string, Mount]> = [
    [
      'a tmpfs with flag words, acl and file system data',
      { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'noatime', 'acl', 'sync', 'mode=750', 'size=1m'] },
    ],
    [
      'a tmpfs with words that clear flags',
      { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'rw', 'nosuid', 'suid', 'strictatime', 'nodiratime', 'diratime', 'noacl'] },
    ],
    [
      'a read-only bind mount',
      { destination: '/scratch', type: 'bind', source: '/usr', options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec', 'nodiratime', 'relatime', 'rprivate'] },
    ],
  ];
  for (const [what, m] of cases) {
    it(`${what} is mounted as runc mounts it`, function () {
      const configure = (s: Spec) => {
        s.mounts!.push(structuredClone(m));
      };
      assert.deepEqual(optionsIn(kago, configure, '/scratch'), optionsIn(runc, configure, '/scratch'));
    });
  }
});

// The root file system as runc sets it up from the configs other tools
// write (`runc spec`'s default here): every behaviour runc 1.1.5 also has is
// checked against runc in the same test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { type Bundle, shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';

/**
 * `runc spec` asks for ambient capabilities without inheritable ones; kago's
 * answer to that is another change (issue 14, process), not this file's.
 */
function withoutAmbient(s: Spec): void {
  delete s.process!.capabilities!.ambient;
}

function mountLine(mountinfo: string, path: string): string[] {
  const line = mountinfo.split('\n').find((l) => l.split(' ')[4] === path);
  assert.ok(line, `no mount at ${path} in:\n${mountinfo}`);
  return line.split(' ');
}

/**
 * util-linux's unshare and what it links, copied into a busybox root
 * (busybox's unshare mounts proc only after exec, when an unmapped user has
 * lost its capabilities), and a /mnt to mount on.
 */
function addUtilLinuxUnshare(rootfs: string): void {
  mkdirSync(join(rootfs, 'mnt'));
  const ldd = spawnSync('ldd', ['/usr/bin/unshare'], { encoding: 'utf8' }).stdout;
  const libs = [...ldd.matchAll(/(\/\S+)/g)].map((m) => m[1]!);
  for (const file of ['/usr/bin/unshare', ...libs]) {
    mkdirSync(join(rootfs, dirname(file)), { recursive: true });
    copyFileSync(realpathSync(file), join(rootfs, file));
    chmodSync(join(rootfs, file), 0o755);
  }
}

for (const bin of [kagoBin, runcBin]) {
  describe(`root file system from runc spec's config (${bin === runcBin ? 'runc' : 'kago'})`, function () {
    const h = harness({ bin, base: 'runc' });

    function scratchDir(prefix: string, mode = 0o755): string {
      const dir = h.scratch(mkdtempSync(join(tmpdir(), prefix)));
      chmodSync(dir, mode);
      return dir;
    }

    it('a read-only /dev still gets its device nodes, links and /dev/pts, and is read-only to the container', function () {
      const r = h.runIn(shell('ls /dev; cat /proc/self/mountinfo; touch /dev/x || echo REFUSED'), (s) => {
        withoutAmbient(s);
        s.mounts!.find((m) => m.destination === '/dev')!.options!.push('ro');
      });
      assert.equal(r.code, 0, r.stderr);
      for (const name of ['null', 'zero', 'urandom', 'tty', 'pts', 'shm', 'fd', 'ptmx'])
        assert.ok(r.stdout.split('\n').includes(name), `no /dev/${name}:\n${r.stdout}`);
      assert.ok(mountLine(r.stdout, '/dev')[5]!.split(',').includes('ro'), r.stdout);
      assert.ok(r.stdout.includes('REFUSED'), r.stdout);
    });

    it("the host's /dev bound in (rbind) is used as it is: no node is made there", function () {
      const before = readdirSync('/dev').sort();
      const r = h.runIn(shell('ls -l /dev/null; echo data > /dev/null && echo WRITTEN'), (s) => {
        withoutAmbient(s);
        s.mounts = s.mounts!.filter((m) => !m.destination.startsWith('/dev'));
        s.mounts.push({ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] });
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 /m);
      assert.ok(r.stdout.includes('WRITTEN'), r.stdout);
      assert.deepEqual(
        readdirSync('/dev')
          .sort()
          .filter((n) => !before.includes(n)),
        [],
      );
    });

    it('a bind destination that is a dangling symlink has its target made inside the root file system', function () {
      const dir = scratchDir('kago-src-');
      writeFileSync(join(dir, 'inside'), 'dir\n');
      const file = join(scratchDir('kago-srcfile-'), 'file');
      writeFileSync(file, 'file\n');
      let bundle: Bundle | undefined;
      const r = h.runIn(
        shell('ls /etc/not-existing; cat /etc/not-a-file; ls /foo/bar/not/here; cat /foo/x'),
        (s) => {
          withoutAmbient(s);
          s.mounts!.push({ destination: '/etc/not-existing', type: 'bind', source: dir, options: ['rbind'] });
          s.mounts!.push({ destination: '/etc/not-a-file', type: 'bind', source: file, options: ['bind'] });
        },
        {
          prepare: (b) => {
            bundle = b;
            symlinkSync('../foo/bar/not/here', join(b.rootfs, 'etc', 'not-existing'));
            symlinkSync('/foo/x', join(b.rootfs, 'etc', 'not-a-file'));
          },
        },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['inside', 'file', 'inside', 'file']);
      assert.ok(statSync(join(bundle!.rootfs, 'foo', 'bar', 'not', 'here')).isDirectory());
      assert.ok(statSync(join(bundle!.rootfs, 'foo', 'x')).isFile());
      assert.ok(!existsSync('/foo/x') && !existsSync('/foo/bar/not/here'));
    });

    it("with a user namespace, a bind source the container's uids cannot reach (under a 0700 directory of root's) is still mounted", function () {
      const secret = join(scratchDir('kago-secret-', 0o700), 'data');
      mkdirSync(secret);
      writeFileSync(join(secret, 'f'), 'secret\n');
      const r = h.runIn(
        shell('cat /secret/f; grep " /secret " /proc/self/mountinfo'),
        (s) => {
          withoutAmbient(s);
          s.linux!.namespaces!.push({ type: 'user' });
          s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          // A v1 cgroup mount needs root of the host's user namespace (runc refuses it too).
          s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
          s.mounts.push({ destination: '/secret', type: 'bind', source: secret, options: ['rbind', 'ro'] });
        },
        { prepare: (b) => spawnSync('chown', ['-R', '100000:100000', b.rootfs]) },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split('\n')[0], 'secret');
      assert.ok(mountLine(r.stdout, '/secret')[5]!.split(',').includes('ro'), r.stdout);
    });

    /**
     * runc's msMoveRoot: after MS_MOVE and chroot the host's proc stays
     * reachable in the mount namespace, and the kernel lets a new user
     * namespace mount a fresh proc as long as a whole one is visible.
     * util-linux's unshare mounts proc before it execs, with the new
     * namespace's capabilities (no uid map needed).
     */
    it('--no-pivot: a process inside cannot mount a fresh proc from a nested user, mount and pid namespace', function () {
      const script = '/usr/bin/unshare -Umpf --mount-proc true && echo PROC; /usr/bin/unshare -Umpf --mount-proc=/mnt true && echo MNT; echo end';
      const r = h.runIn(
        shell(script),
        (s) => {
          withoutAmbient(s);
          s.root!.readonly = false;
        },
        { flags: ['--no-pivot'], prepare: (b) => addUtilLinuxUnshare(b.rootfs) },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['end']);
      assert.match(r.stderr, /mount \/proc failed: Operation not permitted/);
    });

    it('--no-pivot with a user namespace: the host proc is covered where it cannot be detached', function () {
      const script = '/usr/bin/unshare -Umpf --mount-proc true && echo PROC; /usr/bin/unshare -Umpf --mount-proc=/mnt true && echo MNT; echo end';
      const r = h.runIn(
        shell(script),
        (s) => {
          withoutAmbient(s);
          s.root!.readonly = false;
          s.linux!.namespaces!.push({ type: 'user' });
          s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
        },
        {
          flags: ['--no-pivot'],
          prepare: (b) => {
            addUtilLinuxUnshare(b.rootfs);
            spawnSync('chown', ['-R', '100000:100000', b.rootfs]);
          },
        },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['end']);
    });
  });
}

/** runc 1.1.5 cannot start this config (its bind of an unbindable root fails with EINVAL); runc 1.2 and crun can. */
describe("rootfsPropagation from runc spec's config (kago)", function () {
  const h = harness({ base: 'runc' });

  it("unbindable makes the container's / unbindable", function () {
    const r = h.runIn(shell('cat /proc/self/mountinfo'), (s) => {
      withoutAmbient(s);
      s.linux!.rootfsPropagation = 'unbindable';
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(mountLine(r.stdout, '/').includes('unbindable'), r.stdout);
  });
});

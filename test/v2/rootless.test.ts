// A rootless container on a pure v2 host, in a cgroup subtree delegated to
// its user the way systemd's Delegate=yes does it (the directory and its
// cgroup.procs, cgroup.subtree_control and cgroup.threads chowned to the
// user, the user's processes in a cgroup below). kago beside runc 1.1.5, in
// the VM of make test-v2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRootfs } from '../helpers/bundle.ts';
import { uniqueId } from '../helpers/kago.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { CGROUP_ROOT, describeV2, readCg, rmdirTree } from './fixture.ts';

// nobody is in every Debian's /etc/passwd, which the VM cannot add to (the host's root is read-only there).
const NOBODY = 65534;
const MiB = 1024 * 1024;

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describeV2(`${name}: rootless, in a cgroup subtree delegated to the user`, function () {
    let work = '';
    let delegated = '';
    before(function () {
      work = mkdtempSync('/tmp/kago-v2-rootless-');
      spawnSync('chmod', ['755', work]);
      delegated = join(CGROUP_ROOT, `kago-user-${process.pid}-${name}`);
      mkdirSync(delegated);
      writeFileSync(join(delegated, 'cgroup.subtree_control'), '+pids +memory');
      for (const f of ['', 'cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']) chownSync(join(delegated, f), NOBODY, NOBODY);
      mkdirSync(join(delegated, 'session'));
      chownSync(join(delegated, 'session'), NOBODY, NOBODY);
      chownSync(join(delegated, 'session', 'cgroup.procs'), NOBODY, NOBODY);
    });
    after(function () {
      rmdirTree(delegated);
      rmSync(work, { recursive: true, force: true });
    });

    /** A rootless bundle (runc spec --rootless) owned by nobody, in the delegated subtree. */
    function rootlessBundle(id: string, args: string[], resources: object): string {
      const b = join(work, id);
      makeRootfs(join(b, 'rootfs'));
      const made = spawnSync(runcBin, ['spec', '--rootless'], { cwd: b });
      assert.equal(made.status, 0, String(made.stderr));
      const spec = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
      spec.process.terminal = false;
      spec.process.args = args;
      spec.root.readonly = false;
      spec.linux.uidMappings = [{ containerID: 0, hostID: NOBODY, size: 1 }];
      spec.linux.gidMappings = [{ containerID: 0, hostID: NOBODY, size: 1 }];
      spec.linux.namespaces = spec.linux.namespaces.filter((ns: { type: string }) => ns.type !== 'cgroup');
      spec.linux.cgroupsPath = `${delegated.slice(CGROUP_ROOT.length)}/${id}`;
      spec.linux.resources = resources;
      // See fixture.ts: runc spec's ambient set, which kago refuses and runc drops.
      delete spec.process.capabilities.ambient;
      writeFileSync(join(b, 'config.json'), JSON.stringify(spec));
      spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, b]);
      return b;
    }

    // The user's runtime runs in the user's session cgroup, as a login shell would.
    // Output through a file: a detached container would hold a pipe open.
    function as(args: string[]): { status: number | null; stderr: string } {
      const root = join(work, 'state');
      mkdirSync(root, { recursive: true });
      chownSync(root, NOBODY, NOBODY);
      const err = join(work, 'stderr');
      const fd = openSync(err, 'w');
      try {
        const r = spawnSync(
          'sh',
          [
            '-c',
            `echo $$ > ${join(delegated, 'session', 'cgroup.procs')} && exec setpriv --reuid ${NOBODY} --regid ${NOBODY} --clear-groups env XDG_RUNTIME_DIR=${root} HOME=${work} "$@"`,
            'sh',
            bin,
            '--root',
            root,
            ...args,
          ],
          { timeout: 120_000, stdio: ['ignore', 'ignore', fd] },
        );
        return { status: r.status, stderr: readFileSync(err, 'utf8') };
      } finally {
        closeSync(fd);
      }
    }

    it('gets its limits in the delegated subtree, joins it, and delete removes its cgroup', function () {
      const id = uniqueId('v2r');
      const b = rootlessBundle(id, ['sh', '-c', 'cat /proc/self/cgroup > /seen; sleep 1000'], { pids: { limit: 17 }, memory: { limit: 48 * MiB } });
      const dir = join(delegated, id);
      try {
        const r = as(['run', '--detach', '--bundle', b, id]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(readCg(dir, 'pids.max'), '17');
        assert.equal(readCg(dir, 'memory.max'), String(48 * MiB));
        const seen = join(b, 'rootfs', 'seen');
        waitFor(() => existsSync(seen) && readFileSync(seen, 'utf8').includes('\n'), 60_000);
        assert.equal(readFileSync(seen, 'utf8'), `0::${dir.slice(CGROUP_ROOT.length)}\n`);
      } finally {
        const d = as(['delete', '--force', id]);
        assert.equal(d.status, 0, d.stderr);
      }
      waitFor(() => !existsSync(dir), 60_000);
    });

    // kago creates init in its cgroup with clone3(CLONE_INTO_CGROUP) (the
    // user namespace's root is the user): the process that forks it never
    // enters the cgroup, so pids.max 1 holds init alone. runc 1.1.5 moves
    // its init in first and writes the limits after, which shows nothing.
    if (name === 'kago') {
      it('init is created in the delegated cgroup: pids.max 1 holds it alone', function () {
        const id = uniqueId('v2r');
        const b = rootlessBundle(id, ['sleep', '1000'], { pids: { limit: 1 } });
        const dir = join(delegated, id);
        try {
          const r = as(['run', '--detach', '--bundle', b, id]);
          assert.equal(r.status, 0, r.stderr);
          const pids = readCg(dir, 'cgroup.procs').split('\n');
          assert.equal(pids.length, 1);
          assert.equal(readFileSync(`/proc/${pids[0]}/cgroup`, 'utf8'), `0::${dir.slice(CGROUP_ROOT.length)}\n`);
          assert.match(readCg(dir, 'pids.events'), /^max 0$/m);
        } finally {
          const d = as(['delete', '--force', id]);
          assert.equal(d.status, 0, d.stderr);
        }
        waitFor(() => !existsSync(dir), 60_000);
      });
    }
  });
}

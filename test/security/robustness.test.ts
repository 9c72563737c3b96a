// The CLI where its surroundings are odd: a --root that is a dangling
// symlink or another user's, a stdout whose reader has gone
// (`kago list | head -1`).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness } from '../helpers/harness.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';

/** Runs a command whose stdout is a pipe with no reader left, as after `| head -1` has exited. */
function withClosedStdout(cmd: string[]): { status: number | null; signal: string | null; stderr: string } {
  const py =
    'import os,subprocess,sys\nr,w=os.pipe()\nos.close(r)\np=subprocess.run(sys.argv[1:],stdout=w,stderr=subprocess.PIPE)\nprint(p.returncode)\nsys.stderr.write(p.stderr.decode())';
  const r = spawnSync('python3', ['-c', py, ...cmd], { encoding: 'utf8' });
  const code = Number(r.stdout.trim());
  // Python reports a death by signal N as -N.
  return { status: code >= 0 ? code : null, signal: code < 0 ? (-code === 13 ? 'SIGPIPE' : String(-code)) : null, stderr: r.stderr };
}

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describe(`robustness: the surroundings of the CLI (${name})`, function () {
    const h = harness({ bin });
    const kago = h.kago;

    for (const args of [['features'], ['list'], ['list', '--format', 'json'], ['state', 'ID']]) {
      it(`${args.join(' ')} with a closed stdout: killed by SIGPIPE, as a C or Go program, saying nothing`, function () {
        const { id, bundle } = h.bundle(['sleep', '1000']);
        kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
        const r = withClosedStdout([bin, '--root', kago.root, ...args.map((a) => (a === 'ID' ? id : a))]);
        assert.equal(r.stderr, '');
        assert.deepEqual([r.status, r.signal], [null, 'SIGPIPE']);
      });
    }

    it('a --root that is a dangling symlink: create fails and creates nothing where it points', function () {
      const dir = h.scratch(mkdtempSync(join(tmpdir(), 'kago-rootlink-')));
      const link = join(dir, 'root');
      const target = join(dir, 'gone', 'state');
      symlinkSync(target, link);
      const { id, bundle } = h.bundle(['true']);
      const r = spawnSync(bin, ['--root', link, 'create', '--bundle', bundle.dir, id], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.ok(!existsSync(join(dir, 'gone')), "the link's target was not created");
      assert.deepEqual(readdirSync(dir), ['root']);
      // runc: "mkdir R: file exists"
      if (bin === kagoBin) assert.equal(r.stderr, `kago: --root ${link}: is a symbolic link to ${target}, which does not exist\n`);
    });
  });
}

describe('robustness: a state root another user owns or can write (kago)', function () {
  // runc 1.1.5 uses any --root as it finds it; its states name hooks too.
  const h = harness();

  /** A state that passes every check of the reader, whose poststop hook touches `marker`. */
  function forged(id: string, marker: string): string {
    return JSON.stringify({
      ociVersion: '1.0.2',
      id,
      status: 'stopped',
      pid: 0,
      bundle: '/',
      rootfs: '/',
      created: '2026-01-01T00:00:00Z',
      owner: 'root',
      kago: { cgroup: { dirs: [], created: [] }, hooks: { poststop: [{ path: '/bin/sh', args: ['sh', '-c', `touch ${marker}`] }] } },
    });
  }

  it('a root planted by nobody: delete --force neither reads it nor runs its hook as root', function () {
    const shared = h.scratch(mkdtempSync(join(tmpdir(), 'kago-shared-')));
    chmodSync(shared, 0o1777);
    const root = join(shared, 'kago-root');
    const marker = join(shared, 'ran-as-root');
    // As a user would, before root's first `kago --root` there.
    execFileSync('runuser', [
      '-u',
      'nobody',
      '--',
      'sh',
      '-c',
      'mkdir -m 0700 "$1" "$1/evil" && printf %s "$2" > "$1/evil/state.json"',
      'sh',
      root,
      forged('evil', marker),
    ]);
    const r = spawnSync(kagoBin, ['--root', root, 'delete', '--force', 'evil'], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^kago: --root ${root}: belongs to uid \\d+, not to kago's user \\(0\\): refused, its states decide what kago kills and runs\n$`),
    );
    assert.ok(!existsSync(marker), 'the planted hook did not run');
    assert.equal(spawnSync(kagoBin, ['--root', root, 'list'], { encoding: 'utf8' }).status, 1);
  });

  it("a root of root's that others can write: refused", function () {
    const dir = h.scratch(mkdtempSync(join(tmpdir(), 'kago-rootmode-')));
    const root = join(dir, 'root');
    mkdirSync(root);
    chmodSync(root, 0o777);
    const r = spawnSync(kagoBin, ['--root', root, 'list'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `kago: --root ${root}: can be written by other users (mode 0777): refused, its states decide what kago kills and runs\n`);
  });
});

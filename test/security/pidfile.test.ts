// Files root kago writes where other users can write too: --pid-file and
// --log in /tmp, `spec` into a bundle someone else owns. The attacker is an
// unprivileged user (nobody) who plants names in the directory beforehand,
// as the machine allows (fs.protected_symlinks is 0 here, so a root process
// would follow a symlink in a sticky directory). What is planted must never
// redirect root's write, and a failure names the user's path and leaves
// nothing behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness } from '../helpers/harness.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';

/** Runs a command as `nobody`, as an attacker sharing the directory would. */
function asNobody(...args: string[]): void {
  execFileSync('runuser', ['-u', 'nobody', '--', ...args], { stdio: 'pipe' });
}

/** A world-writable sticky directory like /tmp, of this test's own. */
function sharedDir(h: ReturnType<typeof harness>): string {
  const dir = h.scratch(mkdtempSync(join(tmpdir(), 'kago-shared-')));
  chmodSync(dir, 0o1777);
  return dir;
}

/** A root-owned file the attacker wants overwritten. */
function victim(h: ReturnType<typeof harness>): { path: string; unchanged(): void } {
  const dir = h.scratch(mkdtempSync(join(tmpdir(), 'kago-victim-')));
  const path = join(dir, 'precious');
  writeFileSync(path, 'root:secret\n', { mode: 0o600 });
  return { path, unchanged: () => assert.equal(readFileSync(path, 'utf8'), 'root:secret\n', 'the victim file was written through a planted name') };
}

function assertPidFile(path: string, pid: number): void {
  const st = lstatSync(path);
  assert.ok(st.isFile(), `${path} is a regular file, not what was planted`);
  assert.equal(st.uid, 0);
  assert.equal(st.mode & 0o777, 0o644);
  assert.equal(readFileSync(path, 'utf8'), String(pid));
}

for (const bin of [kagoBin, runcBin]) {
  describe(`security: a pid file in a shared directory (${bin === runcBin ? 'runc' : 'kago'})`, function () {
    const h = harness({ bin });
    const kago = h.kago;

    it('a symlink planted at the pid file path is replaced, its target untouched', function () {
      const dir = sharedDir(h);
      const v = victim(h);
      const pidFile = join(dir, 'init.pid');
      asNobody('ln', '-s', v.path, pidFile);
      const { id, bundle } = h.bundle(['sleep', '1000']);
      kago.ok(['run', '-d', '--pid-file', pidFile, '--bundle', bundle.dir, id]);
      v.unchanged();
      assertPidFile(pidFile, kago.state(id).pid);
    });

    it('exec -d with a --pid-file that cannot be written: an error, and the process is not left running', function () {
      const { id, bundle } = h.bundle(['sleep', '1000']);
      kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
      const r = kago.run(['exec', '-d', '--pid-file', join(sharedDir(h), 'missing', 'exec.pid'), id, 'sleep', '4242']);
      assert.notEqual(r.code, 0, r.stderr);
      const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      assert.doesNotMatch(ps, /^sleep 4242$/m);
    });

    it('--log /dev/null and --log /dev/stderr (a symlink root owns) are written to', function () {
      const quiet = kago.run(['--log', '/dev/null', '--debug', 'list']);
      assert.equal(quiet.code, 0);
      assert.equal(quiet.stderr, '', 'the log went to /dev/null, not to stderr instead');
      // runc logs no debug line for `list` to look for.
      if (bin === runcBin) return;
      const loud = kago.run(['--log', '/dev/stderr', '--debug', 'list']);
      assert.equal(loud.code, 0);
      assert.match(loud.stderr, /level=debug/);
    });

    it('a directory as --pid-file: an error and no container', function () {
      const dir = sharedDir(h);
      const pidFile = join(dir, 'a-dir');
      mkdirSync(pidFile);
      const { id, bundle } = h.bundle(['sleep', '1000']);
      const r = kago.run(['create', '--pid-file', pidFile, '--bundle', bundle.dir, id]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(kago.run(['state', id]).code, 1, 'the container went with the failure');
    });
  });
}

describe('security: kago writes files in shared directories without following planted names', function () {
  const h = harness();
  const kago = h.kago;

  // kago-only from here: runc's temporary name is predictable (".NAME"): a
  // planted one makes runc fail with EEXIST, and runc leaves its temporary
  // file behind and names it when the rename fails.

  for (const how of ['create', 'run -d', 'exec -d'] as const) {
    it(`${how}: a symlink planted at kago's old temporary name (NAME.kago-tmp) is not followed`, function () {
      const dir = sharedDir(h);
      const v = victim(h);
      const pidFile = join(dir, 'ctr.pid');
      asNobody('ln', '-s', v.path, `${pidFile}.kago-tmp`);
      // and at the name runc would use
      asNobody('ln', '-s', v.path, join(dir, '.ctr.pid'));
      const { id, bundle } = h.bundle(['sleep', '1000']);
      let pid: number;
      if (how === 'exec -d') {
        kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
        kago.ok(['exec', '-d', '--pid-file', pidFile, id, 'sleep', '1000']);
        pid = Number(readFileSync(pidFile, 'utf8'));
        assert.notEqual(pid, kago.state(id).pid, 'the exec process, not init');
        assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^sleep\0/);
      } else {
        kago.ok([...how.split(' '), '--pid-file', pidFile, '--bundle', bundle.dir, id]);
        pid = kago.state(id).pid;
      }
      v.unchanged();
      assertPidFile(pidFile, pid);
      assert.deepEqual(readdirSync(dir).sort(), ['.ctr.pid', 'ctr.pid', 'ctr.pid.kago-tmp'], 'nothing but the planted names and the pid file');
      assert.ok(lstatSync(`${pidFile}.kago-tmp`).isSymbolicLink(), 'the planted link is still a link to nowhere written');
    });
  }

  function refusedPidFile(pidFile: string, reason: RegExp): void {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    const r = kago.run(['create', '--pid-file', pidFile, '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `${r.stderr.split('\n')[0]}\n`, `one line: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`kago: --pid-file ${pidFile}: `), r.stderr);
    assert.match(r.stderr, reason);
    assert.doesNotMatch(r.stderr, /kago-tmp/, 'the user never named a temporary file');
  }

  it("--pid-file naming a directory: one line with the user's path, no temporary file left", function () {
    const dir = sharedDir(h);
    const pidFile = join(dir, 'a-dir');
    mkdirSync(pidFile);
    refusedPidFile(pidFile, /is a directory/);
    assert.deepEqual(readdirSync(dir), ['a-dir']);
    assert.deepEqual(readdirSync(pidFile), []);
  });

  it("--pid-file in a directory that does not exist: one line with the user's path", function () {
    const dir = sharedDir(h);
    refusedPidFile(join(dir, 'missing', 'ctr.pid'), /directory does not exist/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('--log: a symlink planted at the log path is not followed', function () {
    const dir = sharedDir(h);
    const v = victim(h);
    const logFile = join(dir, 'kago.log');
    asNobody('ln', '-s', v.path, logFile);
    // runc opens its log with O_CREAT|O_APPEND and follows the link.
    kago.run(['--log', logFile, '--debug', 'list']);
    v.unchanged();
    assert.ok(lstatSync(logFile).isSymbolicLink());
  });

  it('--log: a FIFO planted at the log path neither hangs kago nor gets the log', function () {
    const dir = sharedDir(h);
    const logFile = join(dir, 'kago.log');
    asNobody('mkfifo', '-m', '0666', logFile);
    // runc blocks in open(2) for a writer until someone reads the FIFO.
    const r = kago.run(['--log', logFile, '--debug', 'list'], { timeoutMs: 20_000 });
    assert.equal(r.signal, null, 'kago did not hang on the FIFO');
    assert.ok(lstatSync(logFile).isFIFO());
  });

  it('--log: an existing log file is appended to, and a new one is made 0644', function () {
    const dir = sharedDir(h);
    const logFile = join(dir, 'kago.log');
    kago.ok(['--log', logFile, '--debug', 'list']);
    assert.equal(statSync(logFile).mode & 0o777, 0o644);
    const first = readFileSync(logFile, 'utf8');
    assert.match(first, /level=debug/);
    kago.ok(['--log', logFile, '--debug', 'list']);
    assert.ok(readFileSync(logFile, 'utf8').startsWith(first) && readFileSync(logFile, 'utf8').length > first.length);
  });

  it('spec: a dangling symlink planted as config.json in the bundle is not followed', function () {
    const dir = sharedDir(h);
    const target = join(h.scratch(mkdtempSync(join(tmpdir(), 'kago-victim-'))), 'created-by-root');
    asNobody('ln', '-s', target, join(dir, 'config.json'));
    // runc spec writes through the link (ioutil.WriteFile) and creates the target.
    const r = kago.run(['spec', '--bundle', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^kago: [^\n]*config\.json: exists already: remove it first\n$/);
    assert.throws(() => lstatSync(target), /ENOENT/, 'nothing was created through the link');
  });
});

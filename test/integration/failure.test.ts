import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRASH_POINTS } from '../../host/lifecycle/crash.ts';
import type { Bundle } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { leftovers } from '../helpers/leaks.ts';
import { faultInjectingKagoBin, repoRoot } from '../helpers/paths.ts';

describe('bad input and failures leave nothing behind', function () {
  const h = harness();
  const kago = h.kago;
  const bundleFor = (configure?: Parameters<typeof h.bundle>[1]) => h.bundle(['sleep', '1000'], configure);

  /** Leftovers are checked without any delete first: a failed create must clean up by itself. */
  function assertNothingLeft(id: string, bundle: Bundle): void {
    assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
  }

  it('a JSON syntax error is reported with line and column', function () {
    const { id, bundle } = bundleFor();
    writeFileSync(join(bundle.dir, 'config.json'), '{\n  "ociVersion": "1.3.0",\n  "root": {"path": "rootfs",}\n}\n');
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^kago: config\.json: line 3, column \d+: /m);
    assertNothingLeft(id, bundle);
  });

  it('every invalid field is named by its JSON pointer, all at once', function () {
    const { id, bundle } = bundleFor((s) => {
      s.ociVersion = '2.0.0';
      s.process!.cwd = 'relative';
    });
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.json: \/ociVersion: /);
    assert.match(r.stderr, /config\.json: \/process\/cwd: /);
    assertNothingLeft(id, bundle);
  });

  it('a missing config.json or root filesystem is a clear error', function () {
    const { id, bundle } = bundleFor((s) => {
      s.root!.path = 'no-such-rootfs';
    });
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.json: \/root\/path: .*no-such-rootfs does not exist/);
    assertNothingLeft(id, bundle);
    const none = kago.run(['create', '--bundle', join(bundle.dir, 'nowhere'), id]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /config\.json: does not exist/);
  });

  it('an operation that fails in the container is named with its errno, and undone', function () {
    const { id, bundle } = bundleFor((s) => {
      s.mounts!.push({ destination: '/data', type: 'no-such-fs', source: 'none' });
    });
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^kago: mount no-such-fs on \/data: ENODEV$/m);
    assertNothingLeft(id, bundle);
  });

  it('a missing program fails create, not start', function () {
    const { id, bundle } = bundleFor((s) => {
      s.process!.args = ['/bin/not-here'];
    });
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /find \/bin\/not-here: ENOENT/);
    assertNothingLeft(id, bundle);
  });

  it('errors go to the --log file as JSON lines when asked', function () {
    const { id, bundle } = bundleFor((s) => {
      s.ociVersion = 'nope';
    });
    const log = join(bundle.dir, 'kago.log');
    const r = kago.run(['--log', log, '--log-format', 'json', 'create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    const entries = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
    const error = entries.find((e) => e.level === 'error');
    assert.ok(error, 'an error entry');
    assert.match(error.msg, /\/ociVersion/);
    assert.ok(!Number.isNaN(Date.parse(error.time)));
  });

  it('--debug adds what caused the error, with its errno, and the line users read stays the same', function () {
    const { id, bundle } = bundleFor((s) => {
      s.process!.terminal = true;
    });
    const socket = join(bundle.dir, 'no-such.sock');
    const args = ['create', '--console-socket', socket, '--bundle', bundle.dir, id];
    const line = `kago: --console-socket ${socket}: ENOENT`;
    const plain = kago.run(args);
    assert.equal(plain.code, 1);
    assert.equal(plain.stderr, `${line}\n`);
    const debug = kago.run(['--debug', ...args]);
    assert.equal(debug.code, 1);
    assert.ok(debug.stderr.split('\n').includes(line), debug.stderr);
    assert.ok(debug.stderr.includes(`caused by: connect ${socket}: ENOENT (errno 2)`), debug.stderr);
    assertNothingLeft(id, bundle);
  });

  it('rejects bad ids and unknown flags', function () {
    const { bundle } = bundleFor();
    for (const bad of ['../escape', 'a/b', '.', '..']) {
      const r = kago.run(['create', '--bundle', bundle.dir, bad]);
      assert.equal(r.code, 1, bad);
      assert.match(r.stderr, /container id/);
    }
    const flag = kago.run(['create', '--no-such-flag', 'x']);
    assert.equal(flag.code, 1);
    assert.match(flag.stderr, /flag provided but not defined: -no-such-flag/);
    assert.equal(kago.run(['state']).code, 1);
    assert.match(kago.run(['state', 'nonexistent']).stderr, /does not exist/);
  });
});

describe('a crash at any point of create (the test build)', function () {
  const h = harness({ bin: faultInjectingKagoBin });
  const kago = h.kago;
  for (const point of CRASH_POINTS) {
    it(`delete --force cleans up after kill -9 of create at "${point}"`, function () {
      const { id, bundle } = h.bundle(['sleep', '1000']);
      const r = kago.run(['create', '--bundle', bundle.dir, id], { env: { ...process.env, KAGO_CRASH_AT: point } });
      assert.equal(r.signal, 'SIGKILL', `create should have been killed: ${r.stderr}`);
      const pid = readPidIfAny(join(kago.root, id, 'state.json'));
      kago.ok(['delete', '--force', id]);
      assert.deepEqual(leftovers(kago.root, id, bundle.dir, pid ? [pid] : []), []);
    });
  }
});

describe('the shipped kago has no fault injection', function () {
  const h = harness();
  const names = ['KAGO_CRASH_AT', 'KAGO_CRASH_AFTER_OP'];

  it('the executable, the Node bundle and the executor do not name the crash variables; the test build does', function () {
    for (const file of ['dist/kago', 'dist/kago.cjs', 'native/kago-exec']) {
      const bytes = readFileSync(join(repoRoot, file));
      for (const name of names) assert.ok(!bytes.includes(name), `${file} names ${name}`);
    }
    assert.ok(readFileSync(join(repoRoot, 'build/test/dist/kago')).includes('KAGO_CRASH_AT'));
    assert.ok(readFileSync(join(repoRoot, 'build/test/native/kago-exec')).includes('KAGO_CRASH_AFTER_OP'));
  });

  it('a create with KAGO_CRASH_AT and KAGO_CRASH_AFTER_OP set runs as without them', function () {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    const r = h.kago.run(['create', '--bundle', bundle.dir, id], { env: { ...process.env, KAGO_CRASH_AT: 'init-ready', KAGO_CRASH_AFTER_OP: '3' } });
    assert.equal(r.signal, null, `kago was killed: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(h.kago.state(id).status, 'created');
  });
});

function readPidIfAny(stateFile: string): number {
  try {
    return (JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number }).pid;
  } catch {
    return 0;
  }
}

describe('a crash after any operation of the plan (the test build)', function () {
  const h = harness({ bin: faultInjectingKagoBin });
  const kago = h.kago;

  /** The index of every operation before READY (while kago waits on the executor), from the dry run. */
  function operations(args: string[]): number[] {
    const plan = kago.ok(args).stdout;
    const indexes = plan
      .split('\n')
      .filter((l) => /^ *\d+ /.test(l))
      .map((l) => Number(l.trim().split(' ')[0]));
    const ready = plan.split('\n').find((l) => / ready\(\)/.test(l));
    return indexes.filter((i) => i < Number(ready!.trim().split(' ')[0]));
  }

  it('of create: delete --force leaves no process, mount, cgroup or state', function () {
    const { id, bundle } = h.bundle(['sleep', '1000'], (s) => {
      s.hooks = { createRuntime: [{ path: '/bin/true' }] };
    });
    const ops = operations(['create', '--dry-run', '--bundle', bundle.dir, id]);
    assert.ok(ops.length > 40, `a real plan: ${ops.length} operations`);
    for (const n of ops) {
      const r = kago.run(['create', '--bundle', bundle.dir, id], { env: { ...process.env, KAGO_CRASH_AFTER_OP: String(n) } });
      assert.equal(r.signal, 'SIGKILL', `kago must have been killed after operation ${n}: ${r.stderr}`);
      const pid = (() => {
        try {
          return (JSON.parse(readFileSync(join(kago.root, id, 'state.json'), 'utf8')) as { pid: number }).pid;
        } catch {
          return 0;
        }
      })();
      kago.ok(['delete', '--force', id]);
      assert.deepEqual(leftovers(kago.root, id, bundle.dir, pid ? [pid] : []), [], `after a crash after operation ${n}`);
    }
  });

  it('of exec: the container goes on, and nothing of the exec is left', function () {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    // kago is killed after each operation n before READY; from READY on the exec runs to its end.
    let crashes = 0;
    let finished = false;
    for (let n = 0; n < 60 && !finished; n++) {
      const r = kago.run(['exec', id, 'true'], { env: { ...process.env, KAGO_CRASH_AFTER_OP: String(n) } });
      if (r.signal === 'SIGKILL') crashes++;
      else {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(crashes, n, `kago was killed after each of the operations 0..${n - 1}`);
        finished = true;
      }
    }
    assert.ok(crashes > 5, `fault injection fired: ${crashes} crashes`);
    assert.ok(finished, 'an exec with the crash point past READY runs to its end');
    // Every half-made exec process died with kago (parent-death signal): only init is left.
    for (let i = 0; i < 200 && kago.ok(['ps', '--format', 'json', id]).stdout.trim() !== `[${kago.state(id).pid}]`; i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
    assert.equal(kago.ok(['ps', '--format', 'json', id]).stdout.trim(), `[${kago.state(id).pid}]`);
    assert.equal(kago.state(id).status, 'running');
  });
});

describe('init dying unexpectedly during setup', function () {
  const h = harness();

  it('is a clear error of create, and nothing is left', function () {
    const { id, bundle } = h.bundle(['sleep', '1000'], (s) => {
      // The hook kills init while init waits for the hooks to finish.
      s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'kill -9 $(sed "s/.*\\"pid\\":\\([0-9]*\\).*/\\1/")'] }] };
    });
    const r = h.kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^kago: container init: exited during setup/m);
    assert.deepEqual(leftovers(h.kago.root, id, bundle.dir), []);
  });
});

// The six hooks at their points, in order, in the right namespaces, with the
// state of the container on stdin.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hook, Spec } from '../../wasm/spec.gen.ts';
import { harness } from '../helpers/harness.ts';
import { leftovers } from '../helpers/leaks.ts';

interface Entry {
  kind: string;
  state: { status: string; pid: number; id: string; bundle: string; ociVersion: string };
  extra: string;
}

describe('hooks', function () {
  const h = harness();
  const kago = h.kago;

  /** A hook that appends "<kind> <state> <extra>" to log, where extra is what `probe` prints. */
  function logHook(kind: string, log: string, probe = 'true'): Hook {
    return { path: '/bin/sh', args: ['sh', '-c', `state=$(cat); echo "${kind} $state $(${probe})" >> ${log}`] };
  }

  function parse(log: string): Entry[] {
    return readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [kind, rest] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
        const end = rest.lastIndexOf('}') + 1;
        return { kind, state: JSON.parse(rest.slice(0, end)), extra: rest.slice(end).trim() };
      });
  }

  function container(configure: (s: Spec, logDir: string) => void, args = ['sleep', '1000']) {
    const logDir = h.scratch(mkdtempSync(join(tmpdir(), 'kago-hooks-')));
    chmodSync(logDir, 0o777);
    const { id, bundle } = h.bundle(args, (s) => configure(s, logDir));
    return { id, bundle, log: join(logDir, 'log') };
  }

  it('runs all six at their points, in order, with the right status and namespaces', function () {
    const { id, bundle, log } = container((s, logDir) => {
      s.mounts!.push({ destination: '/hooklog', type: 'bind', source: logDir, options: ['bind'] });
      const hostLog = join(logDir, 'log');
      s.hooks = {
        prestart: [logHook('prestart', hostLog, 'readlink /proc/self/ns/mnt')],
        createRuntime: [logHook('createRuntime', hostLog, 'readlink /proc/self/ns/mnt')],
        createContainer: [logHook('createContainer', hostLog, 'readlink /proc/self/ns/mnt')],
        startContainer: [logHook('startContainer', '/hooklog/log', 'hostname')],
        // the program must already run when poststart does: its command line says so
        poststart: [logHook('poststart', hostLog, 'tr "\\\\0" " " < /proc/$(echo "$state" | sed "s/.*\\"pid\\":\\([0-9]*\\).*/\\1/")/cmdline')],
        poststop: [logHook('poststop', hostLog)],
      };
      s.hostname = 'inside';
    });
    kago.ok(['create', '--bundle', bundle.dir, id]);
    const pid = kago.state(id).pid;
    const containerMnt = readlinkSync(`/proc/${pid}/ns/mnt`);
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    kago.ok(['start', id]);
    kago.ok(['kill', id, 'KILL']);
    for (let i = 0; i < 200 && kago.state(id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    kago.ok(['delete', id]);

    const entries = parse(log);
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    );
    // runtime.md: "created" from step 2 on, before any of the hooks (runc 1.1.5 passes "creating" to the first three).
    assert.deepEqual(
      entries.map((e) => e.state.status),
      ['created', 'created', 'created', 'created', 'running', 'stopped'],
    );
    for (const e of entries) {
      assert.equal(e.state.id, id);
      assert.equal(e.state.bundle, bundle.dir);
      assert.equal(e.state.pid, pid);
    }
    assert.equal(entries[0]!.extra, hostMnt, 'prestart runs in the runtime namespace');
    assert.equal(entries[1]!.extra, hostMnt, 'createRuntime runs in the runtime namespace');
    assert.equal(entries[2]!.extra, containerMnt, 'createContainer runs in the container namespace');
    assert.equal(entries[3]!.extra, 'inside', 'startContainer runs in the container (its UTS namespace)');
    assert.equal(entries[4]!.extra, 'sleep 1000', 'poststart runs once the program has been executed');
  });

  it('honours args (argv[0] included) and env', function () {
    const { id, bundle, log } = container((s, logDir) => {
      s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['my-hook', '-c', `echo "$0 $GREETING" > ${join(logDir, 'log')}`], env: ['GREETING=hello'] }] };
    });
    kago.ok(['create', '--bundle', bundle.dir, id]);
    assert.equal(readFileSync(log, 'utf8').trim(), 'my-hook hello');
  });

  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    it(`a failing ${kind} hook fails create and leaves nothing`, function () {
      const { id, bundle } = container((s) => {
        s.hooks = { [kind]: [{ path: '/bin/sh', args: ['sh', '-c', 'echo broken >&2; exit 3'] }] };
      });
      const r = kago.run(['create', '--bundle', bundle.dir, id]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${kind} hook 0 \\(/bin/sh\\): exited with status 3`));
      assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
    });
  }

  it('a hook that outlives its timeout is killed and fails create', function () {
    const { id, bundle } = container((s) => {
      s.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
    });
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /createRuntime hook 0 \(\/bin\/sleep\): timed out after 1 s/);
    assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
  });

  it('a failing startContainer hook stops the container and fails start', function () {
    const { id, bundle } = container((s) => {
      s.hooks = { startContainer: [{ path: '/bin/false' }] };
    });
    kago.ok(['create', '--bundle', bundle.dir, id]);
    const r = kago.run(['start', id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /init failed before executing the program: operation \d+ \(run_hook\) failed: .*: exited with status 1/);
    assert.equal(kago.state(id).status, 'stopped');
  });

  it('a failing poststart hook fails start; a failing poststop is only a warning', function () {
    const { id, bundle } = container((s) => {
      s.hooks = { poststart: [{ path: '/bin/false' }], poststop: [{ path: '/bin/false' }] };
    });
    kago.ok(['create', '--bundle', bundle.dir, id]);
    const r = kago.run(['start', id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /poststart hook 0 \(\/bin\/false\): exited with status 1/);
    const d = kago.run(['delete', '--force', id]);
    assert.equal(d.code, 0);
    assert.match(d.stderr, /poststop hook 0 \(\/bin\/false\): exited with status 1/);
    assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { Kago } from '../helpers/kago.ts';
import { kagoNodeBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';

describe('container lifecycle', function () {
  const h = harness();
  const kago = h.kago;

  /** A container whose processes, once watched, must be gone after the test. */
  function container(args: string[], configure?: Parameters<typeof h.bundle>[1]) {
    const { id, bundle } = h.bundle(args, configure);
    return { id, bundle, pids: { push: (pid: number) => h.watch(pid) } };
  }

  it('goes created -> running -> stopped and is deleted', function () {
    const c = container(['sleep', '1000']);
    kago.ok(['create', '--bundle', c.bundle.dir, c.id]);
    const created = kago.state(c.id);
    assert.equal(created.status, 'created');
    assert.ok(created.pid > 0);
    c.pids.push(created.pid);
    assert.equal(created.bundle, c.bundle.dir);
    assert.ok(existsSync(join(kago.root, c.id, 'exec.fifo')), 'the exec FIFO exists while created');
    // Until start, init waits: the program has not been executed yet.
    assert.doesNotMatch(readFileSync(`/proc/${created.pid}/cmdline`, 'latin1'), /sleep/);

    kago.ok(['start', c.id]);
    const running = kago.state(c.id);
    assert.equal(running.status, 'running');
    assert.equal(running.pid, created.pid);
    assert.ok(readFileSync(`/proc/${created.pid}/cmdline`, 'latin1').startsWith('sleep\x001000'));
    assert.ok(!existsSync(join(kago.root, c.id, 'exec.fifo')));

    const again = kago.run(['start', c.id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running/);

    kago.ok(['kill', c.id, 'KILL']);
    waitFor(() => kago.state(c.id).status === 'stopped');
    const stopped = kago.state(c.id);
    assert.equal(stopped.pid, 0);
    kago.ok(['delete', c.id]);
    assert.equal(kago.run(['state', c.id]).code, 1);
  });

  it('writes the pid file and lists the container', function () {
    const c = container(['sleep', '1000']);
    const pidFile = join(c.bundle.dir, 'init.pid');
    kago.ok(['create', '--bundle', c.bundle.dir, '--pid-file', pidFile, c.id]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    c.pids.push(pid);
    assert.equal(pid, kago.state(c.id).pid);

    const table = kago.ok(['list']).stdout.split('\n');
    assert.match(table[0]!, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    assert.ok(table.some((l) => l.startsWith(c.id) && l.includes('created') && l.includes(String(pid))));
    assert.ok(kago.ok(['list', '-q']).stdout.split('\n').includes(c.id));
    const json = JSON.parse(kago.ok(['list', '--format', 'json']).stdout) as { id: string; status: string }[];
    assert.equal(json.find((s) => s.id === c.id)?.status, 'created');
  });

  it('deletes a created container without --force, a running one only with it', function () {
    const a = container(['sleep', '1000']);
    kago.ok(['create', '--bundle', a.bundle.dir, a.id]);
    a.pids.push(kago.state(a.id).pid);
    kago.ok(['delete', a.id]);

    const b = container(['sleep', '1000']);
    kago.ok(['run', '--detach', '--bundle', b.bundle.dir, b.id]);
    b.pids.push(kago.state(b.id).pid);
    const refused = kago.run(['delete', b.id]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /that is not stopped: running/);
    kago.ok(['delete', '--force', b.id]);
    assert.equal(kago.run(['delete', '--force', b.id]).code, 0, 'forcing the deletion of a gone container succeeds');
  });

  it('kill accepts signal names and numbers, and --all', function () {
    for (const signal of ['SIGKILL', 'KILL', '9', 'kill']) {
      const c = container(['sleep', '1000']);
      kago.ok(['run', '-d', '--bundle', c.bundle.dir, c.id]);
      c.pids.push(kago.state(c.id).pid);
      kago.ok(['kill', c.id, signal]);
      waitFor(() => kago.state(c.id).status === 'stopped');
    }
    const c = container(shell('sleep 1000 & sleep 1000 & wait'));
    kago.ok(['run', '-d', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    kago.ok(['kill', '--all', c.id, 'KILL']);
    waitFor(() => kago.state(c.id).status === 'stopped');
    const bad = kago.run(['kill', c.id, 'SIGNOPE']);
    assert.equal(bad.code, 1);
  });

  it('a foreground run exits with the status of the container, 128+N when killed by signal N', function () {
    const exit3 = container(shell('exit 3'));
    assert.equal(kago.run(['run', '--bundle', exit3.bundle.dir, exit3.id]).code, 3);
    const killed = container(shell('kill -9 $$'));
    // pid 1 cannot signal itself to death: a child kills itself instead.
    killed.bundle.spec.process!.args = shell('sh -c "kill -9 \\$\\$"; exit $?');
    killed.bundle.save();
    assert.equal(kago.run(['run', '--bundle', killed.bundle.dir, killed.id]).code, 137);
    const ok = container(['true']);
    const r = kago.run(['run', '--bundle', ok.bundle.dir, ok.id]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('runs the same way on Node.js (bin/kago-node) as on the shipped Bun executable', function () {
    const onNode = new Kago(kagoNodeBin);
    try {
      assert.match(onNode.run(['--version']).stdout, /^node: v\d+/m);
      assert.match(kago.run(['--version']).stdout, /^bun: \d+/m);
      const c = container(['sh', '-c', 'exit 7']);
      onNode.ok(['create', '--bundle', c.bundle.dir, c.id]);
      onNode.ok(['start', c.id]);
      waitFor(() => onNode.state(c.id).status === 'stopped');
      onNode.ok(['delete', c.id]);
      const d = container(['sh', '-c', 'exit 7']);
      const r = onNode.run(['run', '--bundle', d.bundle.dir, d.id]);
      assert.equal(r.code, 7, r.stderr);
    } finally {
      onNode.cleanup();
    }
  });

  it('a reused pid does not make a stopped container look alive', function () {
    const c = container(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    kago.ok(['kill', c.id, 'KILL']);
    waitFor(() => kago.state(c.id).status === 'stopped');
    // Point the state at a live process that is not the container's init.
    const file = join(kago.root, c.id, 'state.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    saved.pid = process.pid;
    writeFileSync(file, JSON.stringify(saved));
    assert.equal(kago.state(c.id).status, 'stopped');
    assert.equal(kago.run(['kill', c.id, 'KILL']).code, 1, 'kill must not signal the unrelated process');
  });

  it('of two concurrent creates of one id, one wins and the other says why', async function () {
    const c = container(['sleep', '1000']);
    const [a, b] = await Promise.all([kago.spawn(['create', '--bundle', c.bundle.dir, c.id]), kago.spawn(['create', '--bundle', c.bundle.dir, c.id])]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 1], `${a.stderr} ${b.stderr}`);
    const loser = a.code === 1 ? a : b;
    assert.match(loser.stderr, /already exists/);
    c.pids.push(kago.state(c.id).pid);
    assert.equal(kago.state(c.id).status, 'created');
  });
});

// containerd's runc v2 shim runs kago as its runc (`ctr run --runc-binary`),
// with an image built by umoci and imported with `ctr images import`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.ts';
import { type Containerd, containerdTraces, startContainerd } from './containerd.ts';
import {
  catchesSignal,
  cgroupDirs,
  enginesDir,
  type HostTraces,
  kagoState,
  makeScratch,
  ok,
  type Output,
  printShapes,
  lingeringProcesses,
  RecordingRuntime,
  removeScratch,
  runOnTerminal,
  runTool,
} from './harness.ts';

const NAMESPACE = 'kago-engines';
const IMAGE = 'localhost/busybox:kago';

describe('containerd (ctr and the runc v2 shim) runs its containers on kago', function () {
  this.timeout(120_000);
  let scratch = '';
  let containerd: Containerd | undefined;
  let recorder: RecordingRuntime;
  let traces: HostTraces;
  let kagoRoot = '';
  let fifoDir = '';

  const ctr = (args: string[]): Output => containerd!.ctr(NAMESPACE, args);
  const runtimeFlags = (): string[] => ['--runc-binary', recorder.path, '--runc-root', kagoRoot, '--fifo-dir', fifoDir];
  // the shim adds the namespace to the root it is given
  const kagoRootOf = (): string => join(kagoRoot, NAMESPACE);
  const taskStatus = (id: string): string | undefined =>
    ok(ctr(['task', 'ls']), 'task ls')
      .stdout.split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[0] === id)?.[2];

  before(function () {
    traces = containerdTraces(NAMESPACE);
    scratch = makeScratch('ctr');
    recorder = new RecordingRuntime(scratch);
    kagoRoot = join(scratch, 'kago-root');
    fifoDir = join(scratch, 'fifo');
    containerd = startContainerd(scratch);
    const image = join(scratch, 'busybox-oci.tar');
    ok(runTool(scratch, join(enginesDir, 'busybox-oci'), [image, 'kago']), 'busybox-oci');
    ok(ctr(['images', 'import', '--base-name', 'localhost/busybox', image]), 'images import');
  });

  after(async function () {
    if (!scratch) return;
    const left: string[] = [];
    if (containerd) {
      for (const line of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
        ctr(['task', 'kill', '-s', 'KILL', line]);
        ctr(['task', 'delete', '--force', line]);
        ctr(['containers', 'delete', line]);
        left.push(`container ${line} had to be removed in after()`);
      }
      await containerd.stop();
    }
    printShapes('containerd', recorder.shapes(scratch));
    left.push(...lingeringProcesses(scratch).map((pid) => `process ${pid} (a shim?) of this containerd`));
    const run = runTool(scratch, 'find', [kagoRoot, '-mindepth', '2']);
    if (run.stdout.trim()) left.push(`kago state: ${run.stdout.trim()}`);
    left.push(...traces.clean());
    left.push(...removeScratch(scratch));
    assert.deepEqual(left, [], 'containerd left these behind');
  });

  it('run --rm shows the output and exits with the container’s status', function () {
    const r = ctr(['run', '--rm', ...runtimeFlags(), IMAGE, 'c-rm', 'sh', '-c', 'echo hello; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'hello\n');
    const calls = recorder.callsFor('c-rm');
    const prefix = `--root ${kagoRootOf()} --log ${containerd!.state}/${NAMESPACE}/c-rm/log.json --log-format json `;
    assert.ok(calls.length >= 3 && calls.every((c) => c.startsWith(prefix)), calls.join('\n'));
    assert.match(calls[0]!.slice(prefix.length), /^create --bundle \S+ --pid-file \S+\/init\.pid c-rm$/);
    assert.equal(calls[1]!.slice(prefix.length), 'start c-rm');
    assert.ok(
      calls.slice(2).some((c) => c.slice(prefix.length).startsWith('delete')),
      calls.join('\n'),
    );
    assert.equal(kagoState(scratch, kagoRootOf(), 'c-rm'), null);
    assert.deepEqual(cgroupDirs(`${NAMESPACE}/c-rm`), []);
  });

  it('a failed create reaches ctr with kago’s message', function () {
    const r = ctr(['run', '--rm', ...runtimeFlags(), IMAGE, 'c-missing', '/no/such/program']);
    assert.notEqual(r.code, 0);
    // the shim read it from kago's --log (JSON lines)
    assert.match(r.stderr, /find \/no\/such\/program: ENOENT \(no such file or directory\)/);
    assert.doesNotMatch(ok(ctr(['containers', 'ls', '-q']), 'containers ls').stdout, /c-missing/);
    assert.equal(kagoState(scratch, kagoRootOf(), 'c-missing'), null);
  });

  it('run -d leaves the task running on kago', function () {
    ok(ctr(['run', '-d', ...runtimeFlags(), IMAGE, 'c-d', 'sleep', '1000']), 'run -d');
    assert.equal(taskStatus('c-d'), 'RUNNING');
    const state = kagoState(scratch, kagoRootOf(), 'c-d');
    assert.equal(state?.status, 'running');
    const pid = ok(ctr(['task', 'ls']), 'task ls').stdout.match(/^c-d\s+(\d+)/m)?.[1];
    assert.equal(String(state?.pid), pid);
    const config = JSON.parse(readFileSync(join(containerd!.state, NAMESPACE, 'c-d', 'config.json'), 'utf8'));
    assert.equal(config.linux.cgroupsPath, `/${NAMESPACE}/c-d`);
    assert.ok(cgroupDirs(`${NAMESPACE}/c-d`).length > 0, 'kago made the cgroup containerd asked for');
  });

  it('task exec runs a program in the task, with its exit status', function () {
    const r = ctr(['task', 'exec', '--exec-id', 'e1', '--fifo-dir', fifoDir, 'c-d', 'sh', '-c', 'ps -o pid,args; exit 4']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /^\s+1 sleep 1000$/m);
    const exec = recorder.callsFor('c-d').find((c) => / exec /.test(c)) ?? '';
    assert.match(exec, / exec --process \S+ --detach --pid-file \S+\/e1\.pid c-d$/);
  });

  it('task exec -t gives the program a terminal', function () {
    const r = runOnTerminal(scratch, [
      'ctr',
      '--address',
      containerd!.socket,
      '--namespace',
      NAMESPACE,
      'task',
      'exec',
      '-t',
      '--exec-id',
      'e2',
      '--fifo-dir',
      fifoDir,
      'c-d',
      'sh',
      '-c',
      'tty; exit 6',
    ]);
    assert.equal(r.code, 6, r.stdout);
    assert.match(r.stdout, /^\/dev\/pts\/\d+$/m);
    assert.ok(recorder.callsFor('c-d').some((c) => / exec --process \S+ --console-socket \S+ --detach --pid-file \S+\/e2\.pid c-d$/.test(c)));
  });

  it('task ps lists the task’s processes (kago ps --format json)', function () {
    const pid = ok(ctr(['task', 'ls']), 'task ls').stdout.match(/^c-d\s+(\d+)/m)?.[1];
    const r = ok(ctr(['task', 'ps', 'c-d']), 'task ps');
    assert.match(r.stdout, new RegExp(`^${pid}\\s`, 'm'));
    assert.ok(recorder.callsFor('c-d').some((c) => c.endsWith(' ps --format json c-d')));
  });

  it('task pause and resume freeze and thaw the task', function () {
    ok(ctr(['task', 'pause', 'c-d']), 'pause');
    assert.equal(taskStatus('c-d'), 'PAUSED');
    assert.equal(kagoState(scratch, kagoRootOf(), 'c-d')?.status, 'paused');
    ok(ctr(['task', 'resume', 'c-d']), 'resume');
    assert.equal(taskStatus('c-d'), 'RUNNING');
    assert.equal(kagoState(scratch, kagoRootOf(), 'c-d')?.status, 'running');
  });

  it('task kill signals the task; task delete removes what kago made', function () {
    ok(ctr(['run', '-d', ...runtimeFlags(), IMAGE, 'c-term', 'sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done']), 'run -d');
    const shell = Number(ok(ctr(['task', 'ls']), 'task ls').stdout.match(/^c-term\s+(\d+)/m)?.[1]);
    waitFor(() => catchesSignal(shell, 15));
    ok(ctr(['task', 'kill', 'c-term']), 'kill');
    waitFor(() => taskStatus('c-term') === 'STOPPED', 30_000);
    const deleted = ok(ctr(['task', 'delete', 'c-term']), 'task delete');
    // ctr reports a non-zero exit status when it deletes the task
    assert.match(deleted.stderr, /exit code 42/);

    ok(ctr(['task', 'kill', '--signal', 'KILL', 'c-d']), 'kill -s KILL');
    waitFor(() => taskStatus('c-d') === 'STOPPED', 30_000);
    ok(ctr(['task', 'delete', 'c-d']), 'task delete');
    for (const id of ['c-term', 'c-d']) {
      ok(ctr(['containers', 'delete', id]), 'containers delete');
      assert.equal(kagoState(scratch, kagoRootOf(), id), null);
      assert.deepEqual(cgroupDirs(`${NAMESPACE}/${id}`), []);
    }
    const kills = recorder
      .calls()
      .filter((c) => / kill /.test(c))
      .map((c) => c.replace(/^.* kill /, 'kill '));
    assert.deepEqual(kills, ['kill c-term 15', 'kill c-d 9']);
  });
});

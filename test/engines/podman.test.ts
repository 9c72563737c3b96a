// podman (through conmon) runs its containers on kago: configured by
// scripts/engines/podman/*.conf, with an image imported from a busybox
// root filesystem, everything in a scratch directory.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.ts';
import {
  busyboxRootfsTar,
  catchesSignal,
  cgroupDirs,
  HostTraces,
  inEveryHierarchy,
  kagoState,
  makeScratch,
  ok,
  type Output,
  printShapes,
  lingeringProcesses,
  processState,
  RecordingRuntime,
  removeScratch,
  runOnTerminal,
  runTool,
  writeConfig,
} from './harness.ts';

const IMAGE = 'localhost/busybox:kago';
// podman never passes --root: kago keeps podman's containers in its default root.
const KAGO_ROOT = undefined;

describe('podman runs its containers on kago', function () {
  this.timeout(120_000);
  let scratch = '';
  let recorder: RecordingRuntime;
  let env: NodeJS.ProcessEnv = {};
  let traces: HostTraces;
  const ids: string[] = [];

  const podman = (args: string[], input?: string): Output => runTool(scratch, 'podman', args, { env, input });
  const inspect = (name: string, format: string): string => ok(podman(['inspect', '--format', format, name]), `inspect ${name}`).stdout.trim();
  const cidOf = (name: string): string => {
    const id = inspect(name, '{{.Id}}');
    ids.push(id);
    return id;
  };

  before(function () {
    traces = new HostTraces([
      ...inEveryHierarchy('libpod_parent/conmon'),
      ...inEveryHierarchy('libpod_parent'),
      // the image blob cache of containers/image, not moved by storage.conf
      '/var/lib/containers/cache/blob-info-cache-v1.boltdb',
      '/var/lib/containers/cache',
      '/var/lib/containers',
      '/run/kago',
    ]);
    scratch = makeScratch('podman');
    recorder = new RecordingRuntime(scratch);
    const values = { KAGO: recorder.path, SCRATCH: scratch };
    env = {
      ...process.env,
      CONTAINERS_CONF: writeConfig('podman/containers.conf', join(scratch, 'containers.conf'), values),
      CONTAINERS_STORAGE_CONF: writeConfig('podman/storage.conf', join(scratch, 'storage.conf'), values),
    };
    ok(podman(['import', busyboxRootfsTar(scratch), IMAGE]), 'podman import');
  });

  after(function () {
    if (!scratch) return;
    podman(['rm', '--all', '--force', '--time', '0']);
    printShapes('podman', recorder.shapes(scratch));
    const left: string[] = [];
    for (const id of ids) {
      if (kagoState(scratch, KAGO_ROOT, id)) left.push(`kago still knows container ${id}`);
      left.push(...cgroupDirs(`libpod_parent/libpod-${id}`).map((d) => `cgroup ${d}`));
    }
    left.push(...lingeringProcesses(scratch).map((pid) => `process ${pid} of this podman`));
    left.push(...traces.clean());
    left.push(...removeScratch(scratch));
    assert.deepEqual(left, [], 'podman left these behind');
  });

  it('run --rm shows the output and exits with the container’s status', function () {
    const cidfile = join(scratch, 'rm.cid');
    const r = podman(['run', '--rm', '--network', 'none', '--cidfile', cidfile, IMAGE, 'sh', '-c', 'echo hello from $(hostname); exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^hello from \w+\n$/);
    const id = readFileSync(cidfile, 'utf8').trim();
    ids.push(id);
    const calls = recorder.callsFor(id);
    // runtime_supports_json: podman passes kago's log to read its errors
    assert.match(calls[0] ?? '', /^--log-format=json --log \S+ create --bundle \S+ --pid-file \S+ [0-9a-f]{64}$/);
    assert.ok(
      calls.some((c) => c.startsWith('start ')),
      calls.join('\n'),
    );
    assert.ok(
      calls.some((c) => c.startsWith('delete --force ')),
      calls.join('\n'),
    );
    assert.equal(kagoState(scratch, KAGO_ROOT, id), null, 'kago forgot the container');
  });

  it('records a seccomp profile when asked by annotation, under podman’s own profile (docs/seccomp-record.md)', function () {
    const file = join(scratch, 'recorded.json');
    const r = podman([
      'run',
      '--rm',
      '--network',
      'none',
      '--annotation',
      `org.kago.seccomp.record=${file}`,
      IMAGE,
      'sh',
      '-c',
      'ls / | wc -l; date -s 2020-01-01 >/dev/null',
    ]);
    assert.equal(r.code, 0, r.stderr);
    // Setting the clock: refused by podman's profile (and, beneath it, by the missing CAP_SYS_TIME).
    assert.match(r.stderr, /can't set date: Operation not permitted/, r.stdout);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { syscalls: { names: string[]; action: string }[] };
    const allowed = profile.syscalls.find((s) => s.action === 'SCMP_ACT_ALLOW')?.names ?? [];
    assert.ok(allowed.includes('execve') && allowed.includes('getdents64'), allowed.join(' '));
    assert.ok(
      profile.syscalls.some((s) => s.action === 'SCMP_ACT_ERRNO' && s.names.some((n) => n === 'clock_settime' || n === 'settimeofday')),
      JSON.stringify(profile.syscalls),
    );
  });

  it('applies podman’s seccomp profile and capabilities', function () {
    const r = ok(podman(['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'grep -E "^(Seccomp|CapEff|NoNewPrivs):" /proc/self/status']), 'run');
    assert.match(r.stdout, /^Seccomp:\s+2$/m);
    // podman's default set, not a root shell's full set
    assert.doesNotMatch(r.stdout, /^CapEff:\s+0*1ffffffffff$/m);
  });

  it('a missing command exits 127 and one that cannot run 126, with kago’s message', function () {
    const missing = podman(['run', '--rm', '--network', 'none', IMAGE, '/no/such/program']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /find \/no\/such\/program: ENOENT \(no such file or directory\)/);
    const denied = podman(['run', '--rm', '--network', 'none', IMAGE, '/etc/passwd']);
    assert.equal(denied.code, 126, denied.stderr);
    assert.match(denied.stderr, /permission denied/);
  });

  it('run -d leaves the container running on kago; exec runs programs in it', function () {
    ok(podman(['run', '-d', '--network', 'none', '--name', 'k-exec', IMAGE, 'sleep', '1000']), 'run -d');
    const id = cidOf('k-exec');
    const state = kagoState(scratch, KAGO_ROOT, id);
    assert.equal(state?.status, 'running');
    assert.equal(String(state?.pid), inspect('k-exec', '{{.State.Pid}}'));

    const r = podman(['exec', 'k-exec', 'sh', '-c', 'ps -o pid,args; exit 7']);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stdout, /^\s+1 sleep 1000$/m);
    const missing = podman(['exec', 'k-exec', 'no-such-program']);
    assert.equal(missing.code, 127, missing.stderr);
    const execs = recorder.callsFor(id).filter((c) => / exec /.test(c));
    assert.match(execs[0] ?? '', /^--log-format=json --log \S+ exec --pid-file \S+ --process \S+ --detach [0-9a-f]{64}$/);
  });

  it('exec -t gives the program a terminal', function () {
    const r = ok(podman(['exec', '-t', 'k-exec', 'sh', '-c', 'tty; echo done']), 'exec -t');
    assert.match(r.stdout, /^\/dev\/pts\/\d+\r?\ndone/);
    const id = cidOf('k-exec');
    assert.ok(recorder.callsFor(id).some((c) => / exec .* --tty --console-socket \S+ [0-9a-f]{64}$/.test(c)));
  });

  it('run -t gives the container a terminal, and -it takes its input from ours', function () {
    const t = ok(podman(['run', '--rm', '-t', '--network', 'none', IMAGE, 'tty']), 'run -t');
    assert.equal(t.stdout.replace(/\r/g, '').trim(), '/dev/pts/0');
    const it = runOnTerminal(scratch, ['podman', 'run', '--rm', '-it', '--network', 'none', IMAGE, 'sh'], { env, input: 'echo answer $((6*7))\nexit 5\n' });
    assert.equal(it.code, 5, it.stdout);
    assert.match(it.stdout, /^answer 42$/m);
  });

  it('pause freezes the container and unpause thaws it', function () {
    const id = cidOf('k-exec');
    ok(podman(['pause', 'k-exec']), 'pause');
    assert.equal(inspect('k-exec', '{{.State.Status}}'), 'paused');
    assert.equal(kagoState(scratch, KAGO_ROOT, id)?.status, 'paused');
    ok(podman(['unpause', 'k-exec']), 'unpause');
    assert.equal(kagoState(scratch, KAGO_ROOT, id)?.status, 'running');
    ok(podman(['exec', 'k-exec', 'true']), 'exec after unpause');
  });

  it('stop sends TERM, and KILL after the timeout to a container that ignores it', function () {
    ok(
      podman(['run', '-d', '--network', 'none', '--name', 'k-term', IMAGE, 'sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done']),
      'run -d',
    );
    const polite = cidOf('k-term');
    const shell = Number(inspect('k-term', '{{.State.Pid}}'));
    waitFor(() => catchesSignal(shell, 15));
    ok(podman(['stop', '--time', '30', 'k-term']), 'stop');
    assert.equal(inspect('k-term', '{{.State.ExitCode}}'), '42');
    assert.deepEqual(
      recorder.callsFor(polite).filter((c) => c.startsWith('kill')),
      [`kill ${polite} 15`],
    );

    // pid 1 gets no default action for TERM: sleep ignores it
    const stubborn = cidOf('k-exec');
    ok(podman(['stop', '--time', '1', 'k-exec']), 'stop');
    assert.equal(inspect('k-exec', '{{.State.ExitCode}}'), '137');
    assert.deepEqual(
      recorder.callsFor(stubborn).filter((c) => c.startsWith('kill')),
      [`kill ${stubborn} 15`, `kill ${stubborn} 9`],
    );
    assert.equal(kagoState(scratch, KAGO_ROOT, stubborn), null);
  });

  it('a stopped container starts again, and kill ends it', function () {
    const id = cidOf('k-exec');
    ok(podman(['start', 'k-exec']), 'start');
    assert.equal(inspect('k-exec', '{{.State.Status}}'), 'running');
    assert.equal(kagoState(scratch, KAGO_ROOT, id)?.status, 'running');
    ok(podman(['kill', 'k-exec']), 'kill');
    ok(podman(['wait', 'k-exec']), 'wait');
    assert.equal(inspect('k-exec', '{{.State.ExitCode}}'), '137');
  });

  it('rm -f removes a running container and everything kago made for it', function () {
    ok(podman(['run', '-d', '--network', 'none', '--name', 'k-rm', IMAGE, 'sleep', '1000']), 'run -d');
    const id = cidOf('k-rm');
    const pid = Number(inspect('k-rm', '{{.State.Pid}}'));
    ok(podman(['rm', '-f', '--time', '0', 'k-rm']), 'rm -f');
    ok(podman(['rm', 'k-exec', 'k-term']), 'rm');
    assert.equal(kagoState(scratch, KAGO_ROOT, id), null);
    assert.ok([null, 'Z'].includes(processState(pid)), 'the container process is gone');
    assert.deepEqual(cgroupDirs(`libpod_parent/libpod-${id}`), []);
  });
});

// Docker runs containers on kago: a dockerd of the test's own (config from
// scripts/engines/docker/daemon.json, which names kago in "runtimes") on a
// containerd of the test's own, with an image imported from a busybox root
// filesystem. Docker's configs carry a prestart hook (libnetwork-setkey)
// and Docker's default seccomp profile.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Containerd, containerdTraces, startContainerd } from './containerd.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  busyboxRootfsTar,
  catchesSignal,
  cgroupDirs,
  Daemon,
  HostTraces,
  inEveryHierarchy,
  kagoState,
  makeScratch,
  mountsUnder,
  ok,
  type Output,
  printShapes,
  lingeringProcesses,
  RecordingRuntime,
  removeScratch,
  runOnTerminal,
  runTool,
  writeConfig,
} from './harness.ts';

// Debian's docker.io client; another `docker` may come first in PATH.
const DOCKER = '/usr/bin/docker';
const IMAGE = 'busybox:kago';
// Docker's containers live in containerd's "moby" namespace.
const NAMESPACE = 'moby';

describe('Docker runs its containers on kago', function () {
  this.timeout(120_000);
  let scratch = '';
  let dir = '';
  let containerd: Containerd | undefined;
  let dockerd: Daemon | undefined;
  let recorder: RecordingRuntime;
  let traces: HostTraces[] = [];
  const ids: string[] = [];

  const docker = (args: string[]): Output => runTool(scratch, DOCKER, ['--host', `unix://${join(dir, 'docker.sock')}`, ...args]);
  const inspect = (name: string, format: string): string => ok(docker(['inspect', '--format', format, name]), `inspect ${name}`).stdout.trim();
  const idOf = (name: string): string => {
    const id = inspect(name, '{{.Id}}');
    ids.push(id);
    return id;
  };
  // Docker 20.10 gives every runtime the root it gives runc.
  const kagoRoot = (): string => join(dir, 'exec', 'runtime-runc', NAMESPACE);

  before(function () {
    traces = [
      containerdTraces(NAMESPACE),
      new HostTraces([
        // plugin sockets are looked up here whatever exec-root says
        '/run/docker/plugins',
        '/run/docker',
        // the cgroup parent of Docker's containers
        ...inEveryHierarchy('docker'),
      ]),
    ];
    scratch = makeScratch('docker');
    recorder = new RecordingRuntime(scratch);
    containerd = startContainerd(scratch);
    dir = join(scratch, 'docker');
    mkdirSync(dir);
    const config = writeConfig('docker/daemon.json', join(dir, 'daemon.json'), { KAGO: recorder.path, SCRATCH: dir, CONTAINERD: containerd.socket });
    dockerd = new Daemon('dockerd', ['--config-file', config], join(dir, 'dockerd.log'));
    try {
      dockerd.waitUntil(() => existsSync(join(dir, 'docker.sock')) && docker(['version']).code === 0, 'dockerd');
    } catch (e) {
      dockerd.killNow();
      throw e;
    }
    ok(docker(['import', busyboxRootfsTar(scratch), IMAGE]), 'docker import');
  });

  after(async function () {
    if (!scratch) return;
    const left: string[] = [];
    if (dockerd) {
      const names = docker(['ps', '--all', '--quiet']).stdout.split('\n').filter(Boolean);
      if (names.length) {
        docker(['rm', '--force', ...names]);
        left.push(`containers ${names.join(' ')} had to be removed in after()`);
      }
      await dockerd.stop();
    }
    if (containerd) await containerd.stop();
    printShapes('Docker', recorder.shapes(scratch));
    left.push(...lingeringProcesses(scratch).map((pid) => `process ${pid} of this Docker`));
    for (const id of ids) left.push(...cgroupDirs(`docker/${id}`).map((d) => `cgroup ${d}`));
    for (const t of traces) left.push(...t.clean());
    left.push(...removeScratch(scratch));
    assert.deepEqual(left, [], 'Docker left these behind');
  });

  it('run --rm shows the output and exits with the container’s status', function () {
    const cidfile = join(scratch, 'rm.cid');
    const r = docker(['run', '--rm', '--runtime', 'kago', '--network', 'none', '--cidfile', cidfile, IMAGE, 'sh', '-c', 'echo hello; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'hello\n');
    const id = readFileSync(cidfile, 'utf8').trim();
    ids.push(id);
    const calls = recorder.callsFor(id);
    const prefix = `--root ${kagoRoot()} --log ${containerd!.state}/${NAMESPACE}/${id}/log.json --log-format json `;
    assert.ok(calls.length >= 3 && calls.every((c) => c.startsWith(prefix)), calls.join('\n'));
    assert.match(calls[0]!.slice(prefix.length), /^create --bundle \S+ --pid-file \S+ [0-9a-f]{64}$/);
    assert.equal(kagoState(scratch, kagoRoot(), id), null);
  });

  it('a missing command exits 127 and one that cannot run 126', function () {
    const missing = docker(['run', '--rm', '--runtime', 'kago', '--network', 'none', IMAGE, '/no/such/program']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /find \/no\/such\/program: ENOENT \(no such file or directory\)/);
    const denied = docker(['run', '--rm', '--runtime', 'kago', '--network', 'none', IMAGE, '/etc/passwd']);
    assert.equal(denied.code, 126, denied.stderr);
  });

  it('applies Docker’s default seccomp profile', function () {
    // the profile refuses unshare without CAP_SYS_ADMIN; the kernel alone would allow a user namespace
    const confined = docker([
      'run',
      '--rm',
      '--runtime',
      'kago',
      '--network',
      'none',
      IMAGE,
      'sh',
      '-c',
      'grep "^Seccomp:" /proc/self/status; unshare -U true',
    ]);
    assert.match(confined.stdout, /^Seccomp:\s+2$/m);
    assert.notEqual(confined.code, 0);
    assert.match(confined.stderr, /Operation not permitted/);
    const unconfined = docker([
      'run',
      '--rm',
      '--runtime',
      'kago',
      '--network',
      'none',
      '--security-opt',
      'seccomp=unconfined',
      IMAGE,
      'sh',
      '-c',
      'grep "^Seccomp:" /proc/self/status; unshare -U true',
    ]);
    assert.equal(unconfined.code, 0, unconfined.stderr);
    assert.match(unconfined.stdout, /^Seccomp:\s+0$/m);
  });

  it('run -d: the prestart hook gave Docker the container’s network namespace', function () {
    ok(docker(['run', '-d', '--runtime', 'kago', '--network', 'none', '--name', 'k-d', IMAGE, 'sleep', '1000']), 'run -d');
    const id = idOf('k-d');
    const config = JSON.parse(readFileSync(join(containerd!.state, NAMESPACE, id, 'config.json'), 'utf8'));
    assert.equal(config.hooks.prestart[0].args[0], 'libnetwork-setkey');
    // libnetwork-setkey (run by kago with the container's state on stdin)
    // bind-mounts /proc/PID/ns/net onto Docker's netns directory
    assert.ok(mountsUnder(join(dir, 'exec', 'netns')).length > 0, 'the sandbox key is mounted');
    const state = kagoState(scratch, kagoRoot(), id);
    assert.equal(state?.status, 'running');
    assert.equal(String(state?.pid), inspect('k-d', '{{.State.Pid}}'));
  });

  it('exec runs a program in the container, with its exit status', function () {
    const r = docker(['exec', 'k-d', 'sh', '-c', 'ps -o pid,args; exit 4']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /^\s+1 sleep 1000$/m);
    const id = idOf('k-d');
    assert.ok(recorder.callsFor(id).some((c) => / exec --process \S+ --detach --pid-file \S+ [0-9a-f]{64}$/.test(c)));
  });

  it('exec -t and run -t give the program a terminal', function () {
    const e = runOnTerminal(scratch, [DOCKER, '--host', `unix://${join(dir, 'docker.sock')}`, 'exec', '-t', 'k-d', 'sh', '-c', 'tty; exit 6']);
    assert.equal(e.code, 6, e.stdout);
    assert.match(e.stdout, /^\/dev\/pts\/\d+$/m);
    const r = ok(docker(['run', '--rm', '-t', '--runtime', 'kago', '--network', 'none', IMAGE, 'tty']), 'run -t');
    assert.equal(r.stdout.replace(/\r/g, '').trim(), '/dev/pts/0');
    const id = idOf('k-d');
    assert.ok(recorder.callsFor(id).some((c) => / exec --process \S+ --console-socket \S+ --detach /.test(c)));
  });

  it('pause freezes the container and unpause thaws it', function () {
    const id = idOf('k-d');
    ok(docker(['pause', 'k-d']), 'pause');
    assert.equal(inspect('k-d', '{{.State.Status}}'), 'paused');
    assert.equal(kagoState(scratch, kagoRoot(), id)?.status, 'paused');
    ok(docker(['unpause', 'k-d']), 'unpause');
    assert.equal(kagoState(scratch, kagoRoot(), id)?.status, 'running');
  });

  it('stop sends TERM, and KILL after the timeout to a container that ignores it', function () {
    ok(
      docker([
        'run',
        '-d',
        '--runtime',
        'kago',
        '--network',
        'none',
        '--name',
        'k-term',
        IMAGE,
        'sh',
        '-c',
        'trap "exit 42" TERM; while :; do sleep 0.1; done',
      ]),
      'run -d',
    );
    const polite = idOf('k-term');
    const shell = Number(inspect('k-term', '{{.State.Pid}}'));
    waitFor(() => catchesSignal(shell, 15));
    ok(docker(['stop', '--time', '30', 'k-term']), 'stop');
    assert.equal(inspect('k-term', '{{.State.ExitCode}}'), '42');
    assert.deepEqual(
      recorder
        .callsFor(polite)
        .filter((c) => / kill /.test(c))
        .map((c) => c.replace(/^.* kill /, 'kill ')),
      [`kill ${polite} 15`],
    );

    const stubborn = idOf('k-d');
    ok(docker(['stop', '--time', '1', 'k-d']), 'stop');
    assert.equal(inspect('k-d', '{{.State.ExitCode}}'), '137');
    assert.deepEqual(
      recorder
        .callsFor(stubborn)
        .filter((c) => / kill /.test(c))
        .map((c) => c.replace(/^.* kill /, 'kill ')),
      [`kill ${stubborn} 15`, `kill ${stubborn} 9`],
    );
    assert.equal(kagoState(scratch, kagoRoot(), stubborn), null);
  });

  it('rm removes stopped containers, rm -f a running one', function () {
    ok(docker(['start', 'k-d']), 'start');
    const id = idOf('k-d');
    assert.equal(kagoState(scratch, kagoRoot(), id)?.status, 'running');
    ok(docker(['rm', '--force', 'k-d']), 'rm -f');
    ok(docker(['rm', 'k-term']), 'rm');
    assert.equal(kagoState(scratch, kagoRoot(), id), null);
    assert.deepEqual(cgroupDirs(`docker/${id}`), []);
    assert.deepEqual(mountsUnder(join(dir, 'exec', 'netns')), []);
  });
});

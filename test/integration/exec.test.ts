// `kago exec` into running containers.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import type { Bundle } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';

describe('exec', function () {
  const h = harness();
  const kago = h.kago;

  function running(configure?: (s: Spec) => void): { id: string; bundle: Bundle; pid: number } {
    const { id, bundle } = h.bundle(['sleep', '1000'], configure);
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    return { id, bundle, pid: kago.state(id).pid };
  }

  it('joins every namespace and the cgroups of the container', function () {
    const c = running((s) => {
      s.linux!.namespaces!.push({ type: 'user' }, { type: 'time' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.hostname = 'exec-target';
    });
    const names = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
    const r = kago.run([
      'exec',
      c.id,
      'sh',
      '-c',
      `for n in ${names.join(' ')}; do readlink /proc/self/ns/$n; done; hostname; cat /proc/self/uid_map; echo $$; cat /proc/1/cmdline | tr '\\0' ' '`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    names.forEach((n, i) => {
      assert.equal(lines[i], readlinkSync(`/proc/${c.pid}/ns/${n}`), n);
    });
    assert.equal(lines[8], 'exec-target');
    assert.match(lines[9]!, /^\s*0\s+100000\s+65536$/);
    assert.notEqual(lines[10], '1', 'a new process, not init');
    assert.equal(lines[11]!.trim(), 'sleep 1000', 'pid 1 of the namespace it joined is the container init');
    const cgroups = kago.run(['exec', c.id, 'cat', '/proc/self/cgroup']).stdout.trim().split('\n');
    for (const line of cgroups) assert.ok(line.endsWith(':/'), `in the container's cgroup (seen from its cgroup namespace): ${line}`);
  });

  it('forwards the exit status and applies --env, --cwd, --user and --cap', function () {
    const c = running();
    assert.equal(kago.run(['exec', c.id, 'sh', '-c', 'exit 7']).code, 7);
    const r = kago.run([
      'exec',
      '--env',
      'FOO=bar',
      '--cwd',
      '/tmp',
      '--user',
      '1000:1001',
      '--cap',
      'CAP_NET_RAW',
      c.id,
      'sh',
      '-c',
      'echo $FOO; pwd; id -u; id -g; grep -E "CapEff|CapBnd" /proc/self/status',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [foo, cwd, uid, gid, eff, bnd] = r.stdout.trim().split('\n');
    assert.deepEqual([foo, cwd, uid, gid], ['bar', '/tmp', '1000', '1001']);
    const capNetRaw = (line: string) => BigInt(`0x${line.split(/\s+/)[1]}`) & (1n << 13n);
    // As with runc since CVE-2022-29162, --cap is not inheritable: a non-root user's execve drops it from the effective set.
    assert.equal(capNetRaw(eff!), 0n, 'CAP_NET_RAW is not effective for uid 1000');
    assert.equal(capNetRaw(bnd!), 1n << 13n, 'CAP_NET_RAW is in the bounding set');
    const root = kago.run(['exec', '--cap', 'CAP_NET_RAW', c.id, 'grep', 'CapEff', '/proc/self/status']);
    assert.equal(capNetRaw(root.stdout.trim()), 1n << 13n, 'CAP_NET_RAW is effective for root');
  });

  it('takes the process from --process, detaches and writes the pid file', function () {
    const c = running();
    const processFile = join(c.bundle.dir, 'process.json');
    const pidFile = join(c.bundle.dir, 'exec.pid');
    writeFileSync(processFile, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['sleep', '777'], cwd: '/', env: ['PATH=/bin'] }));
    kago.ok(['exec', '--process', processFile, '--detach', '--pid-file', pidFile, c.id]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep\x00777'));
    assert.equal(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync(`/proc/${c.pid}/ns/pid`));
    writeFileSync(processFile, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['true'], cwd: 'relative' }));
    const bad = kago.run(['exec', '--process', processFile, c.id]);
    assert.equal(bad.code, 255);
    assert.match(bad.stderr, /process\.json: \/cwd: /);
  });

  it('applies the container seccomp profile to exec processes too', function () {
    const c = running((s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }] };
    });
    const r = kago.run(['exec', c.id, 'sh', '-c', 'kill -0 1 2>&1; echo rc=$?']);
    assert.match(r.stdout, /No space left on device\nrc=1/);
  });

  it('refuses a stopped container and a missing program', function () {
    const c = running();
    const missing = kago.run(['exec', c.id, 'no-such-program']);
    assert.equal(missing.code, 255);
    assert.match(missing.stderr, /find no-such-program: ENOENT/);
    kago.ok(['kill', c.id, 'KILL']);
    for (let i = 0; i < 500 && kago.state(c.id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    const r = kago.run(['exec', c.id, 'true']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /cannot exec in a stopped container/);
  });
});

describe('exec --cgroup', function () {
  const h = harness();
  const kago = h.kago;

  it('runs the process in a sub-cgroup of the container, in every hierarchy or one controller', function () {
    const { id, bundle } = h.bundle(['sleep', '1000'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'cgroup');
    });
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    const dirs = (JSON.parse(readFileSync(join(kago.root, id, 'state.json'), 'utf8')) as { kago: { cgroup: { dirs: string[] } } }).kago.cgroup.dirs;
    for (const dir of dirs) {
      mkdirSync(join(dir, 'sub'));
      // a v1 cpuset starts empty, and nothing can join it until it has cpus and mems
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if (existsSync(join(dir, f))) writeFileSync(join(dir, 'sub', f), readFileSync(join(dir, f)));
      }
    }
    const all = kago.run(['exec', '--cgroup', 'sub', id, 'cat', '/proc/self/cgroup']);
    assert.equal(all.code, 0, all.stderr);
    for (const line of all.stdout.trim().split('\n')) assert.ok(line.endsWith(`/kago/${id}/sub`), line);
    const one = kago.run(['exec', '--cgroup', 'pids:sub', id, 'cat', '/proc/self/cgroup']);
    const lines = one.stdout.trim().split('\n');
    assert.ok(lines.find((l) => l.split(':')[1] === 'pids')!.endsWith(`/kago/${id}/sub`));
    assert.ok(lines.find((l) => l.split(':')[1] === 'memory')!.endsWith(`/kago/${id}`));
    const missing = kago.run(['exec', '--cgroup', 'nope', id, 'true']);
    assert.equal(missing.code, 255);
    assert.match(missing.stderr, /--cgroup nope: .*does not exist/);
  });
});

describe('exec into a paused container', function () {
  const h = harness();
  const kago = h.kago;

  it('is refused, unless --ignore-paused: then the process joins the frozen cgroup and runs on resume', async function () {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    kago.ok(['pause', id]);
    const refused = kago.run(['exec', id, 'true']);
    assert.equal(refused.code, 255);
    assert.match(refused.stderr, /paused/);
    const waiting = kago.spawn(['exec', '--ignore-paused', id, 'echo', 'ran']);
    // Joining a frozen cgroup freezes the new process too, until resume.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    kago.ok(['resume', id]);
    const r = await waiting;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ran');
  });
});

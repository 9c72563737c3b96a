import assert from 'node:assert/strict';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { kagoBin } from '../helpers/paths.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';

const NAMESPACES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];

describe('isolation', function () {
  const h = harness();
  const kago = h.kago;

  /** Runs args in a fresh container in the foreground; returns its output. */
  function runIn(args: string[], configure?: (s: Spec) => void): { code: number | null; out: string; err: string } {
    const r = h.runIn(args, configure);
    return { code: r.code, out: r.stdout, err: r.stderr };
  }

  function withAllNamespaces(s: Spec): void {
    s.linux!.namespaces = [
      { type: 'pid' },
      { type: 'network' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'cgroup' },
      { type: 'time' },
      { type: 'user' },
    ];
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  }

  it('creates all eight namespaces, each different from the host one', function () {
    const script = NAMESPACES.map((ns) => `readlink /proc/self/ns/${ns}`).join('; ');
    const r = runIn(shell(script), withAllNamespaces);
    assert.equal(r.code, 0, r.err);
    const inside = r.out.trim().split('\n');
    assert.equal(inside.length, 8);
    NAMESPACES.forEach((ns, i) => {
      const host = readlinkSync(`/proc/self/ns/${ns}`);
      assert.match(inside[i]!, new RegExp(`^${ns}:\\[\\d+\\]$`));
      assert.notEqual(inside[i], host, `${ns} namespace must differ from the host's`);
    });
  });

  it('runs the program as pid 1 with its own hostname and domain name, and no host root', function () {
    const marker = `kago-host-marker-${process.pid}`;
    writeFileSync(join('/', marker), 'host');
    h.scratch(join('/', marker));
    const r = runIn(
      shell(`echo $$; hostname; cat /proc/sys/kernel/domainname; ls /; test -e /${marker} && echo LE''AK; cat /proc/1/cmdline | tr '\\0' ' '`),
      (s) => {
        s.hostname = 'kago-test-host';
        s.domainname = 'kago.example';
      },
    );
    assert.equal(r.code, 0, r.err);
    const [pid, hostname, domain, ...rest] = r.out.trim().split('\n');
    assert.equal(pid, '1');
    assert.equal(hostname, 'kago-test-host');
    assert.equal(domain, 'kago.example');
    assert.ok(!r.out.includes('LEAK'), 'the host root must be invisible');
    assert.deepEqual(rest.slice(0, -1), ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp']);
    assert.match(rest.at(-1)!, /^sh -c /, 'pid 1 is the container program');
  });

  it('maps uid 0 to 100000 in a user namespace; files it creates are owned by 100000 outside', function () {
    const shared = mkdtempSync(join(tmpdir(), 'kago-shared-'));
    h.scratch(shared);
    // the directory must be writable by the mapped root (host uid 100000)
    chmodSync(shared, 0o777);
    const r = runIn(shell('cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/made-inside'), (s) => {
      withAllNamespaces(s);
      s.mounts!.push({ destination: '/tmp', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    });
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, ['0 100000 65536', '0 100000 65536', '0']);
    const st = statSync(join(shared, 'made-inside'));
    assert.equal(st.uid, 100000);
    assert.equal(st.gid, 100000);
  });

  it('joins a namespace given by path', function () {
    const { id: ownerId, bundle: owner } = h.bundle(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', owner.dir, ownerId]);
    const pid = kago.state(ownerId).pid;
    const r = runIn(shell('readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((ns) =>
        ns.type === 'network' || ns.type === 'uts' ? { type: ns.type, path: `/proc/${pid}/ns/${ns.type === 'network' ? 'net' : 'uts'}` } : ns,
      );
      delete s.hostname;
    });
    assert.equal(r.code, 0, r.err);
    const [net, uts, hostname] = r.out.trim().split('\n');
    assert.equal(net, readlinkSync(`/proc/${pid}/ns/net`));
    assert.equal(uts, readlinkSync(`/proc/${pid}/ns/uts`));
    assert.equal(hostname, 'kago', 'the joined UTS namespace keeps the owner container hostname');
  });

  it('a read-only root refuses writes; a writable one accepts them', function () {
    const ro = runIn(shell('touch /new-file 2>&1; echo rc=$?'));
    assert.match(ro.out, /Read-only file system/);
    assert.match(ro.out, /rc=1/);
    const rw = runIn(shell('touch /new-file && echo written'), (s) => {
      s.root!.readonly = false;
    });
    assert.equal(rw.out.trim(), 'written');
  });

  it('applies args, env, cwd, uid, gid, additional gids and umask', function () {
    const r = runIn(['sh', '-c', 'echo "$GREETING"; pwd; id -u; id -g; id -G; umask', 'ignored-arg0'], (s) => {
      s.process!.env = ['PATH=/bin', 'GREETING=hello from kago'];
      s.process!.cwd = '/tmp/work';
      s.process!.user = { uid: 1234, gid: 4321, additionalGids: [7, 8], umask: 0o027 };
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['hello from kago', '/tmp/work', '1234', '4321', '4321 7 8', '0027']);
  });

  it('sets HOME from the container /etc/passwd when the env lacks it', function () {
    assert.equal(runIn(shell('echo $HOME')).out.trim(), '/root');
    assert.equal(
      runIn(shell('echo $HOME'), (s) => {
        s.process!.user = { uid: 4242, gid: 4242 };
      }).out.trim(),
      '/',
      'a user without an entry gets /',
    );
    assert.equal(
      runIn(shell('echo $HOME'), (s) => {
        s.process!.env!.push('HOME=/custom');
      }).out.trim(),
      '/custom',
    );
  });

  it('finds the program in the container PATH', function () {
    const r = runIn(['echo', 'found'], (s) => {
      s.process!.env = ['PATH=/nowhere:/bin'];
    });
    assert.equal(r.out.trim(), 'found');
    const missing = runIn(['no-such-program']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^kago: find no-such-program: ENOENT \(no such file or directory\)$/m);
  });

  it('masks and write-protects the configured /proc paths', function () {
    const r = runIn(shell('cat /proc/keys | wc -c; echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo refused; ls /proc/acpi 2>&1 | wc -l'));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.out
        .trim()
        .split('\n')
        .map((l) => l.trim()),
      ['0', 'refused', '0'],
    );
  });

  it('has the default devices and the /dev links', function () {
    const r = runIn(
      shell(
        'for f in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$f; done; for l in fd stdin stdout stderr ptmx; do echo "/dev/$l -> $(readlink /dev/$l)"; done; echo hi > /dev/null && head -c 4 /dev/zero | wc -c',
      ),
    );
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), [
      '/dev/null character special file 1:3 666',
      '/dev/zero character special file 1:5 666',
      '/dev/full character special file 1:7 666',
      '/dev/random character special file 1:8 666',
      '/dev/urandom character special file 1:9 666',
      '/dev/tty character special file 5:0 666',
      '/dev/fd -> /proc/self/fd',
      '/dev/stdin -> /proc/self/fd/0',
      '/dev/stdout -> /proc/self/fd/1',
      '/dev/stderr -> /proc/self/fd/2',
      '/dev/ptmx -> pts/ptmx',
      '4',
    ]);
  });

  it('applies rootfsPropagation and mount flags', function () {
    const r = runIn(shell('grep -E " / | /proc | /dev/shm " /proc/self/mountinfo'), (s) => {
      s.linux!.rootfsPropagation = 'rshared';
    });
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    const root = lines.find((l) => l.split(' ')[4] === '/')!;
    assert.match(root, / ro[, ]/, 'readonly root');
    assert.match(root, / shared:\d+/, 'rshared root');
    const shm = lines.find((l) => l.split(' ')[4] === '/dev/shm')!;
    assert.match(shm.split(' ')[5]!, /^rw,nosuid,nodev,noexec/);
  });

  it('places the container in its cgroup in every hierarchy before the program runs', function () {
    const { id, bundle } = h.bundle(shell('cat /proc/self/cgroup'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'cgroup');
    });
    const r = kago.run(['run', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const host = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
    assert.equal(lines.length, host.length);
    for (const line of lines) assert.match(line, new RegExp(`:/kago/${id}$`), line);
  });
});

describe('privileges', function () {
  const h = harness();
  function runIn(args: string[], configure?: (s: Spec) => void) {
    const r = h.runIn(args, configure);
    return { code: r.code, out: r.stdout, err: r.stderr };
  }

  function capLine(status: string, name: string): bigint {
    const line = status.split('\n').find((l) => l.startsWith(`${name}:`))!;
    return BigInt(`0x${line.split(/\s+/)[1]}`);
  }

  it('sets all five capability sets, for root and for another user', function () {
    for (const user of [
      { uid: 0, gid: 0 },
      { uid: 1000, gid: 1000 },
    ]) {
      const r = runIn(['cat', '/proc/self/status'], (s) => {
        s.process!.user = user;
        s.process!.capabilities = {
          bounding: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN'],
          effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
          permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
          inheritable: ['CAP_NET_BIND_SERVICE'],
          ambient: ['CAP_NET_BIND_SERVICE'],
        };
      });
      assert.equal(r.code, 0, r.err);
      const kill = 1n << 5n;
      const bind = 1n << 10n;
      const chown = 1n << 0n;
      // exec recomputes the sets: ambient capabilities survive into permitted and effective.
      assert.equal(capLine(r.out, 'CapBnd'), kill | bind | chown, `bounding for uid ${user.uid}`);
      assert.equal(capLine(r.out, 'CapInh'), bind);
      assert.equal(capLine(r.out, 'CapAmb'), bind);
      assert.equal(capLine(r.out, 'CapPrm'), user.uid === 0 ? kill | bind : bind);
      assert.equal(capLine(r.out, 'CapEff'), user.uid === 0 ? kill | bind : bind);
    }
  });

  it('applies rlimits, no_new_privs and oom_score_adj', function () {
    const r = runIn(shell('ulimit -n; ulimit -Hn; grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj'), (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
      s.process!.noNewPrivileges = true;
      s.process!.oomScoreAdj = 123;
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.out
        .trim()
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' ')),
      ['321', '654', 'NoNewPrivs: 1', '123'],
    );
  });

  it('a hard limit above the host one is a clear error (no CAP_SYS_RESOURCE here)', function () {
    const r = runIn(['true'], (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1 << 30 }];
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /set RLIMIT_NOFILE: E(PERM|INVAL)/);
  });
});

describe('descriptors and keyrings passed to the container', function () {
  const h = harness();
  const kago = h.kago;

  it('--preserve-fds passes kago fds 3.. on, and nothing else', function () {
    const { id, bundle } = h.bundle(shell('cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr "\\n" " "'));
    const files = ['three', 'four'].map((word) => {
      const path = join(bundle.dir, word);
      writeFileSync(path, `${word}\n`);
      return path;
    });
    const fds = files.map((f) => openSync(f, 'r'));
    const r = spawnSync(kagoBin, ['--root', kago.root, 'run', '--preserve-fds', '2', '--bundle', bundle.dir, id], {
      stdio: ['ignore', 'pipe', 'pipe', ...fds],
      encoding: 'utf8',
    });
    for (const fd of fds) closeSync(fd);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['three', 'four']);
    assert.equal(lines[2]!.trim(), '0 1 2 3 4 5', 'stdio, the two passed fds, and the one ls opens');
  });

  it('passes socket-activated fds on with LISTEN_FDS, as runc does', function () {
    const { id, bundle } = h.bundle(shell('echo "$LISTEN_FDS $LISTEN_PID"; cat <&3'));
    const file = join(bundle.dir, 'activated');
    writeFileSync(file, 'from systemd\n');
    const fd = openSync(file, 'r');
    // LISTEN_PID names kago's own pid: the shell execs kago in its own process.
    const r = spawnSync('sh', ['-c', `LISTEN_PID=$$ LISTEN_FDS=1 exec ${kagoBin} --root ${kago.root} run --bundle ${bundle.dir} ${id}`], {
      stdio: ['ignore', 'pipe', 'pipe', fd],
      encoding: 'utf8',
    });
    closeSync(fd);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['1 1', 'from systemd']);
  });

  it('gives the container a session keyring named after it, unless --no-new-keyring', function () {
    for (const noNew of [false, true]) {
      const { id, bundle } = h.bundle(['sleep', '1000']);
      kago.ok(['run', '-d', ...(noNew ? ['--no-new-keyring'] : []), '--bundle', bundle.dir, id]);
      const keys = readFileSync('/proc/keys', 'utf8');
      assert.equal(new RegExp(` keyring +${id}: `).test(keys), !noNew, keys);
    }
  });
});

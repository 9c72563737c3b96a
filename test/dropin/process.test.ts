// The container's process as runc sets it up, checked on kago and on runc
// with `runc spec`'s config: who owns its stdio and terminal, what the
// terminal does to its output, its environment and working directory, and
// what `exec` does with the process.json engines write.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { kagoBin, repoRoot, runcBin } from '../helpers/paths.ts';

const inPty = join(repoRoot, 'test/helpers/in-pty.py');
const USER = { uid: 1000, gid: 1000 };

for (const bin of [kagoBin, runcBin]) {
  describe(`the container's process (${bin === runcBin ? 'runc' : 'kago'})`, function () {
    const h = harness({ bin, base: 'runc' });
    const kago = h.kago;

    /**
     * The runtime with stdin and stdout+stderr on pipes, as a shell pipeline
     * gives them (Node's own "pipes" are socket pairs, which no one can reopen).
     */
    function withPipes(args: string[], input = '') {
      const r = spawnSync('sh', ['-c', 'printf %s "$0" | "$@" 2>&1 | cat', input, bin, '--root', kago.root, ...args], { encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, stdout: r.stdout };
    }

    /** A foreground run with a terminal, from a terminal; stdout goes to a file. */
    function runInTerminal(script: string, configure: (s: import('../../wasm/spec.gen.ts').Spec) => void = () => {}) {
      const { id, bundle } = h.bundle(shell(script), (s) => {
        s.process!.terminal = true;
        configure(s);
      });
      const out = join(bundle.dir, 'stdout');
      const r = spawnSync('python3', [inPty, out, bin, '--root', kago.root, 'run', '--bundle', bundle.dir, id], { encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, stdout: readFileSync(out, 'latin1'), stderr: r.stderr };
    }

    it("gives stdio pipes to the container's user, who can reopen /dev/stdout", function () {
      const { id, bundle } = h.bundle(shell('echo reopened > /dev/stdout && stat -L -c %u /dev/stdin /dev/stdout /dev/stderr'), (s) => {
        s.process!.user = USER;
      });
      const r = withPipes(['run', '--bundle', bundle.dir, id]);
      assert.equal(r.stdout, 'reopened\n1000\n1000\n1000\n');
    });

    it('relays a foreground run and exec through pipes of its own, whatever the caller gave (sockets here)', function () {
      const script = 'echo reopened > /dev/stdout && for n in 0 1 2; do readlink /proc/self/fd/$n; done && read line && echo "got $line"';
      const { id, bundle } = h.bundle(shell(script), (s) => {
        s.process!.user = USER;
      });
      // Node's "pipe" stdio is a socket pair: /dev/stdout cannot be reopened on a socket.
      const check = (r: ReturnType<typeof spawnSync>) => {
        assert.equal(r.status, 0, String(r.stderr));
        const [reopened, ...rest] = String(r.stdout).trim().split('\n');
        assert.equal(reopened, 'reopened');
        assert.equal(rest.length, 4, String(r.stdout));
        for (const link of rest.slice(0, 3)) assert.match(link, /^pipe:/);
        assert.equal(rest[3], 'got input');
      };
      check(spawnSync(bin, ['--root', kago.root, 'run', '--bundle', bundle.dir, id], { input: 'input\n', encoding: 'utf8', timeout: 30_000 }));
      const c = h.bundle(['sleep', '1000']);
      kago.ok(['run', '-d', '--bundle', c.bundle.dir, c.id]);
      check(
        spawnSync(bin, ['--root', kago.root, 'exec', '--user', '1000:1000', c.id, 'sh', '-c', script], { input: 'input\n', encoding: 'utf8', timeout: 30_000 }),
      );
    });

    it("leaves the caller's own files alone in a foreground run, and gives them to the user when detached", function () {
      for (const detach of [false, true]) {
        const { id, bundle } = h.bundle(shell('echo written'), (s) => {
          s.process!.user = USER;
        });
        const file = join(bundle.dir, 'stdout');
        const fd = openSync(file, 'w');
        try {
          const r = spawnSync(bin, ['--root', kago.root, 'run', ...(detach ? ['--detach'] : []), '--bundle', bundle.dir, id], {
            stdio: ['ignore', fd, 'pipe'],
            encoding: 'utf8',
            timeout: 30_000,
          });
          assert.equal(r.status, 0, r.stderr);
        } finally {
          closeSync(fd);
        }
        if (detach) {
          for (let i = 0; i < 500 && kago.state(id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        }
        assert.equal(readFileSync(file, 'utf8'), 'written\n');
        // runc relays a foreground container through pipes of its own; a detached one inherits the file.
        assert.equal(statSync(file).uid, detach ? USER.uid : 0, detach ? 'detached' : 'foreground');
      }
    });

    it("gives the terminal to the container's user, keeping devpts' tty group", function () {
      const r = runInTerminal('stat -c %u:%g $(tty)', (s) => {
        s.process!.user = USER;
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '1000:5\n');
    });

    it('a foreground run relays the terminal without turning \\n into \\r\\n', function () {
      const r = runInTerminal("printf 'one\\ntwo\\n'");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'one\ntwo\n');
    });

    it("runs in a session of its own, without the caller's controlling terminal", function () {
      const { id, bundle } = h.bundle(shell('if echo leaked > /dev/tty; then echo reached; else echo refused; fi; cut -d" " -f6 /proc/self/stat'));
      const out = join(bundle.dir, 'stdout');
      const r = spawnSync('python3', [inPty, out, bin, '--root', kago.root, 'run', '--bundle', bundle.dir, id], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      const [tty, sid] = readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(tty, 'refused');
      assert.doesNotMatch(r.stderr, /leaked/);
      assert.notEqual(sid, '0', 'a session of the container (0: one from outside its pid namespace)');
    });

    it('enters a cwd that only root may enter before it becomes the user', function () {
      const { id, bundle } = h.bundle(['pwd'], (s) => {
        s.process!.user = USER;
        s.process!.cwd = '/root';
      });
      chmodSync(join(bundle.rootfs, 'root'), 0o700);
      const r = kago.run(['run', '--bundle', bundle.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '/root\n');
    });

    it('replaces an empty HOME from /etc/passwd and passes a variable listed twice once, with its last value', function () {
      const r = h.runIn(['env'], (s) => {
        s.process!.env!.push('HOME=', 'ONE=one', 'TWO=two', 'ONE=again', 'TWO=');
      });
      assert.equal(r.code, 0, r.stderr);
      const env = r.stdout.trim().split('\n');
      assert.deepEqual(
        env.filter((e) => e.startsWith('HOME=')),
        ['HOME=/root'],
      );
      assert.deepEqual(
        env.filter((e) => e.startsWith('ONE=')),
        ['ONE=again'],
      );
      assert.deepEqual(
        env.filter((e) => e.startsWith('TWO=')),
        ['TWO='],
      );
    });

    describe('commands', function () {
      function stopped(id: string): void {
        kago.ok(['kill', id, 'KILL']);
        for (let i = 0; i < 500 && kago.state(id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        assert.equal(kago.state(id).status, 'stopped');
      }

      it('list names the owner (root), state leaves it empty', function () {
        const { id, bundle } = h.bundle(['sleep', '1000']);
        kago.ok(['create', '--bundle', bundle.dir, id]);
        assert.equal(kago.state(id).owner, '');
        const listed = (JSON.parse(kago.ok(['list', '--format', 'json']).stdout) as { id: string; owner: string }[]).find((c) => c.id === id);
        assert.equal(listed?.owner, 'root');
        assert.match(kago.ok(['list']).stdout, new RegExp(`^${id} .* root$`, 'm'));
      });

      it('kill with signal 0 tells whether the container runs; --all does not fail on a stopped one', function () {
        const { id, bundle } = h.bundle(['sleep', '1000']);
        kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
        assert.equal(kago.run(['kill', id, '0']).code, 0);
        assert.equal(kago.run(['kill', '--all', id, '0']).code, 0);
        stopped(id);
        const r = kago.run(['kill', id, '0']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /container not running/);
        assert.equal(kago.run(['kill', '--all', id, '0']).code, 0);
        assert.equal(kago.run(['kill', '--all', id, 'KILL']).code, 0);
      });

      it('ps passes ps options on: UNIX -e and -o, BSD x and aux, and -e with x shows the environment', function () {
        const { id, bundle } = h.bundle(shell('sleep 1000 & exec sleep 999'));
        kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
        let args = '';
        for (let i = 0; i < 500 && !/sleep 999\n.*sleep 1000\n$/s.test(args); i++) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          args = kago.ok(['ps', id, '-o', 'pid,args']).stdout;
        }
        const lines = (psArgs: string[]) => {
          const r = kago.run(['ps', id, ...psArgs]);
          assert.equal(r.code, 0, r.stderr);
          return r.stdout.trimEnd().split('\n');
        };
        const [head, ...rows] = lines(['-e', '-x']);
        assert.equal(head, '  PID TTY      STAT   TIME COMMAND');
        assert.equal(rows.length, 2);
        assert.match(rows[0]!, /^ *\d+ \? {8}Ss {5}0:00 sleep 999 .*PATH=\/usr\/local\/sbin/);
        assert.match(rows[1]!, /^ *\d+ \? {8}S {6}0:00 sleep 1000 .*PATH=/);
        // pids differ in width: each number becomes N
        const shape = (l: string) => l.replace(/(^| +)\d+(?= |$)/g, ' N').trimStart();
        assert.deepEqual(lines(['-o', 'pid,ppid,comm,args']).map(shape), [
          'PID  PPID COMMAND         COMMAND',
          'N N sleep           sleep N',
          'N N sleep           sleep N',
        ]);
        assert.deepEqual(lines(['-e']).map(shape), ['PID TTY          TIME CMD', 'N ?        00:00:00 sleep', 'N ?        00:00:00 sleep']);
        assert.equal(lines(['x'])[0], '  PID TTY      STAT   TIME COMMAND');
        assert.equal(lines(['aux'])[0], 'USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND');
        assert.match(lines([])[0]!, /^UID +PID +PPID +C STIME TTY +TIME CMD$/);
        assert.equal(kago.run(['ps', id, '-o', 'comm']).code, 1, 'no PID column to keep the lines by');
      });

      it('SIGKILL stops a paused container (it is thawed to die)', function () {
        for (const all of [false, true]) {
          const { id, bundle } = h.bundle(['sleep', '1000']);
          kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
          kago.ok(['pause', id]);
          kago.ok(['kill', ...(all ? ['--all'] : []), id, 'KILL']);
          for (let i = 0; i < 500 && kago.state(id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          assert.equal(kago.state(id).status, 'stopped', all ? 'kill --all' : 'kill');
        }
      });

      it('run --keep leaves the stopped container for delete', function () {
        const { id, bundle } = h.bundle(shell('exit 3'));
        assert.equal(kago.run(['run', '--keep', '--bundle', bundle.dir, id]).code, 3);
        assert.equal(kago.state(id).status, 'stopped');
        kago.ok(['delete', id]);
        assert.equal(kago.run(['state', id]).code, 1);
      });

      it('fails at once when --log FILE cannot be opened', function () {
        const { bundle } = h.bundle(['true']);
        const missing = join(bundle.dir, 'no-such-dir', 'log');
        const r = kago.run(['--log', missing, 'list']);
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes(missing), r.stderr);
        assert.equal(r.stdout, '', 'the command did not run');
        assert.equal(kago.run(['--log', bundle.dir, 'list']).code, 1, 'a directory');
      });
    });

    describe('exec', function () {
      function running(configure?: (s: import('../../wasm/spec.gen.ts').Spec) => void) {
        const { id, bundle } = h.bundle(['sleep', '1000'], configure);
        kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
        return { id, bundle };
      }

      it("reads --process from a pipe; without user the process is uid 0, gid 0, with the container's capabilities", function () {
        const c = running((s) => {
          s.process!.user = USER;
        });
        const json = JSON.stringify({ args: ['/bin/sh', '-c', '/bin/id -u; /bin/id -g; /bin/grep CapEff /proc/self/status'], cwd: '/' });
        const r = withPipes(['exec', '--process', '/dev/fd/0', c.id], json);
        assert.equal(r.code, 0, r.stdout);
        const [uid, gid, eff] = r.stdout.trim().split('\n');
        assert.deepEqual([uid, gid], ['0', '0']);
        // runc spec's CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
        assert.match(eff!, /^CapEff:\s+0000000020000420$/);
      });

      it('a --process FIFO nobody writes to fails instead of hanging (kago only: runc blocks in open)', function () {
        if (bin === runcBin) this.skip();
        const c = running();
        const fifo = join(c.bundle.dir, 'process.fifo');
        spawnSync('mkfifo', [fifo]);
        const r = kago.run(['exec', '--process', fifo, c.id], { timeoutMs: 20_000 });
        assert.equal(r.signal, null, 'did not hang');
        assert.equal(r.code, 255, r.stderr);
      });

      it('exec --tty relays the terminal without turning \\n into \\r\\n', function () {
        const c = running();
        const out = join(c.bundle.dir, 'exec-stdout');
        // runc clears ONLCR once it holds the terminal, which races with a
        // program that writes at once (seen here): the program waits.
        const r = spawnSync('python3', [inPty, out, bin, '--root', kago.root, 'exec', '--tty', c.id, 'sh', '-c', 'sleep 0.5; printf "one\\ntwo\\n"'], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(readFileSync(out, 'latin1'), 'one\ntwo\n');
      });

      it("exits 255 for its own failures, and with the program's status otherwise", function () {
        const c = running();
        assert.equal(kago.run(['exec', c.id, 'sh', '-c', 'exit 7']).code, 7);
        assert.equal(kago.run(['exec', c.id, 'no-such-program']).code, 255, 'no such program');
        assert.equal(kago.run(['exec', '--pid-file', join(c.bundle.dir, 'no-such-dir', 'pid'), c.id, 'true']).code, 255, 'bad --pid-file');
        assert.equal(kago.run(['exec', 'no-such-container', 'true']).code, 255, 'no such container');
        kago.ok(['pause', c.id]);
        assert.equal(kago.run(['exec', c.id, 'true']).code, 255, 'paused container');
        kago.ok(['resume', c.id]);
        assert.equal(kago.run(['exec']).code, 1, 'no container id: a usage error');
      });
    });
  });
}

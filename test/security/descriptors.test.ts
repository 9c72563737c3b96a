// Nothing of the host reaches a container through open descriptors or the
// working directory (runc CVE-2024-21626: a leaked descriptor of a host
// directory, reachable as /proc/self/fd/N, let process.cwd or `exec --cwd`
// start the container process outside its root filesystem).
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bundle, makeBundle, shell } from '../helpers/bundle.ts';
import { uniqueId } from '../helpers/kago.ts';
import { harness } from '../helpers/harness.ts';
import { leftovers } from '../helpers/leaks.ts';
import { pythonListener } from '../helpers/python.ts';
import { waitFor } from '../helpers/wait.ts';
import { cwdOutside } from './inside.ts';

// `ls /proc/self/fd` lists its own descriptors: 0, 1, 2 and the one it reads
// the directory through (3). Anything else was inherited. The same for pid 1
// of the container, which has no directory open of its own.
const PROBE =
  'echo "self: $(ls /proc/self/fd | tr "\\n" " ")"; echo "init: $(ls /proc/1/fd | tr "\\n" " ")"; echo "cwd: $(readlink /proc/self/cwd)"; ls -l /proc/self/fd /proc/1/fd';

interface Seen {
  self: string;
  init: string;
  cwd: string;
  raw: string;
}

function parse(output: string): Seen {
  const text = output.replace(/\r/g, '');
  const field = (name: string): string => (text.match(new RegExp(`^${name}: (.*)$`, 'm'))?.[1] ?? '').trim();
  return { self: field('self'), init: field('init'), cwd: field('cwd'), raw: text };
}

/** The probe's output once it is complete (it ends with "done"). */
function waitForProbe(file: string): string {
  let text = '';
  waitFor(() => {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    return /^done$/m.test(text);
  });
  return text;
}

const receiver = (path: string) => pythonListener<{ output: string }>('console-receiver.py', [path]);

describe('security: descriptors and working directory (CVE-2024-21626)', function () {
  const h = harness();
  const kago = h.kago;

  function bundle(args: string[], terminal = false): { id: string; bundle: Bundle } {
    const id = uniqueId('fd');
    const b = makeBundle(args, (s) => {
      s.process!.terminal = terminal;
      s.process!.cwd = '/tmp';
      s.root!.readonly = false; // the detached probes write their findings to /tmp
    });
    h.track(id, b);
    return { id, bundle: b };
  }

  function assertClean(seen: Seen, how: string, initFds = '0 1 2'): void {
    assert.equal(seen.self, '0 1 2 3', `${how}: the process's descriptors\n${seen.raw}`);
    assert.equal(seen.init, initFds, `${how}: pid 1's descriptors\n${seen.raw}`);
    assert.equal(seen.cwd, '/tmp', `${how}: cwd\n${seen.raw}`);
  }

  it('run in the foreground: only 0, 1, 2; cwd inside', function () {
    const { id, bundle: b } = bundle(shell(PROBE));
    const r = kago.run(['run', '--bundle', b.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(parse(r.stdout), 'run', '0 1 2 3');
  });

  it('run --detach and create + start: only 0, 1, 2; cwd inside', function () {
    for (const how of ['run -d', 'create+start']) {
      const { id, bundle: b } = bundle(shell(`exec > /tmp/seen 2>&1; ${PROBE}; echo done; sleep 1000`));
      if (how === 'run -d') kago.ok(['run', '-d', '--bundle', b.dir, id]);
      else {
        kago.ok(['create', '--bundle', b.dir, id]);
        kago.ok(['start', id]);
      }
      const seenFile = join(b.rootfs, 'tmp', 'seen');
      const seen = parse(waitForProbe(seenFile));
      // pid 1 is the shell, reading the probe's output through a pipe (3).
      assertClean(seen, how, '0 1 2 3');
      assert.equal(cwdOutside(kago.state(id).pid, b.rootfs), null);
    }
  });

  it('exec, attached and detached: only 0, 1, 2; cwd inside; init keeps only its own', function () {
    const { id, bundle: b } = bundle(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', b.dir, id]);
    const r = kago.run(['exec', id, 'sh', '-c', PROBE]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(parse(r.stdout), 'exec');
    kago.ok(['exec', '--detach', id, 'sh', '-c', `exec > /tmp/seen-d 2>&1; ${PROBE}; echo done`]);
    assertClean(parse(waitForProbe(join(b.rootfs, 'tmp', 'seen-d'))), 'exec --detach');
  });

  it('with a terminal: run relayed in the foreground, run with --console-socket, exec --tty', async function () {
    const fg = bundle(shell(PROBE), true);
    const r = kago.run(['run', '--bundle', fg.bundle.dir, fg.id]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(parse(r.stdout), 'run with a relayed terminal', '0 1 2 3');

    const sock = bundle(shell(`${PROBE}; sleep 1000`), true);
    const path = join(sock.bundle.dir, 'console.sock');
    const rec = receiver(path);
    await rec.listening;
    kago.ok(['run', '-d', '--console-socket', path, '--bundle', sock.bundle.dir, sock.id]);
    const ex = kago.run(['exec', '--tty', sock.id, 'sh', '-c', PROBE]);
    assert.equal(ex.code, 0, ex.stderr);
    assertClean(parse(ex.stdout), 'exec --tty', '0 1 2');
    kago.ok(['kill', sock.id, 'KILL']);
    const { output } = await rec.result;
    assertClean(parse(output), 'run with --console-socket', '0 1 2 3');
  });

  it('a process.cwd that is a link to /proc/self/fd/N or to a host path stays inside the root filesystem', function () {
    const targets = [
      '/proc/self/fd/3',
      '/proc/self/fd/4',
      '/proc/self/fd/5',
      '/proc/self/fd/6',
      '/proc/self/fd/7',
      '/proc/self/fd/8',
      '/proc/1/cwd',
      '/proc/self/cwd',
      '/proc/self/root',
    ];
    for (const target of targets) {
      const id = uniqueId('cwd');
      const b = makeBundle(['sleep', '1000'], (s) => {
        s.process!.cwd = '/escape';
      });
      h.track(id, b);
      symlinkSync(target, join(b.rootfs, 'escape'));
      const r = kago.run(['run', '-d', '--bundle', b.dir, id]);
      if (r.code !== 0) {
        // Refusing is fine; it must say why and leave nothing behind.
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /kago: /);
        assert.deepEqual(leftovers(kago.root, id, b.dir), [], `${target}: leftovers of a refused create`);
        continue;
      }
      assert.equal(cwdOutside(kago.state(id).pid, b.rootfs), null, `cwd -> ${target}`);
    }
    // A link to a host directory that exists on the host only.
    const id = uniqueId('cwd');
    const b = makeBundle(['sleep', '1000'], (s) => {
      s.process!.cwd = '/host';
    });
    h.track(id, b);
    writeFileSync(join(b.dir, 'host-marker'), 'host\n');
    symlinkSync(b.dir, join(b.rootfs, 'host'));
    const r = kago.run(['run', '-d', '--bundle', b.dir, id]);
    if (r.code === 0) assert.equal(cwdOutside(kago.state(id).pid, b.rootfs), null, 'cwd -> a host path');
    else assert.deepEqual(leftovers(kago.root, id, b.dir), []);
  });

  it('exec --cwd through a link to /proc/self/fd/N stays inside', function () {
    const { id, bundle: b } = bundle(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', b.dir, id]);
    for (let n = 3; n <= 8; n++) {
      symlinkSync(`/proc/self/fd/${n}`, join(b.rootfs, `escape${n}`));
      const pidFile = join(b.dir, `exec${n}.pid`);
      const r = kago.run(['exec', '--detach', '--pid-file', pidFile, '--cwd', `/escape${n}`, id, 'sleep', '1000']);
      if (r.code !== 0) {
        // exec's own failures exit 255, as runc's
        assert.equal(r.code, 255, r.stderr);
        continue;
      }
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.equal(cwdOutside(pid, b.rootfs), null, `exec --cwd /escape${n}`);
    }
  });
});

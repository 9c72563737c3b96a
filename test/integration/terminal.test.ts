// process.terminal: a pty from the container's devpts, its master sent to
// the console socket, or relayed by a foreground kago.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Bundle, shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { leftovers } from '../helpers/leaks.ts';
import { pythonListener } from '../helpers/python.ts';

const receiver = (path: string) => pythonListener<{ name: string; output: string }>('console-receiver.py', [path]);

describe('terminals', function () {
  const h = harness();
  const kago = h.kago;

  function bundleWithTerminal(script: string): { id: string; bundle: Bundle } {
    return h.bundle(shell(script), (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 33, width: 111 };
    });
  }

  it('sends the pty master to --console-socket; the program has it as its controlling terminal', async function () {
    const { id, bundle } = bundleWithTerminal('tty; stty size; ls -l /dev/console | cut -c1; ps -o tty= -p 1 2>/dev/null; readlink /proc/self/fd/0');
    const socketPath = join(bundle.dir, 'console.sock');
    const r = receiver(socketPath);
    await r.listening;
    const run = kago.run(['run', '--detach', '--console-socket', socketPath, '--bundle', bundle.dir, id]);
    assert.equal(run.code, 0, run.stderr);
    const { name, output } = await r.result;
    assert.equal(name, '/dev/ptmx');
    const lines = output.replace(/\r/g, '').trim().split('\n');
    assert.equal(lines[0], '/dev/pts/0');
    assert.equal(lines[1], '33 111');
    assert.equal(lines.at(-1), '/dev/pts/0', 'stdin is the pty');
  });

  it('a foreground run relays the terminal through kago', function () {
    const { id, bundle } = bundleWithTerminal('tty; echo relayed; exit 4');
    const r = kago.run(['run', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 4, r.stderr);
    assert.deepEqual(r.stdout.replace(/\r/g, '').trim().split('\n'), ['/dev/pts/0', 'relayed']);
  });

  it('create without --console-socket is refused, and leaves nothing', function () {
    const { id, bundle } = bundleWithTerminal('true');
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs --console-socket/);
    assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
  });
});

describe('terminals for exec', function () {
  const h = harness();
  const kago = h.kago;

  it('exec --tty relays in the foreground and sends the master with --console-socket', async function () {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    const fg = kago.run(['exec', '--tty', id, 'sh', '-c', 'tty; exit 5']);
    assert.equal(fg.code, 5, fg.stderr);
    assert.match(fg.stdout, /^\/dev\/pts\/\d+\r?\n$/);
    const socketPath = join(bundle.dir, 'exec-console.sock');
    const r = receiver(socketPath);
    await r.listening;
    kago.ok(['exec', '--tty', '--detach', '--console-socket', socketPath, id, 'sh', '-c', 'tty; echo via-socket']);
    const { output } = await r.result;
    assert.match(output.replace(/\r/g, ''), /^\/dev\/pts\/\d+\nvia-socket\n$/);
  });
});

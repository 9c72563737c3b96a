// process.terminal: a pty from the container's devpts, its master sent to
// the console socket, or relayed by a foreground kago.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Bundle, makeBundle, shell } from '../helpers/bundle.ts';
import { Kago, uniqueId } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';
import { repoRoot } from '../helpers/paths.ts';

function receiver(path: string): { ready: Promise<void>; result: Promise<{ name: string; output: string }> } {
  const child = spawn('python3', [join(repoRoot, 'test/helpers/console-receiver.py'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let signalReady: () => void;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('listening\n')) signalReady();
  });
  const result = new Promise<{ name: string; output: string }>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('listening\n'.length))) : reject(new Error(`receiver exited ${code}`))));
  });
  return { ready, result };
}

describe('terminals', function () {
  const kago = new Kago();
  const made: { id: string; bundle: Bundle }[] = [];
  afterEach(function () {
    for (const { id, bundle } of made.splice(0)) {
      kago.run(['delete', '--force', id]);
      const left = leftovers(kago.root, id, bundle.dir);
      bundle.remove();
      assert.deepEqual(left, [], `leftovers of ${id}`);
    }
  });
  after(() => kago.cleanup());

  function bundleWithTerminal(script: string): { id: string; bundle: Bundle } {
    const id = uniqueId();
    const bundle = makeBundle(shell(script), (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 33, width: 111 };
    });
    made.push({ id, bundle });
    return { id, bundle };
  }

  it('sends the pty master to --console-socket; the program has it as its controlling terminal', async function () {
    const { id, bundle } = bundleWithTerminal('tty; stty size; ls -l /dev/console | cut -c1; ps -o tty= -p 1 2>/dev/null; readlink /proc/self/fd/0');
    const socketPath = join(bundle.dir, 'console.sock');
    const r = receiver(socketPath);
    await r.ready;
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
  const kago = new Kago();
  const made: { id: string; bundle: Bundle }[] = [];
  afterEach(function () {
    for (const { id, bundle } of made.splice(0)) {
      kago.run(['delete', '--force', id]);
      const left = leftovers(kago.root, id, bundle.dir);
      bundle.remove();
      assert.deepEqual(left, [], `leftovers of ${id}`);
    }
  });
  after(() => kago.cleanup());

  it('exec --tty relays in the foreground and sends the master with --console-socket', async function () {
    const id = uniqueId();
    const bundle = makeBundle(['sleep', '1000']);
    made.push({ id, bundle });
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    const fg = kago.run(['exec', '--tty', id, 'sh', '-c', 'tty; exit 5']);
    assert.equal(fg.code, 5, fg.stderr);
    assert.match(fg.stdout, /^\/dev\/pts\/\d+\r?\n$/);
    const socketPath = join(bundle.dir, 'exec-console.sock');
    const r = receiver(socketPath);
    await r.ready;
    kago.ok(['exec', '--tty', '--detach', '--console-socket', socketPath, id, 'sh', '-c', 'tty; echo via-socket']);
    const { output } = await r.result;
    assert.match(output.replace(/\r/g, ''), /^\/dev\/pts\/\d+\nvia-socket\n$/);
  });
});

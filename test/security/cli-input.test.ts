// The CLI under bad arguments and bad files: every case ends in one clear
// error, exit status 1 (runc's), no hang, and nothing created: no state
// directory, no cgroup, no process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Bundle, makeBundle } from '../helpers/bundle.ts';
import { Kago, type Result } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';
import { faultInjectingKagoBin } from '../helpers/paths.ts';

describe('security: the CLI under bad arguments and files', function () {
  const kago = new Kago();
  let bundle: Bundle;
  before(() => {
    bundle = makeBundle(['true']);
  });
  after(() => {
    bundle.remove();
    kago.cleanup();
  });

  function refused(args: string[], pattern: RegExp, id?: string): Result {
    const r = kago.run(args, { timeoutMs: 20_000 });
    assert.equal(r.signal, null, `kago ${args.join(' ')} did not finish by itself`);
    assert.equal(r.code, 1, `kago ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, pattern, `kago ${args.join(' ')}`);
    // One line that says what failed (config.json's problems: one line each).
    assert.match(r.stderr, /^kago: [^\n]+\n(config\.json: [^\n]+\n)*$/, `a clear message: ${r.stderr}`);
    assert.deepEqual(readdirSync(kago.root), [], `kago ${args.join(' ')} left something in the state root`);
    if (id) assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
    return r;
  }

  it('reads no .env or bunfig.toml from the directory it runs in', function () {
    // The shipped executable is built by Bun, whose executables would load
    // both by default: environment variables and preloaded code from
    // whatever directory an engine or a person starts kago in. The test
    // build honours KAGO_CRASH_AFTER_OP, and is built the same way: it
    // would be killed if it read .env.
    const faulty = new Kago(faultInjectingKagoBin);
    const marker = join(bundle.dir, 'preloaded');
    writeFileSync(join(bundle.dir, '.env'), 'KAGO_CRASH_AFTER_OP=0\n');
    writeFileSync(join(bundle.dir, 'preload.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    writeFileSync(join(bundle.dir, 'bunfig.toml'), 'preload = ["./preload.js"]\n');
    try {
      const id = 'cwd-files';
      const r = faulty.run(['run', '--bundle', bundle.dir, id], { cwd: bundle.dir });
      assert.equal(r.code, 0, `${r.signal ?? ''} ${r.stderr}`);
      assert.equal(existsSync(marker), false, 'bunfig.toml preloaded code');
      assert.deepEqual(leftovers(faulty.root, id, bundle.dir), []);
    } finally {
      for (const f of ['.env', 'preload.js', 'bunfig.toml', 'preloaded']) rmSync(join(bundle.dir, f), { force: true });
      faulty.cleanup();
    }
  });

  it('unknown commands and flags, missing and extra arguments', function () {
    refused(['frobnicate'], /frobnicate/);
    refused(['create', '--no-such-flag', '--bundle', bundle.dir, 'c1'], /no-such-flag/, 'c1');
    refused(['--no-such-global', 'list'], /no-such-global/);
    for (const cmd of ['create', 'start', 'state', 'delete', 'kill', 'pause', 'resume', 'ps', 'exec', 'update', 'events']) {
      refused([cmd], /./);
    }
    refused(['create', '--bundle', bundle.dir, 'c1', 'c2'], /./, 'c1');
    refused(['state', 'c1', 'c2'], /./);
    refused(['create', '--bundle'], /bundle/);
    refused(['kill', 'c1', 'NOSUCHSIGNAL'], /./);
  });

  it('ids with "/", "..", control characters, or too long', function () {
    for (const id of ['a/b', '../escape', '..', '.', '/abs', 'a\nb', 'tab\tid', ' lead', 'x'.repeat(256), 'y'.repeat(5000), '']) {
      refused(['create', '--bundle', bundle.dir, id], /id|name|long|invalid/i);
      refused(['state', id], /./);
      // runc: forcing the deletion of a container that does not exist is not an
      // error; an id that cannot be one is.
      if (!/^[A-Za-z0-9_+.-]{1,1024}$/.test(id) || id === '.' || id === '..') refused(['delete', '--force', id], /invalid|empty/);
      else assert.equal(kago.run(['delete', '--force', id]).code, 0);
    }
    // `delete --force ../x` once removed a directory beside the state root.
    const victim = join(kago.root, '..', `${basename(kago.root)}-victim`);
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep'), '');
    try {
      refused(['delete', '--force', `../${basename(victim)}`], /invalid/);
      assert.deepEqual(readdirSync(victim), ['keep']);
    } finally {
      rmSync(victim, { recursive: true, force: true });
    }
    // NUL cannot reach a program through argv at all (execve's strings end at it).
    assert.throws(() => execFileSync('true', ['a\0b']), /null bytes/);
  });

  it('overlong paths for --bundle, --root, --pid-file', function () {
    const long = `/${'p/'.repeat(3000)}x`;
    refused(['create', '--bundle', long, 'c1'], /./, 'c1');
    refused(['create', '--bundle', bundle.dir, '--pid-file', long, 'c1'], /./, 'c1');
    const r = kago.run(['--root', long, 'list'], { timeoutMs: 20_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /kago: /);
  });

  it('bundles that are not there, not directories, or whose config.json is unreadable, a FIFO, a device, huge or not JSON', function () {
    const dir = join(bundle.dir, 'bad');
    mkdirSync(dir);
    const config = join(dir, 'config.json');
    const create = (): string[] => ['create', '--bundle', dir, 'c1'];
    refused(['create', '--bundle', join(bundle.dir, 'missing'), 'c1'], /missing|no such|ENOENT/i, 'c1');
    refused(['create', '--bundle', join(bundle.dir, 'config.json'), 'c1'], /./, 'c1');
    refused(create(), /config\.json/, 'c1'); // no config.json
    mkdirSync(config);
    refused(create(), /config\.json.*(regular|directory)|EISDIR/, 'c1');
    execFileSync('rmdir', [config]);
    symlinkSync('nowhere', config);
    refused(create(), /config\.json/, 'c1');
    execFileSync('rm', [config]);
    // A FIFO nobody writes to: opening it would block forever.
    execFileSync('mkfifo', [config]);
    refused(create(), /config\.json.*regular/, 'c1');
    execFileSync('rm', [config]);
    // A device that never ends.
    symlinkSync('/dev/zero', config);
    refused(create(), /config\.json.*regular/, 'c1');
    execFileSync('rm', [config]);
    // Past the 16 MiB limit (sparse: the size alone must refuse it).
    writeFileSync(config, '');
    truncateSync(config, 16 * 1024 * 1024 + 1);
    refused(create(), /config\.json.*(large|MiB|limit)/i, 'c1');
    writeFileSync(config, '{"ociVersion": "1.3.0", "root": ');
    refused(create(), /config\.json/, 'c1');
    writeFileSync(config, '[]');
    refused(create(), /config\.json/, 'c1');
    writeFileSync(config, JSON.stringify({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { cwd: 'relative', args: ['sh'] } }));
    refused(create(), /process\/cwd/, 'c1');
  });

  it('--process files for exec with the same defects', function () {
    const dir = join(bundle.dir, 'proc');
    mkdirSync(dir);
    const file = join(dir, 'process.json');
    execFileSync('mkfifo', [file]);
    const r = kago.run(['exec', '--process', file, 'no-such-container'], { timeoutMs: 20_000 });
    assert.equal(r.signal, null, 'exec --process FIFO did not hang');
    // exec's own failures exit 255, as runc's
    assert.equal(r.code, 255, r.stderr);
  });
});

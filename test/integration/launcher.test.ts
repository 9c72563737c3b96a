// bin/kago is native/kago, a small static launcher that answers state, start,
// kill and delete itself in their happy path and hands everything else to the
// host (dist/kago). Engines cannot tell which one answered: the bytes must be
// the host's, and the fast path must really be taken (strace says so).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { type Result, runThroughFiles } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';
import { kagoBin, repoRoot, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { prng } from '../helpers/prng.ts';
import { mutateText, mutateTree } from '../../fuzz/state_fuzz.ts';

const hostBin = join(repoRoot, 'dist', 'kago');
const launcherBin = join(repoRoot, 'native', 'kago');

// Every character class a hand-written JSON encoder can get wrong. (Keys
// like "10", which a JavaScript object lists first, the launcher leaves to
// the host: INTEGER_KEYS.)
const ANNOTATIONS: Record<string, string> = {
  'org.example/quote': 'say "hi"',
  'back\\slash': 'C:\\dir\\',
  newline: 'a\nb\r\tc',
  'non-ascii é': 'café ☃ 😀',
  control: 'x\u0001y\u001f\u007f',
  separators: '\u2028\u2029',
};
const INTEGER_KEYS = { b: 'b', '10': 'ten', '2': 'two' };

describe('the native launcher (bin/kago -> native/kago)', function () {
  const h = harness({ base: 'runc' });
  const kago = h.kago;
  const runc = harness({ bin: runcBin, base: 'runc' });
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'kago-launcher-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  const runFiles = (cmd: string, argv: string[]) => runThroughFiles(cmd, argv, out);
  const host = (args: string[]) => runFiles(hostBin, ['--root', kago.root, ...args]);

  /** The launcher's answer, checked to be the host's byte for byte (for commands that change nothing). */
  function sameAsHost(args: string[]): Result {
    const viaLauncher = kago.run(args);
    const alone = host(args);
    const shape = (r: Result) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });
    assert.deepEqual(shape(viaLauncher), shape(alone), `kago ${args.join(' ')}`);
    return viaLauncher;
  }

  /** bin/kago run under strace; hostExecs counts the execs of dist/kago, however its path was spelt. */
  function traced(argv: string[]): Result & { execs: string[]; hostExecs: number } {
    const trace = join(out, 'trace');
    const r = runFiles('strace', ['-f', '-qq', '-s', '4096', '-e', 'trace=execve', '-o', trace, kagoBin, ...argv]);
    const execs = [...readFileSync(trace, 'utf8').matchAll(/execve\("((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
    const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);
    // Without this, a bin/kago that is still the host would pass every fallback check.
    assert.equal(real(execs[0] ?? ''), launcherBin, `bin/kago is not the launcher: it runs ${execs[0] ? real(execs[0]) : 'nothing'}`);
    return { ...r, execs, hostExecs: execs.filter((p) => real(p) === realpathSync(hostBin)).length };
  }
  function fastPath(args: string[], flags = ['--root', kago.root]): Result {
    const r = traced([...flags, ...args]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.hostExecs, 0, `${args.join(' ')} went to the host: ${r.execs.join(', ')}`);
    return r;
  }
  function fallback(args: string[]): Result {
    const r = traced(['--root', kago.root, ...args]);
    assert.ok(r.hostExecs >= 1, `${args.join(' ')} did not go to the host: ${r.execs.join(', ')}`);
    return r;
  }

  /** A kago container made through bin/kago; its init must be gone after the test. */
  function created(args: string[], configure?: (s: Spec) => void, prepare?: (rootfs: string) => void) {
    const c = h.bundle(args, configure);
    prepare?.(c.bundle.rootfs);
    kago.ok(['create', '--bundle', c.bundle.dir, c.id]);
    h.watch(kago.state(c.id).pid);
    return c;
  }
  const stopped = (id: string) => waitFor(() => JSON.parse(host(['state', id]).stdout).status === 'stopped');
  const withAnnotations = (s: Spec) => {
    s.annotations = { ...ANNOTATIONS };
  };

  it('bin/kago resolves to native/kago, a static executable', function () {
    assert.equal(realpathSync(kagoBin), launcherBin);
    assert.deepEqual([...readFileSync(launcherBin).subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'not an ELF executable');
    const ldd = spawnSync('ldd', [launcherBin], { encoding: 'utf8' });
    assert.match(`${ldd.stdout}${ldd.stderr}`, /not a dynamic executable|statically linked/);
  });

  it("state prints the host's bytes in every status, and runc's keys and status", function () {
    const plain = created(['sleep', '100']);
    sameAsHost(['state', plain.id]);
    const k = created(['sleep', '100'], withAnnotations);
    const r = runc.bundle(['sleep', '100'], withAnnotations);
    runc.kago.ok(['create', '--bundle', r.bundle.dir, r.id]);
    runc.watch(runc.kago.state(r.id).pid);
    const step = (status: string, ...args: string[]) => {
      if (args.length) {
        kago.ok([args[0]!, k.id, ...args.slice(1)]);
        runc.kago.ok([args[0]!, r.id, ...args.slice(1)]);
      }
      if (status === 'stopped') {
        stopped(k.id);
        waitFor(() => runc.kago.state(r.id).status === 'stopped');
      }
      const mine = JSON.parse(sameAsHost(['state', k.id]).stdout);
      const theirs = runc.kago.state(r.id);
      assert.deepEqual([mine.status, theirs.status], [status, status]);
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(theirs).sort());
      assert.deepEqual(mine.annotations, ANNOTATIONS);
      assert.deepEqual(theirs.annotations, ANNOTATIONS);
    };
    step('created');
    step('running', 'start');
    step('paused', 'pause');
    step('running', 'resume');
    // runc 1.1.5 does not thaw what it kills: resumed first, on both.
    step('stopped', 'kill', '9');
  });

  it('takes the fast path for state, start, kill and delete, and the host for the rest', function () {
    const c = created(['sleep', '100']);
    fastPath(['state', c.id]);
    fastPath(['state', c.id], [`--root=${kago.root}`]);
    fastPath(['start', c.id]);
    fastPath(['kill', c.id, '9']);
    stopped(c.id);
    fastPath(['delete', c.id]);
    assert.ok(!existsSync(join(kago.root, c.id)));

    const d = created(['sleep', '100']);
    const integer = created(['sleep', '100'], (s) => {
      s.annotations = INTEGER_KEYS;
    });
    const printed = fallback(['state', integer.id]);
    assert.equal(printed.stdout, host(['state', integer.id]).stdout);
    assert.deepEqual(Object.keys(JSON.parse(printed.stdout).annotations), ['2', '10', 'b']);
    kago.ok(['delete', '--force', integer.id]);
    const debug = fallback(['--debug', 'state', d.id]);
    assert.equal(debug.stdout, host(['state', d.id]).stdout);
    assert.match(debug.stderr, new RegExp(`level=debug msg="state ${d.id}"`));
    kago.ok(['start', d.id]);
    const unknown = fallback(['kill', d.id, 'NOPE']);
    assert.deepEqual([unknown.code, unknown.stderr], [1, 'kago: signal "NOPE": unknown signal\n']);
    fastPath(['kill', d.id, 'sigKill']);
    stopped(d.id);

    const missing = fallback(['state', 'no-such-container']);
    const alone = host(['state', 'no-such-container']);
    assert.deepEqual([missing.code, missing.stderr, missing.stdout], [alone.code, alone.stderr, '']);
    assert.equal(missing.stderr, 'kago: container no-such-container: does not exist\n');
    const theirs = runFiles(runcBin, ['--root', runc.kago.root, 'state', 'no-such-container']);
    assert.notEqual(theirs.code, 0);
    assert.equal(missing.code, theirs.code);
  });

  it('leaves a start with a poststart hook to the host, which runs the hook', function () {
    const ran = h.scratch(join(out, 'poststart-ran'));
    const c = created(['sleep', '100'], (s) => {
      s.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', `echo ran > ${ran}`] }] };
    });
    assert.equal(fallback(['start', c.id]).code, 0);
    assert.equal(readFileSync(ran, 'utf8'), 'ran\n');
  });

  it('start runs the program; a second start fails as the host fails it', function () {
    const c = created(shell('echo started > /marker; sleep 100'), (s) => {
      s.root!.readonly = false;
    });
    kago.ok(['start', c.id]);
    const marker = join(c.bundle.rootfs, 'marker');
    waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8') === 'started\n');
    assert.equal(kago.state(c.id).status, 'running');
    const again = sameAsHost(['start', c.id]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `kago: container ${c.id}: cannot start an already running container\n`);
  });

  it('a start whose exec fails says what the host says', function () {
    // Present at create (which looks the program up), gone at start: the execve fails.
    const program = (rootfs: string) => {
      writeFileSync(join(rootfs, 'does-not-exist'), '#!/bin/sh\n');
      chmodSync(join(rootfs, 'does-not-exist'), 0o755);
    };
    const [a, b] = [created(['/does-not-exist'], undefined, program), created(['/does-not-exist'], undefined, program)];
    for (const c of [a, b]) unlinkSync(join(c.bundle.rootfs, 'does-not-exist'));
    const viaLauncher = kago.run(['start', a.id]);
    const alone = host(['start', b.id]);
    assert.notEqual(viaLauncher.code, 0);
    assert.equal(viaLauncher.code, alone.code);
    assert.match(alone.stderr, /init failed before executing the program: .*\/does-not-exist/);
    assert.equal(viaLauncher.stderr.replaceAll(a.id, 'ID'), alone.stderr.replaceAll(b.id, 'ID'));
    assert.equal(kago.state(a.id).status, 'stopped');
  });

  it("kill 9 stops init, a paused one too; a kill of a stopped container fails as the host's", function () {
    const c = created(['sleep', '100']);
    kago.ok(['start', c.id]);
    kago.ok(['kill', c.id, '9']);
    stopped(c.id);
    const again = sameAsHost(['kill', c.id, '9']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /container not running/);
    // The host thaws what it SIGKILLs: frozen, init would never die.
    const paused = created(['sleep', '100']);
    kago.ok(['start', paused.id]);
    kago.ok(['pause', paused.id]);
    kago.ok(['kill', paused.id, '9']);
    stopped(paused.id);
  });

  it('delete of a stopped container removes its state and the cgroups it made; --force of a running one works', function () {
    const c = created(['sleep', '100']);
    kago.ok(['start', c.id]);
    kago.ok(['kill', c.id, '9']);
    stopped(c.id);
    const cgroup = JSON.parse(readFileSync(join(kago.root, c.id, 'state.json'), 'utf8')).kago.cgroup as { dirs: string[]; created: string[] };
    assert.ok(cgroup.created.length > 0, 'kago made no cgroup directory: nothing is tested');
    kago.ok(['delete', c.id]);
    assert.deepEqual(leftovers(kago.root, c.id, c.bundle.dir), []);
    // As the host, an ancestor another container still uses stays.
    const inUse = (dir: string) => !cgroup.dirs.includes(dir) && readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory());
    assert.deepEqual(
      cgroup.created.filter((dir) => existsSync(dir) && !inUse(dir)),
      [],
    );

    const d = created(['sleep', '100']);
    kago.ok(['start', d.id]);
    assert.equal(fallback(['delete', '--force', d.id]).code, 0);
    assert.deepEqual(leftovers(kago.root, d.id, d.bundle.dir), []);
  });

  it("kill's signal: the names and numbers the host takes, the launcher takes; the rest go to the host", function () {
    const c = created(['sleep', '100']);
    kago.ok(['start', c.id]);
    // signals sleep ignores or survives, so the container lives through them all
    for (const sig of ['0', '000', '0028', 'winch', 'SIGWINCH', 'Cont', 'sigcont', 'URG']) fastPath(['kill', c.id, sig]);
    for (const sig of ['65', '100', 'SIG', 'NOPE', 'SIGWINCHX', '-1']) {
      const r = fallback(['kill', c.id, sig]);
      assert.deepEqual([r.code, r.stderr], [host(['kill', c.id, sig]).code, host(['kill', c.id, sig]).stderr]);
      assert.notEqual(r.code, 0, sig);
    }
    assert.equal(JSON.parse(host(['state', c.id]).stdout).status, 'running');
    kago.ok(['delete', '--force', c.id]);
  });

  it('with --log FILE --log-format json, the fast path writes nothing to FILE; an error still goes there', function () {
    const log = h.scratch(join(out, 'log.json'));
    writeFileSync(log, '');
    const flags = ['--root', kago.root, '--log', log, '--log-format', 'json'];
    const c = created(['sleep', '100']);
    assert.equal(fastPath(['state', c.id], flags).stdout, host(['state', c.id]).stdout);
    fastPath(['start', c.id], flags);
    fastPath(['kill', c.id, '9'], flags);
    stopped(c.id);
    fastPath(['delete', c.id], flags);
    assert.equal(readFileSync(log, 'utf8'), '');

    const missing = traced([...flags, 'state', 'no-such-container']);
    assert.equal(missing.code, 1);
    const [line, ...rest] = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(rest, []);
    const entry = JSON.parse(line!) as { level: string; msg: string };
    assert.deepEqual([entry.level, entry.msg], ['error', 'container no-such-container: does not exist']);
  });
  // The launcher reads state.json by its own copy of host/state/validate.ts's
  // rules: over mutated files of a live container, whatever it answers itself
  // must be the host's answer (a state it took that the host refuses would
  // print a state instead of the host's error). A copy of it with no host
  // beside it shows which files it took: the others end in "cannot run the host".
  it("state of 300 mutated state.json files: what the launcher answers itself is the host's answer", function () {
    this.timeout(120_000);
    const alone = join(out, 'alone', 'native', 'kago');
    mkdirSync(dirname(alone), { recursive: true });
    copyFileSync(launcherBin, alone);
    const c = created(['sleep', '100'], withAnnotations);
    kago.ok(['start', c.id]);
    const path = join(kago.root, c.id, 'state.json');
    const original = readFileSync(path, 'utf8');
    const r = prng(7);
    const tally = { taken: 0, handedOver: 0 };
    try {
      for (let i = 0; i < 300; i++) {
        const text = r() < 0.5 ? mutateText(r, original) : (JSON.stringify(mutateTree(r, JSON.parse(original))) ?? '');
        writeFileSync(path, text);
        const own = runFiles(alone, ['--root', kago.root, 'state', c.id]);
        if (own.code === 127) {
          assert.match(own.stderr, /cannot run the host/);
          tally.handedOver++;
          continue;
        }
        tally.taken++;
        const answer = host(['state', c.id]);
        assert.deepEqual([own.code, own.stdout, own.stderr], [answer.code, answer.stdout, answer.stderr], `state.json: ${text}`);
      }
    } finally {
      writeFileSync(path, original);
    }
    assert.ok(tally.taken > 30 && tally.handedOver > 30, `both sides reached: ${JSON.stringify(tally)}`);
  });
});

// runc CVE-2019-5736: a container must not be able to open the runtime's
// executor binary for writing through /proc/PID/exe of an executor process
// that is inside it (init before start, or the process of `kago exec`), not
// even after holding it until the executor is gone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bundle, makeBundle } from '../helpers/bundle.ts';
import { uniqueId } from '../helpers/kago.ts';
import { harness } from '../helpers/harness.ts';
import { repoRoot } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';

const executor = join(repoRoot, 'native', 'kago-exec');
const digest = (): string => createHash('sha256').update(readFileSync(executor)).digest('hex');

function summary(text: string): { seen: number; held: number; breaches: number } | null {
  const m = text.match(/^summary seen=(\d+) held=(\d+) breaches=(\d+)$/m);
  return m ? { seen: Number(m[1]), held: Number(m[2]), breaches: Number(m[3]) } : null;
}

describe('security: the executor binary cannot be overwritten from a container (CVE-2019-5736)', function () {
  const h = harness();
  const kago = h.kago;

  function bundleWithAttacker(args: string[], caps: string[] = []): { id: string; bundle: Bundle } {
    const id = uniqueId('exe');
    const bundle = makeBundle(args, (s) => {
      s.root!.readonly = false;
      // New arrays: defaultSpec() shares one list between the sets (and between specs).
      for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set] = [...s.process!.capabilities![set]!, ...caps];
    });
    h.track(id, bundle);
    const cc = spawnSync(
      'gcc',
      ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', join(bundle.rootfs, 'bin', 'exe_attack'), join(repoRoot, 'test/security/exe_attack.c')],
      { encoding: 'utf8' },
    );
    assert.equal(cc.status, 0, cc.stderr);
    return { id, bundle };
  }

  it('the executor runs from a sealed copy, not from the file on disk', function () {
    const { id, bundle } = bundleWithAttacker(['true']);
    kago.ok(['create', '--bundle', bundle.dir, id]);
    const pid = kago.state(id).pid;
    assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'kago-exec');
    assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:kago-exec/);
    assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^NoNewPrivs:\s+\d$/m);
  });

  for (const caps of [[], ['CAP_SYS_PTRACE']]) {
    const label = caps.length ? 'with CAP_SYS_PTRACE (non-dumpable does not stop it; the seals do)' : 'with the default capabilities';
    it(`init of a created container, held until after start: no write, ${label}`, function () {
      const before = digest();
      const { id, bundle } = bundleWithAttacker(['sleep', '1000'], caps);
      kago.ok(['create', '--bundle', bundle.dir, id]);
      kago.ok(['exec', '--detach', id, 'sh', '-c', 'exec /bin/exe_attack 1 > /tmp/attack 2>&1']);
      const out = join(bundle.rootfs, 'tmp', 'attack');
      waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('waiting'));
      kago.ok(['start', id]);
      waitFor(() => summary(readFileSync(out, 'utf8')) !== null);
      const text = readFileSync(out, 'utf8');
      const s = summary(text)!;
      assert.equal(s.seen, 1, text);
      assert.equal(s.breaches, 0, text);
      if (caps.length) assert.match(text, /OPENED a sealed copy; write: Operation not permitted/, 'the attack reached the copy and the seal refused it');
      else assert.match(text, /open exe O_PATH: Permission denied/, 'a non-dumpable executor cannot be opened at all');
      assert.equal(digest(), before, 'the executor on disk is unchanged');
    });
  }

  it('executors of `kago exec` joining the container, watched by a loop inside it: no write', function () {
    const before = digest();
    const { id, bundle } = bundleWithAttacker(['sh', '-c', 'exec /bin/exe_attack scan > /tmp/attack 2>&1'], ['CAP_SYS_PTRACE']);
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    const out = join(bundle.rootfs, 'tmp', 'attack');
    // Execs until the loop has caught a few executors inside the container.
    for (let i = 0; i < 200 && (readFileSync(out, 'utf8').match(/open exe O_PATH/g)?.length ?? 0) < 3; i++) kago.ok(['exec', id, 'true']);
    writeFileSync(join(bundle.rootfs, 'tmp', 'stop-scan'), '');
    waitFor(() => summary(readFileSync(out, 'utf8')) !== null);
    const text = readFileSync(out, 'utf8');
    const s = summary(text)!;
    assert.ok(s.seen >= 1, `the loop saw executors inside the container:\n${text}`);
    assert.equal(s.breaches, 0, text);
    assert.equal(digest(), before, 'the executor on disk is unchanged');
  });
});

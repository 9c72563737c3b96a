// Configs far larger than usual: a 15 MB annotation (the state every hook
// gets holds the annotations), a plan of megabytes. The sync socket carries
// them in chunks; before, kago failed with EMSGSIZE or ENOBUFS. What execve
// itself cannot take is refused before anything is made.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness } from '../helpers/harness.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';

const BIG = 15 * 1024 * 1024;

for (const bin of [kagoBin, runcBin]) {
  describe(`limits: a 15 MB annotation (${bin === runcBin ? 'runc' : 'kago'})`, function () {
    const h = harness({ bin });
    const kago = h.kago;

    it('runs, and the startContainer and createContainer hooks get the whole state', function () {
      const { id, bundle } = h.bundle(['true'], (s) => {
        s.annotations = { 'org.example/big': 'x'.repeat(BIG) };
        s.root!.readonly = false;
      });
      // createContainer runs before pivot_root (the host's paths), startContainer after it (the container's).
      bundle.spec.hooks = {
        createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `wc -c > ${bundle.rootfs}/tmp/create-state`] }],
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'wc -c > /tmp/start-state'] }],
      };
      bundle.save();
      const r = kago.run(['run', '--bundle', bundle.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      for (const file of ['create-state', 'start-state']) {
        const size = Number(readFileSync(join(bundle.rootfs, 'tmp', file), 'utf8').trim());
        assert.ok(size > BIG && size < BIG + 4096, `${file}: ${size} bytes`);
      }
    });

    // Passed before the chunks too (the send buffer was raised): a plan of many chunks stays whole.
    it('a process environment of 1.8 MB (a plan of as much) runs, whole', function () {
      // 20 variables of 90 KB: under execve's limits (128 KB a string, a quarter of the 8 MB stack in all).
      const env = Array.from({ length: 20 }, (_, i) => `BIG${i}=${String.fromCharCode(97 + i).repeat(90 * 1024)}`);
      const { id, bundle } = h.bundle(['sh', '-c', 'env | grep -c "^BIG" > /tmp/count; echo $' + '{#BIG19} >> /tmp/count'], (s) => {
        s.root!.readonly = false;
        s.process!.env = [...(s.process!.env ?? []), ...env];
      });
      const r = kago.run(['run', '--bundle', bundle.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(bundle.rootfs, 'tmp', 'count'), 'utf8'), `20\n${90 * 1024}\n`);
    });
  });
}

describe('limits: what execve cannot take (kago)', function () {
  // runc 1.1.5 spins in `runc init` for minutes on 200,000 variables.
  const h = harness();
  const kago = h.kago;

  function refused(configure: Parameters<typeof h.bundle>[1], pattern: RegExp): void {
    const { id, bundle } = h.bundle(['true'], configure);
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    assert.equal(kago.run(['state', id]).code, 1, 'no container made');
  }

  it('200,000 environment variables: one line naming /process/env and the limit', function () {
    refused((s) => {
      s.process!.env = Array.from({ length: 200_000 }, (_, i) => `V${i}=x`);
    }, /^kago: config\.json: \/process\/env: 1 argument and 20000\d environment variables take [\d.]+ MB with their pointers: more than execve\(2\) takes \(2\.0 MB: a quarter of the stack limit, at most 6 MB\)\n$/);
  });

  it('one variable over 128 KB: its index and the limit', function () {
    refused((s) => {
      s.process!.env = ['PATH=/bin', `HUGE=${'y'.repeat(200_000)}`];
    }, /^kago: config\.json: \/process\/env\/1: 200006 bytes: longer than execve\(2\) takes for one string \(131072\)\n$/);
  });
});

// Sequential run/delete cycles: what kago leaves on the host must not grow
// with the number of containers it has run. Measured: mounts that mention the
// bundle or the state root, the test process's open descriptors, kago's
// cgroup directories of these containers, entries of the state root, and
// kago processes still alive. `make soak` (KAGO_SOAK=1) runs 1,000 cycles and
// prints the figures; `make test` runs 30.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectHierarchies } from '../../host/cgroups/layout.ts';
import { type Bundle, makeBundle } from '../helpers/bundle.ts';
import { Kago } from '../helpers/kago.ts';

const CYCLES = process.env.KAGO_SOAK ? 1000 : 30;

interface Figures {
  mounts: number;
  fds: number;
  cgroupDirs: number;
  stateEntries: number;
  executors: number;
}

describe('stress: run/delete cycles leave nothing that grows', function () {
  const kago = new Kago();
  let bundle: Bundle;
  const prefix = `soak-${process.pid}`;
  before(() => {
    bundle = makeBundle(['true']);
  });
  after(() => {
    bundle.remove();
    kago.cleanup();
  });

  function measure(): Figures {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(bundle.dir) || l.includes(kago.root)).length;
    let cgroupDirs = 0;
    for (const h of detectHierarchies()) {
      const dir = join(h.mountPoint, 'kago');
      if (existsSync(dir)) cgroupDirs += readdirSync(dir).filter((n) => n.startsWith(prefix)).length;
    }
    const executors = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'kago-exec' && readFileSync(`/proc/${pid}/environ`, 'latin1').includes(kago.root);
        } catch {
          return false;
        }
      }).length;
    return { mounts, fds: readdirSync('/proc/self/fd').length, cgroupDirs, stateEntries: readdirSync(kago.root).length, executors };
  }

  it(`${CYCLES} cycles of run + delete`, function () {
    this.timeout(0);
    const cycle = (i: number): void => {
      const id = `${prefix}-${i}`;
      const r = kago.run(['run', '--bundle', bundle.dir, id]);
      assert.equal(r.code, 0, `cycle ${i}: ${r.stderr}`);
      kago.run(['delete', '--force', id]);
    };
    for (let i = 0; i < 3; i++) cycle(-i - 1); // warm-up: caches, the state root itself
    const before = measure();
    const started = process.hrtime.bigint();
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < CYCLES; i++) cycle(i);
    const after = measure();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (process.env.KAGO_SOAK) {
      console.log(`      ${CYCLES} cycles in ${seconds.toFixed(1)} s (${((seconds / CYCLES) * 1000).toFixed(0)} ms each)`);
      console.log(`      before: ${JSON.stringify(before)}`);
      console.log(`      after:  ${JSON.stringify(after)}`);
      console.log(`      test process rss: ${(rssBefore / 2 ** 20).toFixed(1)} -> ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB`);
    }
    assert.deepEqual(after, before);
    assert.deepEqual(after.stateEntries, 0, 'the state root is empty');
    assert.equal(after.cgroupDirs, 0);
    assert.equal(after.mounts, 0);
  });
});

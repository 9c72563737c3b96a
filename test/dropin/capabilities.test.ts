// Capabilities as the configs of other tools write them, run by kago and by
// runc side by side: `runc spec`'s default raises ambient capabilities it
// never made inheritable, configs written for newer kernels name
// capabilities this one lacks, and engines add capabilities to an exec.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness } from '../helpers/harness.ts';
import { uniqueId } from '../helpers/kago.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';

const CAP_KILL = 1n << 5n;
const CAP_SYS_ADMIN = 1n << 21n;
const CAP_CHECKPOINT_RESTORE = 40;

/** CapInh, CapPrm, CapEff, CapBnd and CapAmb of /proc/self/status as numbers. */
function capSets(status: string): Record<string, bigint> {
  const sets: Record<string, bigint> = {};
  for (const m of status.matchAll(/^Cap(\w+):\s+([0-9a-f]+)$/gm)) sets[m[1]!] = BigInt(`0x${m[2]!}`);
  assert.deepEqual(Object.keys(sets).sort(), ['Amb', 'Bnd', 'Eff', 'Inh', 'Prm'], status);
  return sets;
}

const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));

for (const bin of [kagoBin, runcBin]) {
  describe(`capabilities as runc spec writes them (${bin === runcBin ? 'runc' : 'kago'})`, function () {
    const h = harness({ bin, base: 'runc' });

    it("runs runc spec's default, whose ambient capabilities are not inheritable, without raising them", function () {
      const r = h.runIn(['grep', 'Cap', '/proc/self/status']);
      assert.equal(r.code, 0, r.stderr);
      const caps = capSets(r.stdout);
      assert.equal(caps.Amb, 0n);
      assert.equal(caps.Inh, 0n);
      // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
      assert.equal(caps.Eff, 0x20000420n);
      assert.equal(caps.Prm, 0x20000420n);
    });

    it('raises the ambient capabilities that are also inheritable and skips the others', function () {
      const r = h.runIn(['grep', 'Cap', '/proc/self/status'], (s) => {
        s.process!.capabilities!.inheritable = ['CAP_KILL'];
      });
      assert.equal(r.code, 0, r.stderr);
      const caps = capSets(r.stdout);
      assert.equal(caps.Inh, CAP_KILL);
      assert.equal(caps.Amb, CAP_KILL);
    });

    it('exec --cap adds the capability to the bounding, effective and permitted sets only (CVE-2022-29162)', function () {
      const { id, bundle } = h.bundle(['sleep', '1000'], (s) => {
        s.process!.capabilities!.inheritable = ['CAP_KILL'];
      });
      h.kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
      const plain = capSets(h.kago.ok(['exec', id, 'grep', 'Cap', '/proc/self/status']).stdout);
      const r = h.kago.run(['exec', '--cap', 'CAP_SYS_ADMIN', id, 'grep', 'Cap', '/proc/self/status']);
      assert.equal(r.code, 0, r.stderr);
      const added = capSets(r.stdout);
      for (const set of ['Bnd', 'Eff', 'Prm']) assert.equal(added[set], plain[set]! | CAP_SYS_ADMIN, set);
      assert.equal(added.Inh, CAP_KILL, "CapInh is the config's");
      assert.equal(added.Amb, CAP_KILL, "CapAmb is the config's");
    });

    describe('a capability this kernel does not have', function () {
      // The kernel here knows every capability kago and runc know; both read
      // /proc/sys/kernel/cap_last_cap to learn which the kernel has, so a
      // smaller value bound over it (in a mount namespace of the test's own)
      // makes CAP_CHECKPOINT_RESTORE one this "kernel" lacks.
      before(function () {
        if (lastCap !== CAP_CHECKPOINT_RESTORE) this.skip();
      });

      it('is skipped with a warning naming it', function () {
        const fake = h.scratch(join(`${h.kago.root}-cap_last_cap`));
        writeFileSync(fake, `${CAP_CHECKPOINT_RESTORE - 1}\n`);
        const { id, bundle } = h.bundle(['grep', 'Cap', '/proc/self/status'], (s) => {
          for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set] = ['CAP_KILL', 'CAP_CHECKPOINT_RESTORE'];
        });
        const r = spawnSync(
          'unshare',
          [
            '-m',
            '--propagation',
            'private',
            'sh',
            '-c',
            'mount --bind "$0" /proc/sys/kernel/cap_last_cap && exec "$@"',
            fake,
            bin,
            '--root',
            h.kago.root,
            'run',
            '--bundle',
            bundle.dir,
            id,
          ],
          { encoding: 'utf8', timeout: 30_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        const caps = capSets(r.stdout);
        assert.equal(caps.Eff, CAP_KILL);
        assert.equal(caps.Prm, CAP_KILL);
        assert.match(r.stderr, /warn.*CAP_CHECKPOINT_RESTORE/);
      });
    });
  });
}

describe('capability warnings of kago (runc has no validate and is silent about ambient capabilities)', function () {
  const h = harness({ base: 'runc' });

  it('--debug says which ambient capabilities are skipped, with their pointers', function () {
    const { id, bundle } = h.bundle(['true']);
    const r = h.kago.run(['--debug', 'run', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    for (let i = 0; i < 3; i++) assert.match(r.stderr, new RegExp(`level=debug.*/process/capabilities/ambient/${i}: CAP_\\w+ is not also in inheritable`));
    const quiet = h.kago.run(['run', '--bundle', bundle.dir, uniqueId()]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'nothing without --debug, as runc');
  });

  it('validate warns about them, and still passes the config', function () {
    const { bundle } = h.bundle(['true']);
    const r = h.kago.run(['validate', '--bundle', bundle.dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^warning: .*config\.json: \/process\/capabilities\/ambient\/0: CAP_AUDIT_WRITE is not also in inheritable/m);
  });

  it('refuses a capability name no kernel has, naming its pointer (runc ignores it: the spec says MUST error)', function () {
    const r = h.runIn(['true'], (s) => {
      s.process!.capabilities!.bounding!.push('CAP_NO_SUCH_THING');
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.json: \/process\/capabilities\/bounding\/3: /);
  });
});

// The systemd driver where systemd sees only the cgroup2 hierarchy (nspawn's
// unified mode), the layout of a pure cgroup v2 host: kago and runc 1.1.5 in
// the same machine. This host's cgroup2 hierarchy has no controllers to
// delegate (they are bound to v1), so the containers here carry no limits:
// the placement, the device policy and the unit's life are what is compared.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec } from '../../host/spec/default.ts';
import { makeRootfs } from '../helpers/bundle.ts';
import { nspawnAvailable, SystemdMachine } from '../helpers/systemd.ts';

describe('the systemd cgroup driver on a unified (cgroup v2 only) systemd machine', function () {
  this.timeout(120_000);
  let m: SystemdMachine;

  function bundle(cgroupsPath: string): string {
    const dir = mkdtempSync(join(m.scratch, 'bundle-'));
    makeRootfs(join(dir, 'rootfs'));
    const spec = defaultSpec();
    spec.process!.terminal = false;
    spec.process!.args = ['sleep', '300'];
    spec.linux!.cgroupsPath = cgroupsPath;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    return m.inside(dir);
  }

  before(function () {
    if (!nspawnAvailable()) this.skip();
    m = new SystemdMachine({ unified: true });
    m.boot();
    console.log(`      (systemd booted in ${m.bootMs} ms)`);
    assert.equal(m.sh('grep -c " - cgroup " /proc/self/mountinfo || true').stdout.trim(), '0', 'no v1 hierarchy inside');
  });
  after(() => m?.teardown());

  for (const [name, bin] of [['kago', '/kago/bin/kago'], ['runc', '/usr/sbin/runc']] as const) {
    it(`${name}: the container's init is in prefix-name.scope, devices strict, and delete removes the unit`, () => {
      const id = `v2${name}${process.pid}`;
      const rt = (args: string[]) => m.ok([bin, '--systemd-cgroup', '--root', `/x/state-${name}`, ...args]);
      const unit = `kv2${name}-${id}.scope`;
      rt(['create', '--bundle', bundle(`system.slice:kv2${name}:${id}`), id]);
      try {
        const pid = (JSON.parse(rt(['state', id]).stdout) as { pid: number }).pid;
        assert.deepEqual(m.show(unit, ['ActiveState', 'ControlGroup', 'Delegate', 'DevicePolicy']), {
          ActiveState: 'active', ControlGroup: `/system.slice/${unit}`, Delegate: 'yes', DevicePolicy: 'strict',
        });
        // (the v1 lines are the host's hierarchies, which the machine does not see)
        assert.ok(m.ok(['cat', `/proc/${pid}/cgroup`]).stdout.split('\n').includes(`0::/system.slice/${unit}`));
        rt(['start', id]);
        assert.match(rt(['ps', id]).stdout, /sleep 300/);
      } finally {
        m.exec([bin, '--root', `/x/state-${name}`, 'delete', '--force', id]);
      }
      assert.equal(m.unitLoaded(unit), false);
    });
  }
});

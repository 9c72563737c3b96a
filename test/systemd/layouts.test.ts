// The systemd driver on the other cgroup layouts a systemd host can have,
// kago and runc 1.1.5 side by side: cgroup2 only (nspawn's unified mode, as
// on a pure v2 host) and v1 only (legacy, older distributions). This host's
// cgroup2 hierarchy has no controllers to delegate (they are bound to v1),
// so the unified machine's containers carry no limits: the placement, the
// device policy and the unit's life are compared there.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinuxResources } from '../../wasm/spec.gen.ts';
import { defaultSpec } from '../../host/spec/default.ts';
import { makeRootfs } from '../helpers/bundle.ts';
import { nspawnAvailable, SystemdMachine } from '../helpers/systemd.ts';

const LIMITS: LinuxResources = { memory: { limit: 96 << 20 }, cpu: { shares: 256, quota: 30_000, period: 100_000 }, pids: { limit: 40 } };

for (const layout of ['unified', 'legacy'] as const) {
  describe(`the systemd cgroup driver on a ${layout} systemd machine`, function () {
    this.timeout(120_000);
    let m: SystemdMachine;

    before(function () {
      if (!nspawnAvailable()) this.skip();
      m = new SystemdMachine({ layout });
      m.boot();
      console.log(`      (systemd booted in ${m.bootMs} ms)`);
      const mounts = m.sh('grep " - cgroup" /proc/self/mountinfo').stdout;
      assert.equal(/ - cgroup2 /.test(mounts), layout === 'unified', mounts);
      assert.equal(/ - cgroup /.test(mounts), layout === 'legacy', mounts);
    });
    after(() => m?.teardown());

    function bundle(cgroupsPath: string): string {
      const dir = mkdtempSync(join(m.scratch, 'bundle-'));
      makeRootfs(join(dir, 'rootfs'));
      const spec = defaultSpec();
      spec.process!.terminal = false;
      spec.process!.args = ['sleep', '300'];
      spec.linux!.cgroupsPath = cgroupsPath;
      if (layout === 'legacy') spec.linux!.resources = { ...spec.linux!.resources, ...LIMITS };
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
      return m.inside(dir);
    }

    const props = layout === 'legacy' ? ['MemoryLimit', 'CPUShares', 'CPUQuotaPerSecUSec', 'TasksMax'] : [];
    const shown: Record<string, Record<string, string>> = {};
    for (const [name, bin] of [
      ['kago', '/kago/bin/kago'],
      ['runc', '/usr/sbin/runc'],
    ] as const) {
      it(`${name}: the container's init is in prefix-name.scope, with its properties, and delete removes the unit`, () => {
        const id = `${layout}${name}${process.pid}`;
        const rt = (args: string[]) => m.ok([bin, '--systemd-cgroup', '--root', `/x/state-${name}`, ...args]);
        const unit = `kl${name}-${id}.scope`;
        rt(['create', '--bundle', bundle(`system.slice:kl${name}:${id}`), id]);
        try {
          const pid = (JSON.parse(rt(['state', id]).stdout) as { pid: number }).pid;
          const p = m.show(unit, ['ActiveState', 'ControlGroup', 'Delegate', 'DevicePolicy', ...props]);
          assert.deepEqual(
            { ActiveState: p.ActiveState, ControlGroup: p.ControlGroup, Delegate: p.Delegate, DevicePolicy: p.DevicePolicy },
            {
              ActiveState: 'active',
              ControlGroup: `/system.slice/${unit}`,
              Delegate: 'yes',
              DevicePolicy: 'strict',
            },
          );
          delete p.ControlGroup;
          shown[name] = p;
          // Only the lines of hierarchies the machine has (the others are the host's, outside its view).
          const lines = m
            .ok(['cat', `/proc/${pid}/cgroup`])
            .stdout.trim()
            .split('\n')
            .filter((l) => !l.includes('/..'));
          assert.ok(lines.length > 0);
          for (const line of lines) assert.ok(line.endsWith(`:/system.slice/${unit}`), line);
          rt(['start', id]);
          assert.match(rt(['ps', id]).stdout, /sleep 300/);
        } finally {
          m.exec([bin, '--root', `/x/state-${name}`, 'delete', '--force', id]);
        }
        assert.equal(m.unitLoaded(unit), false);
      });
    }

    it('kago and runc gave their units the same properties', function () {
      if (!shown.kago || !shown.runc) this.skip();
      if (layout === 'legacy') assert.equal(shown.kago.MemoryLimit, String(96 << 20));
      assert.deepEqual(shown.kago, shown.runc);
    });
  });
}

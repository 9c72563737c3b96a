// The systemd cgroup driver against a real systemd (test/helpers/systemd.ts),
// kago and runc 1.1.5 side by side in the same machine: the same units, in
// the same places, with the same properties.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { defaultSpec } from '../../host/spec/default.ts';
import { makeRootfs } from '../helpers/bundle.ts';
import { nspawnAvailable, SystemdMachine } from '../helpers/systemd.ts';
import { waitFor } from '../helpers/wait.ts';

const KAGO = '/kago/bin/kago';
/** The test build, with the crash tests' fault injection (make test-build). */
const KAGO_FAULTS = '/kago/build/test/bin/kago';
const RUNC = '/usr/sbin/runc';
const runtimes = [
  { name: 'kago', bin: KAGO },
  { name: 'runc', bin: RUNC },
];

/** The properties a container's limits become (v1/hybrid names: this fixture's host is hybrid). */
const LIMIT_PROPS = [
  'Slice',
  'ControlGroup',
  'Delegate',
  'MemoryLimit',
  'CPUShares',
  'CPUQuotaPerSecUSec',
  'CPUQuotaPeriodUSec',
  'TasksMax',
  'DevicePolicy',
  'DefaultDependencies',
  'AllowedCPUs',
  'AllowedMemoryNodes',
];

describe('the systemd cgroup driver in a systemd machine', function () {
  this.timeout(180_000);
  let m: SystemdMachine;
  let n = 0;

  before(function () {
    if (!nspawnAvailable()) this.skip();
    this.timeout(120_000);
    m = new SystemdMachine();
    m.boot();
    console.log(`      (systemd booted in ${m.bootMs} ms)`);
  });
  after(() => m?.teardown());

  /** A bundle in the machine's scratch directory, as the machine sees it. */
  function bundle(configure: (spec: Spec) => void, args = ['sleep', '300']): string {
    const dir = mkdtempSync(join(m.scratch, 'bundle-'));
    makeRootfs(join(dir, 'rootfs'));
    const spec = defaultSpec();
    spec.process!.terminal = false;
    spec.process!.args = args;
    configure(spec);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    return m.inside(dir);
  }

  const rt = (bin: string, args: string[]) => m.exec([bin, '--systemd-cgroup', '--root', `/x/state-${bin === KAGO ? 'kago' : 'runc'}`, ...args]);
  const rtOk = (bin: string, args: string[]) => {
    const r = rt(bin, args);
    if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r;
  };
  const id = (tag: string) => `sd${process.pid}-${tag}-${++n}`;
  const pidOf = (bin: string, cid: string) => (JSON.parse(rtOk(bin, ['state', cid]).stdout) as { pid: number }).pid;
  const limits = (spec: Spec) => {
    spec.linux!.resources = {
      ...spec.linux!.resources,
      memory: { limit: 100 * 1024 * 1024 },
      cpu: { shares: 512, quota: 50_000, period: 100_000, cpus: '0', mems: '0' },
      pids: { limit: 50 },
    };
  };

  it('puts kago and runc containers with limits in PREFIX-NAME.scope under the slice, with the same properties', () => {
    const shown: Record<string, Record<string, string>> = {};
    for (const { name, bin } of runtimes) {
      const cid = id(name);
      const b = bundle((s) => {
        s.linux!.cgroupsPath = `system.slice:kt${name}:${cid}`;
        limits(s);
      });
      rtOk(bin, ['create', '--bundle', b, cid]);
      try {
        const unit = `kt${name}-${cid}.scope`;
        const props = m.show(unit, [...LIMIT_PROPS, 'ActiveState']);
        assert.equal(props.ActiveState, 'active', `${name}: ${unit}`);
        assert.equal(props.ControlGroup, `/system.slice/${unit}`);
        // The container's init is in the unit, in every hierarchy.
        const cgroup = m
          .ok(['cat', `/proc/${pidOf(bin, cid)}/cgroup`])
          .stdout.trim()
          .split('\n');
        for (const line of cgroup) assert.match(line, new RegExp(`:/system\\.slice/${unit.replace(/\./g, '\\.')}$`), `${name}: ${line}`);
        // cpuset is not systemd's on v1: written through cgroupfs at the unit's path.
        assert.equal(m.ok(['cat', `/sys/fs/cgroup/cpuset/system.slice/${unit}/cpuset.cpus`]).stdout.trim(), '0');
        delete props.ControlGroup;
        delete props.ActiveState;
        shown[name] = props;
      } finally {
        rt(bin, ['delete', '--force', cid]);
      }
    }
    assert.deepEqual(shown.kago, {
      Slice: 'system.slice',
      Delegate: 'yes',
      MemoryLimit: String(100 * 1024 * 1024),
      CPUShares: '512',
      CPUQuotaPerSecUSec: '500ms',
      CPUQuotaPeriodUSec: '100ms',
      TasksMax: '50',
      DevicePolicy: 'strict',
      DefaultDependencies: 'no',
      AllowedCPUs: '0',
      AllowedMemoryNodes: '0',
    });
    assert.deepEqual(shown.kago, shown.runc);
  });

  for (const { name, bin } of runtimes) {
    it(`${name}: update changes the unit's properties and the files`, () => {
      const cid = id(`u${name}`);
      const unit = `ku${name}-${cid}.scope`;
      rtOk(bin, [
        'create',
        '--bundle',
        bundle((s) => {
          s.linux!.cgroupsPath = `system.slice:ku${name}:${cid}`;
          limits(s);
        }),
        cid,
      ]);
      try {
        rtOk(bin, ['update', '--memory', String(200 * 1024 * 1024), '--pids-limit', '60', '--cpu-quota', '20000', cid]);
        assert.deepEqual(m.show(unit, ['MemoryLimit', 'TasksMax', 'CPUQuotaPerSecUSec']), {
          MemoryLimit: String(200 * 1024 * 1024),
          TasksMax: '60',
          CPUQuotaPerSecUSec: '200ms',
        });
        assert.equal(m.ok(['cat', `/sys/fs/cgroup/pids/system.slice/${unit}/pids.max`]).stdout.trim(), '60');
        assert.equal(m.ok(['cat', `/sys/fs/cgroup/cpu/system.slice/${unit}/cpu.cfs_quota_us`]).stdout.trim(), '20000');
      } finally {
        rt(bin, ['delete', '--force', cid]);
      }
    });

    it(`${name}: delete stops the unit and its cgroups go`, () => {
      const cid = id(`d${name}`);
      const unit = `kd${name}-${cid}.scope`;
      rtOk(bin, [
        'create',
        '--bundle',
        bundle((s) => {
          s.linux!.cgroupsPath = `system.slice:kd${name}:${cid}`;
        }),
        cid,
      ]);
      rtOk(bin, ['start', cid]);
      assert.equal(m.unitLoaded(unit), true);
      rtOk(bin, ['delete', '--force', cid]);
      assert.equal(m.unitLoaded(unit), false);
      assert.equal(m.exec(['sh', '-c', `ls -d /sys/fs/cgroup/*/system.slice/${unit} 2>/dev/null`]).stdout, '');
    });

    it(`${name}: a slice with dashes is placed under its parents, which systemd makes`, () => {
      const cid = id(`s${name}`);
      const unit = `ks${name}-${cid}.scope`;
      const slice = `kagotest-${name}${process.pid}.slice`;
      rtOk(bin, [
        'create',
        '--bundle',
        bundle((s) => {
          s.linux!.cgroupsPath = `${slice}:ks${name}:${cid}`;
        }),
        cid,
      ]);
      try {
        assert.equal(m.show(unit, ['ControlGroup']).ControlGroup, `/kagotest.slice/${slice}/${unit}`);
        assert.equal(m.show(slice, ['ActiveState']).ActiveState, 'active');
      } finally {
        rt(bin, ['delete', '--force', cid]);
      }
    });

    it(`${name}: pause and resume freeze the unit's cgroup; ps and events --stats read it`, () => {
      const cid = id(`p${name}`);
      const unit = `kp${name}-${cid}.scope`;
      rtOk(bin, [
        'create',
        '--bundle',
        bundle((s) => {
          s.linux!.cgroupsPath = `system.slice:kp${name}:${cid}`;
        }),
        cid,
      ]);
      try {
        rtOk(bin, ['start', cid]);
        rtOk(bin, ['pause', cid]);
        assert.equal(m.ok(['cat', `/sys/fs/cgroup/freezer/system.slice/${unit}/freezer.state`]).stdout.trim(), 'FROZEN');
        rtOk(bin, ['resume', cid]);
        assert.equal(m.ok(['cat', `/sys/fs/cgroup/freezer/system.slice/${unit}/freezer.state`]).stdout.trim(), 'THAWED');
        assert.match(rtOk(bin, ['ps', cid]).stdout, /sleep 300/);
        const stats = JSON.parse(rtOk(bin, ['events', '--stats', cid]).stdout) as {
          type: string;
          data: { pids: { current: number }; memory: { usage: { usage: number } } };
        };
        assert.equal(stats.type, 'stats');
        assert.ok(stats.data.pids.current >= 1 && stats.data.memory.usage.usage > 0, JSON.stringify(stats.data.pids));
      } finally {
        rt(bin, ['delete', '--force', cid]);
      }
    });
  }

  it('kago: an empty slice is system.slice, and no cgroupsPath is :kago:ID (runc: :runc:ID)', () => {
    const a = id('e');
    rtOk(KAGO, [
      'create',
      '--bundle',
      bundle((s) => {
        s.linux!.cgroupsPath = `:ke:${a}`;
      }),
      a,
    ]);
    const b = id('f');
    rtOk(KAGO, [
      'create',
      '--bundle',
      bundle((s) => {
        delete s.linux!.cgroupsPath;
      }),
      b,
    ]);
    try {
      assert.equal(m.show(`ke-${a}.scope`, ['ControlGroup']).ControlGroup, `/system.slice/ke-${a}.scope`);
      assert.equal(m.show(`kago-${b}.scope`, ['ControlGroup']).ControlGroup, `/system.slice/kago-${b}.scope`);
    } finally {
      rt(KAGO, ['delete', '--force', a]);
      rt(KAGO, ['delete', '--force', b]);
    }
  });

  it('kago: org.systemd.property.* annotations become unit properties, as in runc', () => {
    const shown: Record<string, string>[] = [];
    for (const { name, bin } of runtimes) {
      const cid = id(`a${name}`);
      rtOk(bin, [
        'create',
        '--bundle',
        bundle((s) => {
          s.linux!.cgroupsPath = `system.slice:ka${name}:${cid}`;
          s.annotations = { 'org.systemd.property.TimeoutStopUSec': 'uint64 123456789', 'org.systemd.property.CollectMode': "'inactive-or-failed'" };
        }),
        cid,
      ]);
      try {
        shown.push(m.show(`ka${name}-${cid}.scope`, ['TimeoutStopUSec', 'CollectMode']));
      } finally {
        rt(bin, ['delete', '--force', cid]);
      }
    }
    assert.deepEqual(shown[0], { TimeoutStopUSec: '2min 3.456789s', CollectMode: 'inactive-or-failed' });
    assert.deepEqual(shown[0], shown[1]);
  });

  for (const [path, fragment] of [
    ['/kago/abc', 'slice:prefix:name'],
    ['a:b', 'slice:prefix:name'],
    ['bad:x:y', 'slice'],
    ['a--b.slice:x:y', 'no empty parts'],
    ['system.slice:x:', 'name'],
  ] as const) {
    it(`kago: cgroupsPath ${JSON.stringify(path)} is refused naming /linux/cgroupsPath, leaving nothing behind`, () => {
      const cid = id('bad');
      const r = rt(KAGO, [
        'create',
        '--bundle',
        bundle((s) => {
          s.linux!.cgroupsPath = path;
        }),
        cid,
      ]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /config\.json: \/linux\/cgroupsPath: /);
      assert.ok(r.stderr.includes(fragment), r.stderr);
      assert.equal(rt(KAGO, ['list', '-q']).stdout.includes(cid), false);
    });
  }

  for (const point of ['state-written', 'unit-started', 'cgroups-made', 'init-forked', 'init-ready']) {
    it(`kago: a create killed at ${point} leaves nothing that delete --force does not remove, the unit included`, () => {
      const cid = id('crash');
      const unit = `kc-${cid}.scope`;
      const b = bundle((s) => {
        s.linux!.cgroupsPath = `system.slice:kc:${cid}`;
        limits(s);
      });
      const r = m.exec([KAGO_FAULTS, '--systemd-cgroup', '--root', '/x/state-kago', 'create', '--bundle', b, cid], { KAGO_CRASH_AT: point });
      assert.ok(r.signal === 'SIGKILL' || r.code === 137, `${r.signal ?? r.code}: ${r.stderr}`);
      rtOk(KAGO, ['delete', '--force', cid]);
      waitFor(() => !m.unitLoaded(unit));
      assert.equal(m.exec(['sh', '-c', `ls -d /sys/fs/cgroup/*/system.slice/${unit} 2>/dev/null`]).stdout, '');
      assert.equal(rt(KAGO, ['list', '-q']).stdout.includes(cid), false);
    });
  }

  it('kago: a create that fails after its unit started leaves no unit, cgroup directory or state behind', () => {
    const cid = id('fail');
    const unit = `kf-${cid}.scope`;
    const r = rt(KAGO, [
      'create',
      '--bundle',
      bundle(
        (s) => {
          s.linux!.cgroupsPath = `system.slice:kf:${cid}`;
          limits(s);
        },
        ['/bin/not-here'],
      ),
      cid,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /find \/bin\/not-here: ENOENT/);
    assert.equal(m.unitLoaded(unit), false);
    assert.equal(m.exec(['sh', '-c', `ls -d /sys/fs/cgroup/*/system.slice/${unit} 2>/dev/null`]).stdout, '');
    assert.equal(rt(KAGO, ['list', '-q']).stdout.includes(cid), false);
  });

  it("kago: a second container naming a running container's unit is refused, and the first is untouched", () => {
    const first = id('one');
    const second = id('two');
    const path = `system.slice:kdup:${first}`;
    rtOk(KAGO, [
      'create',
      '--bundle',
      bundle((s) => {
        s.linux!.cgroupsPath = path;
      }),
      first,
    ]);
    try {
      const r = rt(KAGO, [
        'create',
        '--bundle',
        bundle((s) => {
          s.linux!.cgroupsPath = path;
        }),
        second,
      ]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /systemd unit kdup-.*\.scope: a unit of that name exists already/);
      assert.equal(m.show(`kdup-${first}.scope`, ['ActiveState']).ActiveState, 'active');
      assert.equal((JSON.parse(rtOk(KAGO, ['state', first]).stdout) as { status: string }).status, 'created');
      assert.equal(rt(KAGO, ['list', '-q']).stdout.includes(second), false);
    } finally {
      rt(KAGO, ['delete', '--force', first]);
    }
  });

  it('kago: features reports the systemd driver', () => {
    const f = JSON.parse(m.ok([KAGO, 'features']).stdout) as { linux: { cgroup: { systemd: boolean; systemdUser: boolean } } };
    assert.equal(f.linux.cgroup.systemd, true);
    assert.equal(f.linux.cgroup.systemdUser, false);
  });
});

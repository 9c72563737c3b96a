// The core's cgroup writes for every field of linux.resources, on v1, v2 and
// hybrid hosts: exact files and values, conversions included.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CgroupHost } from '../../wasm/cgroups.ts';
import { loadCoreSync } from '../../wasm/core.ts';

const { cgroups } = loadCoreSync(readFileSync(new URL('../../wasm/kago-core.wasm', import.meta.url)));

const V1: CgroupHost = {
  v1: ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb', 'net_cls', 'net_prio', 'rdma', 'name=systemd'],
  v2: null,
  hugepageSizes: ['2MB', '1GB'],
  swapAccounting: true,
  bfq: false,
};
const V2: CgroupHost = {
  v1: [],
  v2: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'],
  hugepageSizes: ['2MB', '1GB'],
  swapAccounting: true,
  bfq: false,
};
const HYBRID: CgroupHost = { ...V1, v1: ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'], v2: ['hugetlb'] };

/** [file, value] of every write but the device ones, in order. */
function files(resources: unknown, host: CgroupHost = V1): [string, string][] {
  const r = cgroups.cgroupWrites(resources, host);
  assert.deepEqual(
    r.problems.filter((p) => p.severity === 'error'),
    [],
    'no errors',
  );
  return r.writes.filter((w) => w.controller !== 'devices').map((w) => [w.file, w.value]);
}

function errors(resources: unknown, host: CgroupHost = V1): string[] {
  return cgroups
    .cgroupWrites(resources, host)
    .problems.filter((p) => p.severity === 'error')
    .map((p) => `${p.pointer}: ${p.message}`);
}

function warnings(resources: unknown, host: CgroupHost = V1): string[] {
  return cgroups
    .cgroupWrites(resources, host)
    .problems.filter((p) => p.severity === 'warning')
    .map((p) => p.pointer);
}

describe('cgroup writes computed by the core', function () {
  describe('memory', function () {
    it('v1: limit, memory+swap, reservation, swappiness, OOM killer, hierarchy', function () {
      assert.deepEqual(files({ memory: { limit: 1048576, swap: 2097152, reservation: 524288, swappiness: 10, disableOOMKiller: true, useHierarchy: true } }), [
        ['memory.limit_in_bytes', '1048576'],
        ['memory.memsw.limit_in_bytes', '2097152'],
        ['memory.soft_limit_in_bytes', '524288'],
        ['memory.swappiness', '10'],
        ['memory.oom_control', '1'],
        ['memory.use_hierarchy', '1'],
      ]);
      // runc's order: an unlimited memory+swap first, or the kernel refuses the memory limit above it.
      assert.deepEqual(files({ memory: { limit: -1, swap: -1 } }), [
        ['memory.memsw.limit_in_bytes', '-1'],
        ['memory.limit_in_bytes', '-1'],
      ]);
      assert.deepEqual(files({ memory: { limit: -1 } }), [
        ['memory.memsw.limit_in_bytes', '-1'],
        ['memory.limit_in_bytes', '-1'],
      ]);
    });

    it('v1: kernelTCP goes to memory.kmem.tcp.limit_in_bytes where the host has it, else a warning', function () {
      assert.deepEqual(files({ memory: { kernelTCP: 1048576 } }, { ...V1, kmemTcp: true }), [['memory.kmem.tcp.limit_in_bytes', '1048576']]);
      assert.deepEqual(files({ memory: { kernelTCP: 1048576 } }, V1), []);
      assert.deepEqual(warnings({ memory: { kernelTCP: 1048576 } }, V1), ['/linux/resources/memory/kernelTCP']);
      assert.deepEqual(warnings({ memory: { kernelTCP: 1048576 } }, V2), ['/linux/resources/memory/kernelTCP']);
    });

    it('v2: memory.max, memory.low, and memory.swap.max = swap - limit', function () {
      assert.deepEqual(files({ memory: { limit: 1048576, swap: 3145728, reservation: 524288 } }, V2), [
        ['memory.max', '1048576'],
        ['memory.swap.max', '2097152'],
        ['memory.low', '524288'],
      ]);
      assert.deepEqual(files({ memory: { limit: -1 } }, V2), [
        ['memory.max', 'max'],
        ['memory.swap.max', 'max'],
      ]);
      assert.deepEqual(files({ memory: { limit: 1000, swap: -1 } }, V2), [
        ['memory.max', '1000'],
        ['memory.swap.max', 'max'],
      ]);
      assert.deepEqual(files({ memory: { limit: 1000, swap: 0 } }, V2), [['memory.max', '1000']]);
      assert.deepEqual(files({ memory: { limit: 1000, swap: 1000 } }, V2), [
        ['memory.max', '1000'],
        ['memory.swap.max', '0'],
      ]);
    });

    it('refuses swap below the limit, swap without a limit on v2, and swap without accounting', function () {
      assert.deepEqual(errors({ memory: { limit: 2000, swap: 1000 } }), [
        '/linux/resources/memory/swap: memory+swap (1000) must not be less than the memory limit (2000)',
      ]);
      assert.match(errors({ memory: { swap: 1000 } }, V2)[0]!, /^\/linux\/resources\/memory\/swap: a swap limit needs a memory limit/);
      assert.match(errors({ memory: { limit: 1000, swap: 2000 } }, { ...V1, swapAccounting: false })[0]!, /swap accounting is not enabled/);
      assert.match(errors({ memory: { swappiness: 101 } })[0]!, /^\/linux\/resources\/memory\/swappiness: must be between 0 and 100/);
      assert.match(errors({ memory: { limit: -2 } })[0]!, /^\/linux\/resources\/memory\/limit: /);
    });

    it('warns about and ignores kernel, kernelTCP, and what v2 cannot do', function () {
      assert.deepEqual(files({ memory: { kernel: 1000, kernelTCP: 1000 } }), []);
      assert.deepEqual(warnings({ memory: { kernel: 1000, kernelTCP: 1000 } }), ['/linux/resources/memory/kernel', '/linux/resources/memory/kernelTCP']);
      assert.deepEqual(files({ memory: { swappiness: 10, disableOOMKiller: true, useHierarchy: false } }, V2), []);
      assert.equal(warnings({ memory: { swappiness: 10, disableOOMKiller: true, useHierarchy: false } }, V2).length, 3);
      assert.equal(cgroups.cgroupWrites({ memory: { checkBeforeUpdate: true } }, V1).checkBeforeUpdate, true);
    });
  });

  describe('cpu', function () {
    it('v1: shares, period before quota, burst, rt period before runtime, idle, cpuset', function () {
      assert.deepEqual(
        files({ cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, realtimeRuntime: 950, realtimePeriod: 1000, idle: 1, cpus: '0-1', mems: '0' } }),
        [
          ['cpu.shares', '512'],
          ['cpu.cfs_period_us', '100000'],
          ['cpu.cfs_quota_us', '50000'],
          ['cpu.cfs_burst_us', '1000'],
          ['cpu.rt_period_us', '1000'],
          ['cpu.rt_runtime_us', '950'],
          ['cpu.idle', '1'],
          ['cpuset.cpus', '0-1'],
          ['cpuset.mems', '0'],
        ],
      );
    });

    it('v2: cpu.weight from shares (runc: 1 + (shares-2)*9999/262142), cpu.max, cpu.max.burst', function () {
      assert.deepEqual(files({ cpu: { shares: 1024 } }, V2), [['cpu.weight', '39']]);
      assert.deepEqual(files({ cpu: { shares: 2 } }, V2), [['cpu.weight', '1']]);
      assert.deepEqual(files({ cpu: { shares: 262144 } }, V2), [['cpu.weight', '10000']]);
      assert.deepEqual(files({ cpu: { quota: 50000, period: 100000, burst: 2000, idle: 0, cpus: '1', mems: '0' } }, V2), [
        ['cpu.max', '50000 100000'],
        ['cpu.max.burst', '2000'],
        ['cpu.idle', '0'],
        ['cpuset.cpus', '1'],
        ['cpuset.mems', '0'],
      ]);
      assert.deepEqual(files({ cpu: { quota: -1, period: 100000 } }, V2), [['cpu.max', 'max 100000']]);
      assert.deepEqual(files({ cpu: { quota: 20000 } }, V2), [['cpu.max', '20000']]);
      assert.deepEqual(files({ cpu: { period: 50000 } }, V2), [['cpu.max', 'max 50000']]);
    });

    it('refuses real-time limits on v2, shares out of range and malformed cpu lists', function () {
      assert.deepEqual(errors({ cpu: { realtimeRuntime: 1000 } }, V2), ['/linux/resources/cpu/realtimeRuntime: cgroup v2 cannot limit real-time scheduling']);
      assert.match(errors({ cpu: { shares: 1 } })[0]!, /^\/linux\/resources\/cpu\/shares: must be between 2 and 262144/);
      assert.match(errors({ cpu: { cpus: '0;1' } })[0]!, /^\/linux\/resources\/cpu\/cpus: /);
      assert.match(errors({ cpu: { quota: 'x' } })[0]!, /^\/linux\/resources\/cpu\/quota: must be a 64-bit integer/);
    });
  });

  describe('pids, hugetlb, network, rdma', function () {
    it('pids.max: a number, or max for 0 and -1', function () {
      assert.deepEqual(files({ pids: { limit: 32 } }), [['pids.max', '32']]);
      assert.deepEqual(files({ pids: { limit: -1 } }, V2), [['pids.max', 'max']]);
      assert.deepEqual(files({ pids: { limit: 0 } }), [['pids.max', 'max']]);
    });

    it('hugetlb per page size, v1 and v2, only the sizes the host has', function () {
      const limits = {
        hugepageLimits: [
          { pageSize: '2MB', limit: 4194304 },
          { pageSize: '1GB', limit: -1 },
        ],
      };
      assert.deepEqual(files(limits), [
        ['hugetlb.2MB.limit_in_bytes', '4194304'],
        ['hugetlb.1GB.limit_in_bytes', '-1'],
      ]);
      assert.deepEqual(files(limits, V2), [
        ['hugetlb.2MB.max', '4194304'],
        ['hugetlb.1GB.max', 'max'],
      ]);
      assert.deepEqual(errors({ hugepageLimits: [{ pageSize: '64KB', limit: 0 }] }), [
        '/linux/resources/hugepageLimits/0/pageSize: this host has no 64KB huge pages',
      ]);
    });

    it('a hybrid host writes each controller where it is mounted', function () {
      const r = cgroups.cgroupWrites({ memory: { limit: 4096 }, hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }, HYBRID);
      assert.deepEqual(
        r.writes.filter((w) => w.controller !== 'devices').map((w) => [w.version, w.file, w.value]),
        [
          [1, 'memory.limit_in_bytes', '4096'],
          [2, 'hugetlb.2MB.max', '0'],
        ],
      );
    });

    it('net_cls and net_prio on v1 only', function () {
      assert.deepEqual(
        files({
          network: {
            classID: 1048577,
            priorities: [
              { name: 'eth0', priority: 5 },
              { name: 'lo', priority: 2 },
            ],
          },
        }),
        [
          ['net_cls.classid', '1048577'],
          ['net_prio.ifpriomap', 'eth0 5'],
          ['net_prio.ifpriomap', 'lo 2'],
        ],
      );
      assert.match(errors({ network: { classID: 1 } }, V2)[0]!, /^\/linux\/resources\/network\/classID: needs the cgroup v1 net_cls controller/);
      assert.match(errors({ network: { classID: 1 } }, HYBRID)[0]!, /net_cls/);
    });

    it('rdma.max per device', function () {
      const rdma = { rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 100 } } };
      assert.deepEqual(files(rdma, V2), [
        ['rdma.max', 'mlx5_1 hca_handle=3 hca_object=10000'],
        ['rdma.max', 'mlx4_0 hca_object=100'],
      ]);
      assert.match(errors(rdma, HYBRID)[0]!, /^\/linux\/resources\/rdma: needs the rdma cgroup controller/);
    });
  });

  describe('blockIO', function () {
    const bio = {
      blockIO: {
        weight: 500,
        leafWeight: 300,
        weightDevice: [{ major: 8, minor: 0, weight: 100, leafWeight: 50 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
        throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 0 }],
        throttleReadIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 200 }],
      },
    };
    it('v1 with CFQ files and with BFQ files', function () {
      assert.deepEqual(files(bio), [
        ['blkio.weight', '500'],
        ['blkio.leaf_weight', '300'],
        ['blkio.weight_device', '8:0 100'],
        ['blkio.leaf_weight_device', '8:0 50'],
        ['blkio.throttle.read_bps_device', '8:0 1048576'],
        ['blkio.throttle.write_bps_device', '8:0 0'],
        ['blkio.throttle.read_iops_device', '8:16 100'],
        ['blkio.throttle.write_iops_device', '8:16 200'],
      ]);
      assert.deepEqual(files(bio, { ...V1, bfq: true }).slice(0, 2), [
        ['blkio.bfq.weight', '500'],
        ['blkio.bfq.weight_device', '8:0 100'],
      ]);
    });

    it('v2: io.weight (runc: 1 + (weight-10)*9999/990) or io.bfq.weight, io.max', function () {
      assert.deepEqual(files(bio, V2), [
        ['io.weight', '4950'],
        ['io.weight', '8:0 910'],
        ['io.max', '8:0 rbps=1048576'],
        ['io.max', '8:0 wbps=max'],
        ['io.max', '8:16 riops=100'],
        ['io.max', '8:16 wiops=200'],
      ]);
      assert.deepEqual(files({ blockIO: { weight: 10 } }, V2), [['io.weight', '1']]);
      assert.deepEqual(files({ blockIO: { weight: 1000 } }, V2), [['io.weight', '10000']]);
      assert.deepEqual(files({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }] } }, { ...V2, bfq: true }), [
        ['io.bfq.weight', '500'],
        ['io.bfq.weight', '8:0 100'],
      ]);
      assert.deepEqual(warnings(bio, V2), ['/linux/resources/blockIO/leafWeight', '/linux/resources/blockIO/weightDevice/0/leafWeight']);
      assert.match(errors({ blockIO: { weight: 5 } })[0]!, /^\/linux\/resources\/blockIO\/weight: must be between 10 and 1000/);
    });
  });

  describe('unified', function () {
    it('writes v2 files as given, last, and overrides converted values', function () {
      assert.deepEqual(files({ memory: { limit: 1000 }, unified: { 'memory.high': '900', 'memory.max': '2000', 'cgroup.max.depth': '3' } }, V2), [
        ['memory.max', '1000'],
        ['memory.high', '900'],
        ['memory.max', '2000'],
        ['cgroup.max.depth', '3'],
      ]);
    });

    it('refuses paths, unknown controllers and v1-only hosts', function () {
      for (const key of ['../memory.max', 'memory.max/x', '..', 'memory..max', 'nodot', '.max']) {
        assert.match(errors({ unified: { [key]: '1' } }, V2)[0] ?? '', /no "\/" or "\.\."/, key);
      }
      assert.match(errors({ unified: { 'foo.max': '1' } }, V2)[0]!, /the foo controller is not available/);
      assert.match(errors({ unified: { 'memory.max': '1' } }, V1)[0]!, /unified settings need cgroup v2/);
      assert.match(errors({ unified: { 'memory.max': 1 } }, V2)[0]!, /must be a string/);
    });
  });

  describe('devices', function () {
    function deviceWrites(rules: unknown): string[] {
      const r = cgroups.cgroupWrites({ devices: rules }, V1);
      return r.writes.filter((w) => w.controller === 'devices').map((w) => `${w.file} ${w.value}`);
    }
    const STANDARD = [
      'c *:* m',
      'b *:* m',
      'c 1:3 rwm',
      'c 1:5 rwm',
      'c 1:7 rwm',
      'c 1:8 rwm',
      'c 1:9 rwm',
      'c 5:0 rwm',
      'c 5:1 rwm',
      'c 5:2 rwm',
      'c 136:* rwm',
      'c 10:200 rwm',
    ].map((r) => `devices.allow ${r}`);

    it('v1: deny all, the rules in their order, then the standard devices less what a rule denies', function () {
      assert.deepEqual(
        deviceWrites([
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
          { allow: false, type: 'c', major: 1, minor: 3, access: 'r' },
          { allow: true, type: 'b', major: 8, access: 'r' },
        ]),
        [
          'devices.deny a',
          'devices.allow c 10:229 rwm',
          'devices.deny c 1:3 r',
          'devices.allow b 8:* r',
          ...STANDARD.map((w) => (w === 'devices.allow c 1:3 rwm' ? 'devices.allow c 1:3 wm' : w)),
        ],
      );
    });

    it('v1: a deny of every char device leaves the char standard devices out', function () {
      assert.deepEqual(deviceWrites([{ allow: false, type: 'c', access: 'rwm' }]), ['devices.deny a', 'devices.deny c *:* rwm', 'devices.allow b *:* m']);
    });

    it('v1: allow all switches the default; a rule for all types becomes two', function () {
      assert.deepEqual(
        deviceWrites([
          { allow: true, access: 'rwm' },
          { allow: false, major: 10, minor: 200 },
        ]),
        ['devices.allow a', 'devices.deny c 10:200 rwm', 'devices.deny b 10:200 rwm'],
      );
    });

    it('v1: warns when a deny cannot narrow a wider allow', function () {
      const r = cgroups.cgroupWrites({ devices: [{ allow: false, type: 'c', major: 1, minor: 3, access: 'm' }] }, V1);
      assert.deepEqual(
        r.problems.map((p) => [p.pointer, p.severity]),
        [['/linux/resources/devices/0', 'warning']],
      );
    });

    it('v2 and no v1 devices controller: an eBPF program instead of writes', function () {
      const r = cgroups.cgroupWrites({ devices: [{ allow: false, access: 'rwm' }] }, V2);
      assert.equal(r.devices, 'bpf');
      assert.deepEqual(r.writes, []);
      assert.equal(cgroups.cgroupWrites({}, V1).devices, 'v1');
      assert.equal(cgroups.cgroupWrites({}, { ...V1, v1: ['memory'] }).devices, 'none');
    });

    it('refuses malformed rules with their pointer', function () {
      assert.match(cgroups.cgroupWrites({ devices: [{ allow: false, type: 'x' }] }, V1).problems[0]!.pointer, /^\/linux\/resources\/devices\/0\/type$/);
      assert.match(cgroups.cgroupWrites({ devices: [{ allow: true, access: 'rx' }] }, V1).problems[0]!.pointer, /^\/linux\/resources\/devices\/0\/access$/);
      assert.throws(() => cgroups.deviceProgram([{ allow: 'yes' }]), /\/linux\/resources\/devices\/0\/allow/);
    });

    it('update leaves the device rules alone', function () {
      assert.deepEqual(
        cgroups.cgroupWrites({ pids: { limit: 3 } }, { ...V1, skipDevices: true }).writes.map((w) => w.file),
        ['pids.max'],
      );
    });
  });

  describe('the v2 device program', function () {
    it('is a sequence of struct bpf_insn ending in exit', function () {
      const prog = new Uint8Array(cgroups.deviceProgram([{ allow: false, access: 'rwm' }]));
      assert.equal(prog.length % 8, 0);
      // six loads of the context, per rule a block, then r0 = default; exit
      assert.deepEqual([...prog.subarray(prog.length - 16)], [0xb4, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual([...prog.subarray(0, 8)], [0x61, 0x12, 0, 0, 0, 0, 0, 0]);
    });

    it('defaults to allow after an allow-all rule', function () {
      const prog = new Uint8Array(cgroups.deviceProgram([{ allow: true, access: 'rwm' }]));
      assert.equal(prog.length, 8 * 8);
      assert.equal(prog[prog.length - 12], 1);
    });
  });

  it('reports malformed input instead of throwing', function () {
    assert.match(errors('not an object' as unknown)[0]!, /\/linux\/resources: must be an object/);
    assert.match(errors({ memory: [] })[0]!, /\/linux\/resources\/memory: must be an object/);
  });
});

// The host applying the core's v2 writes to a scratch directory tree laid
// out like a cgroup2 mount: every write reaches its file, the controllers
// are enabled in the ancestors, and a failing write names file, value, errno.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyWrites, targetFromDirs } from '../../host/cgroups/apply.ts';
import type { Hierarchy } from '../../host/cgroups/layout.ts';
import { KagoError } from '../../host/errors.ts';
import type { CgroupHost } from '../../wasm/cgroups.ts';
import { loadCoreSync } from '../../wasm/core.ts';

const { cgroups } = loadCoreSync(readFileSync(new URL('../../wasm/kago-core.wasm', import.meta.url)));
const V2: CgroupHost = { v1: [], v2: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma'], hugepageSizes: ['2MB'], swapAccounting: true, bfq: false };

const RESOURCES = {
  memory: { limit: 67108864, reservation: 33554432, swap: 134217728 },
  cpu: { shares: 1024, quota: 25000, period: 100000, burst: 1000, cpus: '0', mems: '0', idle: 0 },
  pids: { limit: 64 },
  blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
  hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }],
  rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 100 } },
  unified: { 'memory.high': '50331648' },
};

describe('applying v2 writes to a scratch cgroup tree', function () {
  let root: string;
  let mount: string;
  let leaf: string;
  let hierarchies: Hierarchy[];
  beforeEach(function () {
    root = mkdtempSync(join(tmpdir(), 'kago-cgroup-scratch-'));
    mount = join(root, 'unified');
    leaf = join(mount, 'kago', 'c1');
    mkdirSync(leaf, { recursive: true });
    writeFileSync(join(mount, 'cgroup.subtree_control'), '');
    writeFileSync(join(mount, 'kago', 'cgroup.subtree_control'), '');
    hierarchies = [{ version: 2, mountPoint: mount, mountRoot: '/', controllers: [] }];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes every file with the computed value and enables the controllers above', function () {
    const { writes, problems } = cgroups.cgroupWrites(RESOURCES, V2);
    assert.deepEqual(problems, []);
    const files = new Set(writes.map((w) => w.file));
    for (const f of files) writeFileSync(join(leaf, f), '');
    applyWrites(writes, targetFromDirs([leaf], hierarchies));
    const expected: Record<string, string> = {
      'memory.max': '67108864',
      'memory.low': '33554432',
      'memory.swap.max': '67108864',
      'memory.high': '50331648',
      'cpu.weight': '39',
      'cpu.max': '25000 100000',
      'cpu.max.burst': '1000',
      'cpu.idle': '0',
      'cpuset.cpus': '0',
      'cpuset.mems': '0',
      'pids.max': '64',
      'io.weight': '4950',
      'io.max': '8:0 rbps=1048576',
      'hugetlb.2MB.max': '2097152',
      'rdma.max': 'mlx5_1 hca_handle=3 hca_object=100',
    };
    assert.deepEqual([...files].sort(), Object.keys(expected).sort());
    for (const [file, value] of Object.entries(expected)) assert.equal(readFileSync(join(leaf, file), 'utf8'), value, file);
    // A controller must be enabled by every ancestor (the root included) to appear in the leaf.
    for (const dir of [mount, join(mount, 'kago')]) {
      assert.deepEqual(readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').split(' ').sort(), [
        '+cpu',
        '+cpuset',
        '+hugetlb',
        '+io',
        '+memory',
        '+pids',
        '+rdma',
      ]);
    }
  });

  it('a failing write names the file, the value and the errno', function () {
    const { writes } = cgroups.cgroupWrites({ pids: { limit: 5 } }, V2);
    assert.throws(
      () => applyWrites(writes, targetFromDirs([leaf], hierarchies)),
      (e: unknown) => {
        assert.ok(e instanceof KagoError);
        assert.equal(e.message, `cgroup ${join(leaf, 'pids.max')}: write "5": open: ENOENT`);
        return true;
      },
    );
  });
});

// Where the container's v2 cgroup is: a nested cgroupsPath, a parent that
// exists before the container (with limits of its own), a cgroup namespace.
// kago beside runc 1.1.5, in the VM of make test-v2.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { uniqueId } from '../helpers/kago.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { CGROUP_ROOT, describeV2, keyed, readCg, rmdirTree, v2Bundle, v2Harness, watchInit } from './fixture.ts';

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describeV2(`${name}: where the v2 cgroup is`, function () {
    const h = v2Harness(bin);
    const kago = h.kago;

    it('a nested cgroupsPath is made level by level, each enabling the controllers the next needs', function () {
      const c = v2Bundle(h, ['sleep', '1000'], { pids: { limit: 7 }, memory: { limit: 32 * 1024 * 1024 } }, (s, id) => {
        s.linux!.cgroupsPath = `/kago-nested-${id}/outer/inner`;
      });
      const dir = c.dir;
      const top = join(CGROUP_ROOT, `kago-nested-${c.id}`);
      h.defer(() => rmdirTree(top));
      kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      assert.equal(readCg(dir, 'pids.max'), '7');
      assert.equal(readCg(dir, 'memory.max'), String(32 * 1024 * 1024));
      for (const level of [top, join(top, 'outer')]) {
        const enabled = readCg(level, 'cgroup.subtree_control').split(' ');
        assert.ok(enabled.includes('pids') && enabled.includes('memory'), `${level}: ${enabled.join(' ')}`);
      }
      kago.ok(['delete', '--force', c.id]);
      assert.ok(!existsSync(dir));
      // kago removes the levels it made; runc 1.1.5 only the container's own.
      assert.equal(existsSync(top), name === 'runc');
    });

    it('a parent that existed before keeps its limits over the container and outlives it', function () {
      const parent = join(CGROUP_ROOT, `kago-parent-${uniqueId()}`);
      mkdirSync(parent);
      h.defer(() => rmdirTree(parent));
      writeFileSync(join(parent, 'cgroup.subtree_control'), '+pids');
      writeFileSync(join(parent, 'pids.max'), '12');
      // 12, not fewer: runc's own init (Go) needs several threads in the cgroup to start.
      const c = v2Bundle(h, shell('for i in $(seq 20); do sleep 1000 & done 2>/dev/null; sleep 1000'), { pids: { limit: 100 } }, (s, id) => {
        s.linux!.cgroupsPath = `${parent.slice(CGROUP_ROOT.length)}/${id}`;
      });
      const dir = c.dir;
      kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
      watchInit(h, c.id);
      assert.equal(readCg(dir, 'pids.max'), '100');
      // Linux 6.1 counts the refused fork in the forking task's cgroup (6.8 added pids.events.local to tell them apart).
      waitFor(() => keyed(parent, 'pids.events').max! + keyed(dir, 'pids.events').max! >= 1, 60_000);
      assert.ok(Number(readCg(dir, 'pids.current')) <= 12);
      kago.ok(['delete', '--force', c.id]);
      assert.ok(!existsSync(dir));
      assert.equal(readCg(parent, 'pids.max'), '12');
    });

    for (const cgroupns of [true, false]) {
      it(`${cgroupns ? 'in a cgroup namespace' : 'without a cgroup namespace'}, /proc/self/cgroup and /sys/fs/cgroup in the container`, function () {
        const c = v2Bundle(
          h,
          shell('cat /proc/self/cgroup > /seen; cat /sys/fs/cgroup/pids.max >> /seen 2>&1; echo end >> /seen; sleep 1000'),
          { pids: { limit: 13 } },
          (s) => {
            // runc spec lists a cgroup namespace on a pure v2 host.
            s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'cgroup');
            if (cgroupns) s.linux!.namespaces.push({ type: 'cgroup' });
          },
        );
        kago.ok(['run', '--detach', '--bundle', c.bundleDir, c.id]);
        watchInit(h, c.id);
        const seen = join(c.bundleDir, 'rootfs', 'seen');
        waitFor(() => existsSync(seen) && readFileSync(seen, 'utf8').endsWith('end\n'), 60_000);
        // Without a cgroup namespace kago bind-mounts the container's own
        // cgroup there; runc 1.1.5 mounts the whole hierarchy, whose root
        // has no pids.max.
        const own = cgroupns || name === 'kago';
        const second = own ? '13' : "cat: can't open '/sys/fs/cgroup/pids.max': No such file or directory";
        assert.equal(readFileSync(seen, 'utf8'), `0::${cgroupns ? '/' : `/kago/${c.id}`}\n${second}\nend\n`);
      });
    }
  });
}

// runc CVE-2021-30465: a mount destination swapped for a symlink while the
// runtime sets the container up. kago resolves every destination inside the
// root filesystem and mounts through the descriptor it resolved, so a swap
// at any moment either lands inside the rootfs or fails: never on the host.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness } from '../helpers/harness.ts';

describe('security: a mount destination swapped for a symlink during setup (CVE-2021-30465)', function () {
  const h = harness();

  it('never mounts on the host path the symlink names', async function () {
    const hostTarget = h.scratch(mkdtempSync(join(tmpdir(), 'kago-swap-target-')));
    const source = h.scratch(mkdtempSync(join(tmpdir(), 'kago-swap-source-')));
    const { id, bundle } = h.bundle(['true'], (s) => {
      s.mounts!.push({ destination: '/data/inner', type: 'bind', source, options: ['bind'] });
    });
    mkdirSync(join(bundle.rootfs, 'data'));
    // Flip /data between a directory and a symlink to the host target, as fast as a shell can.
    const flipper = spawn('sh', ['-c', `cd ${bundle.rootfs} && while :; do rm -rf data; ln -s ${hostTarget} data; rm -f data; mkdir -p data/inner; done`], {
      stdio: 'ignore',
    });
    h.defer(() => flipper.kill('SIGKILL'));
    let created = 0;
    for (let i = 0; i < 40; i++) {
      const r = h.kago.run(['create', '--bundle', bundle.dir, id]);
      if (r.code === 0) created++;
      // Resolving /data/inner through the host's symlink would create the
      // mount point in the host directory (and, with propagation, the mount):
      // in-root resolution makes it inside the rootfs instead.
      const madeOnHost = readdirSync(hostTarget);
      const mountedOnHost = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .filter((l) => l.includes(hostTarget));
      h.kago.run(['delete', '--force', id]);
      assert.deepEqual(madeOnHost, [], `attempt ${i}: nothing may be created in the host directory`);
      assert.deepEqual(mountedOnHost, [], `attempt ${i}: nothing may be mounted there`);
    }
    flipper.kill('SIGKILL');
    console.log(`      ${created} of 40 creates succeeded while /data was being swapped; none reached the host directory`);
  });
});

import assert from 'node:assert/strict';
import { ownCgroup, parseCgroupMounts } from '../../host/cgroups/layout.ts';
import { cgroupDirs, resolveCgroupPath } from '../../host/cgroups/placement.ts';
import { mountPointOf } from '../../host/plan/facts.ts';

const HYBRID = `
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
99 31 0:29 / /mnt/again rw,relatime - cgroup cgroup rw,cpu
`;

describe('cgroup placement', function () {
  it('finds v1 and v2 hierarchies in mountinfo, each once', function () {
    const h = parseCgroupMounts(HYBRID);
    assert.deepEqual(
      h.map((x) => [x.version, x.mountPoint, x.controllers.join(',')]),
      [
        [1, '/sys/fs/cgroup/cpu', 'cpu'],
        [1, '/sys/fs/cgroup/devices', 'devices'],
        [1, '/sys/fs/cgroup/systemd', 'name=systemd'],
        [2, '/sys/fs/cgroup/unified', ''],
      ],
    );
  });

  it('defaults to /kago/<id>, takes absolute paths as they are and relative ones under our own cgroup', function () {
    const h = parseCgroupMounts(HYBRID);
    const self = '4:cpu:/user.slice\n3:devices:/user.slice\n1:name=systemd:/user.slice/s\n0::/user.slice/u\n';
    assert.equal(resolveCgroupPath(undefined, 'c1'), '/kago/c1');
    assert.deepEqual(cgroupDirs('/kago/c1', h, self), [
      '/sys/fs/cgroup/cpu/kago/c1',
      '/sys/fs/cgroup/devices/kago/c1',
      '/sys/fs/cgroup/systemd/kago/c1',
      '/sys/fs/cgroup/unified/kago/c1',
    ]);
    assert.deepEqual(cgroupDirs('pods/c2', h, self), [
      '/sys/fs/cgroup/cpu/user.slice/pods/c2',
      '/sys/fs/cgroup/devices/user.slice/pods/c2',
      '/sys/fs/cgroup/systemd/user.slice/s/pods/c2',
      '/sys/fs/cgroup/unified/user.slice/u/pods/c2',
    ]);
    assert.equal(ownCgroup(h[3]!, self), '/user.slice/u');
  });

  it('refuses the systemd form; a path cannot climb out of the hierarchy', function () {
    assert.throws(() => resolveCgroupPath('system.slice:kago:c1', 'c1'), /\/linux\/cgroupsPath: the systemd form/);
    assert.equal(cgroupDirs('../../etc', parseCgroupMounts(HYBRID), '')[0], '/sys/fs/cgroup/cpu/etc');
    assert.equal(cgroupDirs('/a/../../b', parseCgroupMounts(HYBRID), '')[0], '/sys/fs/cgroup/cpu/b');
  });

  it('finds the mount that holds a path', function () {
    const info = '1 0 0:1 / / rw - ext4 /dev/vda rw\n2 1 0:2 / /tmp rw - tmpfs tmpfs rw\n3 1 0:3 / /tmpfoo rw - tmpfs tmpfs rw\n';
    assert.equal(mountPointOf('/tmp/b/rootfs', info), '/tmp');
    assert.equal(mountPointOf('/tmpfoo/x', info), '/tmpfoo');
    assert.equal(mountPointOf('/var/x', info), '/');
  });
});

// runc CVE-2025-31133: masking binds /dev/null over a path; if the
// container's /dev/null is a symlink to a procfs file, a careless runtime
// binds that file, writable, into the container instead.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';

describe('security: masked paths bind only the real /dev/null (CVE-2025-31133)', function () {
  const h = harness();

  it('refuses a /dev/null that leads elsewhere, and the host file stays as it was', function () {
    const corePattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    const r = h.runIn(
      shell('cat /proc/keys; echo "|/tmp/pwned" > /proc/keys'),
      (s) => {
        // No fresh /dev: the image's own /dev is used, and in it /dev/null is a link.
        s.mounts = s.mounts!.filter((m) => !m.destination.startsWith('/dev'));
        s.linux!.maskedPaths = ['/proc/keys'];
      },
      {
        prepare: (b) => {
          rmSync(join(b.rootfs, 'dev', 'null'), { force: true });
          symlinkSync('/proc/sys/kernel/core_pattern', join(b.rootfs, 'dev', 'null'));
        },
      },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mask \/proc\/keys: EPERM/);
    assert.equal(readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), corePattern);
  });

  it('masks with the null device when it is one', function () {
    const r = h.runIn(shell('wc -c < /proc/keys; stat -c "%t:%T" /proc/keys'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim()),
      ['0', '1:3'],
    );
  });
});

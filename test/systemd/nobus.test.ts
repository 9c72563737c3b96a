// The systemd driver where there is no systemd: one clear line, nothing left
// behind (no state, no cgroup, no executor). On the host itself, which has
// no system bus; a host that has one is the fixture's business.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectHierarchies } from '../../host/cgroups/layout.ts';
import { makeBundle } from '../helpers/bundle.ts';
import { Kago, uniqueId } from '../helpers/kago.ts';

const SYSTEM_BUS = '/run/dbus/system_bus_socket';

describe('the systemd cgroup driver without a system bus', function () {
  before(function () {
    if (existsSync(SYSTEM_BUS)) this.skip();
  });

  it('kago: create fails naming the unit and the bus, and leaves nothing behind', function () {
    const kago = new Kago();
    const b = makeBundle(['true'], (s) => {
      s.linux!.cgroupsPath = 'system.slice:kagonobus:x';
    });
    const id = uniqueId('nobus');
    try {
      const r = kago.run(['--systemd-cgroup', 'create', '--bundle', b.dir, id]);
      // (kago's root holds nothing: no state directory, no lock)
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^kago: systemd unit kagonobus-x\.scope: start: connect \/run\/dbus\/system_bus_socket: ENOENT \(is the D-Bus system bus running\?\)/,
      );
      assert.deepEqual(readdirSync(kago.root), []);
      assert.deepEqual(
        detectHierarchies()
          .map((h) => join(h.mountPoint, 'system.slice', 'kagonobus-x.scope'))
          .filter((d) => existsSync(d)),
        [],
      );
    } finally {
      kago.cleanup();
      b.remove();
    }
  });
});

// kago's D-Bus client: the marshaller against byte layouts worked out from
// the specification, messages round-tripped, and the client against a real
// dbus-daemon (a private one in a scratch directory).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceProperties, parseGVariant, rangeToBitmask, resourceProperties, sharesToWeight } from '../../host/cgroups/systemd/properties.ts';
import { resolveSystemdUnit, slicePath } from '../../host/cgroups/systemd/unit.ts';
import { DBusConnection, DBusError } from '../../host/sys/dbus.ts';
import { decodeMessage, encodeMessage, MESSAGE_TYPE, messageLength, Reader, splitSignature, Writer } from '../../host/sys/dbus-wire.ts';
import { waitFor } from '../helpers/wait.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('D-Bus wire format', () => {
  it('splits signatures into complete types', () => {
    assert.deepEqual(splitSignature('ssa(sv)a(sa(sv))'), ['s', 's', 'a(sv)', 'a(sa(sv))']);
    assert.deepEqual(splitSignature('a{sv}ay'), ['a{sv}', 'ay']);
    assert.throws(() => splitSignature('a(sv'), /not closed/);
    assert.throws(() => splitSignature('z'), /unknown type/);
  });

  it('marshals a(sv) with the padding the specification asks for', () => {
    const w = new Writer();
    w.write('a(sv)', [['Delegate', { sig: 'b', value: true }]]);
    // length 20 | pad to 8 | "Delegate" (8, bytes, NUL) | signature "b" | pad | true
    assert.equal(hex(w.bytes()), `140000000000000008000000${Buffer.from('Delegate').toString('hex')}0001620001000000`);
  });

  it('aligns from the start of the message, not of the value', () => {
    const w = new Writer(4);
    w.write('t', 1n);
    assert.equal(hex(w.bytes()), '00000000' + '0100000000000000');
    const empty = new Writer(0);
    // An empty array of structs still pads to its elements' alignment, outside the length.
    empty.write('a(ss)', []);
    assert.equal(hex(empty.bytes()), '00000000' + '00000000');
  });

  it('refuses values that do not fit the signature', () => {
    assert.throws(() => new Writer().write('u', 'x'), /cannot be/);
    assert.throws(() => new Writer().write('(su)', ['a']), /cannot be/);
    assert.throws(() => new Writer().write('v', { sig: 'ss', value: 'a' }), /one complete type/);
  });

  it('reads back what it writes: a StartTransientUnit call', () => {
    const body = [
      'kago-x.scope',
      'replace',
      [
        ['Delegate', { sig: 'b', value: true }],
        ['PIDs', { sig: 'au', value: [42] }],
        ['MemoryLimit', { sig: 't', value: 1n << 40n }],
        ['AllowedCPUs', { sig: 'ay', value: [5] }],
      ],
      [],
    ];
    const bytes = encodeMessage({
      type: MESSAGE_TYPE.methodCall,
      flags: 0,
      serial: 7,
      destination: 'org.freedesktop.systemd1',
      path: '/org/freedesktop/systemd1',
      interface: 'org.freedesktop.systemd1.Manager',
      member: 'StartTransientUnit',
      signature: 'ssa(sv)a(sa(sv))',
      body,
    });
    assert.equal(messageLength(bytes), bytes.length);
    assert.equal(messageLength(bytes.subarray(0, 15)), undefined);
    const m = decodeMessage(bytes);
    assert.equal(m.serial, 7);
    assert.equal(m.member, 'StartTransientUnit');
    assert.equal(m.signature, 'ssa(sv)a(sa(sv))');
    assert.deepEqual(m.body, body);
  });

  it('reports a truncated message', () => {
    const r = new Reader(Uint8Array.from([9, 0, 0, 0, 0x61]));
    assert.throws(() => r.read('s'), /truncated/);
  });
});

describe('systemd units and properties (pure)', () => {
  it('expands a slice name with dashes into its parents, as systemd does', () => {
    assert.equal(slicePath('system.slice'), '/system.slice');
    assert.equal(slicePath('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
    assert.equal(slicePath('-.slice'), '/');
    assert.throws(() => slicePath('-a.slice'), /empty parts/);
    assert.throws(() => slicePath('a/b.slice'), /not a systemd slice/);
  });

  it('names the unit prefix-name.scope in the slice, system.slice when empty', () => {
    assert.deepEqual(resolveSystemdUnit('system.slice:docker:abc', 'x'), {
      slice: 'system.slice',
      unit: 'docker-abc.scope',
      path: '/system.slice/docker-abc.scope',
    });
    assert.deepEqual(resolveSystemdUnit(':crio:abc', 'x'), { slice: 'system.slice', unit: 'crio-abc.scope', path: '/system.slice/crio-abc.scope' });
    assert.deepEqual(
      resolveSystemdUnit('kubepods-besteffort.slice:cri-containerd:abc', 'x').path,
      '/kubepods.slice/kubepods-besteffort.slice/cri-containerd-abc.scope',
    );
    assert.equal(resolveSystemdUnit(undefined, 'id1').unit, 'kago-id1.scope');
    assert.equal(resolveSystemdUnit('-.slice:p:n', 'x').path, '/p-n.scope');
    assert.throws(() => resolveSystemdUnit('/a/b', 'x'), /\/linux\/cgroupsPath: .*slice:prefix:name/);
  });

  it('converts cpusets to the bitmask AllowedCPUs takes', () => {
    assert.deepEqual(rangeToBitmask('0-2,9'), [0b111, 0b10]);
    assert.deepEqual(rangeToBitmask('7'), [0x80]);
  });

  it('converts cpu shares to a v2 weight as runc does', () => {
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(1024), 39);
    assert.equal(sharesToWeight(262144), 10000);
  });

  it('names the limits as runc does on v1 and on v2', () => {
    const r = {
      memory: { limit: 1 << 30, reservation: 1 << 29, swap: 2 * 2 ** 30 },
      cpu: { shares: 1024, quota: 25_000, period: 100_000, cpus: '0-1' },
      pids: { limit: -1 },
    };
    const names = (unified: boolean) => Object.fromEntries(resourceProperties(r, unified).map(([k, v]) => [k, v.value]));
    assert.deepEqual(names(false), {
      MemoryLimit: 1n << 30n,
      CPUShares: 1024n,
      CPUQuotaPeriodUSec: 100_000n,
      CPUQuotaPerSecUSec: 250_000n,
      TasksMax: (1n << 64n) - 1n,
      AllowedCPUs: [3],
    });
    // v2: swap counts swap alone; shares become a weight
    assert.deepEqual(names(true), {
      MemoryMax: 1n << 30n,
      MemoryLow: 1n << 29n,
      MemorySwapMax: 1n << 30n,
      CPUWeight: 39n,
      CPUQuotaPeriodUSec: 100_000n,
      CPUQuotaPerSecUSec: 250_000n,
      TasksMax: (1n << 64n) - 1n,
      AllowedCPUs: [3],
    });
    // systemd keeps CPU quotas in steps of 10 ms per second: rounded up
    assert.deepEqual(
      resourceProperties({ cpu: { quota: 1_234, period: 100_000 } }, true).map(([k, v]) => [k, v.value]),
      [
        ['CPUQuotaPeriodUSec', 100_000n],
        ['CPUQuotaPerSecUSec', 20_000n],
      ],
    );
  });

  it('turns the v1 device rules into DevicePolicy and DeviceAllow', () => {
    const w = (file: string, value: string) => ({ version: 1 as const, controller: 'devices', file, value, pointer: '/linux/resources/devices' });
    const procDevices = 'Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  8 sd\n';
    const props = deviceProperties(
      [
        w('devices.deny', 'a'),
        w('devices.allow', 'c *:* m'),
        w('devices.allow', 'c 1:3 rwm'),
        w('devices.allow', 'c 136:* rwm'),
        w('devices.allow', 'b 8:0 r'),
        w('devices.deny', 'c 1:3 rwm'),
      ],
      procDevices,
    );
    assert.deepEqual(
      props.map(([k, v]) => [k, v.value]),
      [
        ['DevicePolicy', 'strict'],
        ['DeviceAllow', []],
        [
          'DeviceAllow',
          [
            ['char-*', 'm'],
            ['char-pts', 'rwm'],
            ['/dev/block/8:0', 'r'],
          ],
        ],
      ],
    );
    assert.deepEqual(
      deviceProperties([w('devices.allow', 'a')], procDevices).map(([k, v]) => [k, v.value]),
      [
        ['DevicePolicy', 'auto'],
        ['DeviceAllow', []],
      ],
    );
  });

  it('reads the GVariant text of org.systemd.property annotations', () => {
    assert.deepEqual(parseGVariant('uint64 123456789'), { sig: 't', value: 123456789n });
    assert.deepEqual(parseGVariant("'inactive-or-failed'"), { sig: 's', value: 'inactive-or-failed' });
    assert.deepEqual(parseGVariant('true'), { sig: 'b', value: true });
    assert.deepEqual(parseGVariant('42'), { sig: 'i', value: 42 });
    assert.equal(parseGVariant('uint32 -1'), undefined);
    assert.equal(parseGVariant('[1, 2]'), undefined);
  });
});

describe('the D-Bus client against a real dbus-daemon', function () {
  this.timeout(30_000);
  let dir = '';
  let daemon: ReturnType<typeof spawn> | undefined;
  let socket = '';

  before(function () {
    if (spawnSync('dbus-daemon', ['--version'], { stdio: 'ignore' }).status !== 0) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'kago-dbus-'));
    socket = join(dir, 'bus');
    // The daemon prints its address once it listens; the socket file alone
    // exists from bind(), before listen(), when a connect is still refused.
    const printed = join(dir, 'address');
    const fd = openSync(printed, 'w');
    daemon = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', `--address=unix:path=${socket}`, '--print-address=3'], {
      stdio: ['ignore', 'ignore', 'ignore', fd],
    });
    closeSync(fd);
    waitFor(() => readFileSync(printed, 'utf8').includes('\n'));
  });
  after(() => {
    daemon?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const bus = (c: DBusConnection, member: string, signature?: string, body?: unknown[]) =>
    c.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member, signature, body: body as never });

  it('authenticates, says Hello and gets answers', () => {
    const c = DBusConnection.open(socket);
    try {
      const [id] = bus(c, 'GetId');
      assert.match(String(id), /^[0-9a-f]{32}$/);
      const [names] = bus(c, 'ListNames');
      assert.ok((names as string[]).includes('org.freedesktop.DBus'));
      bus(c, 'AddMatch', 's', ["type='signal',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'"]);
    } finally {
      c.close();
    }
  });

  it('turns an error reply into a DBusError with its name', () => {
    const c = DBusConnection.open(socket);
    try {
      assert.throws(
        () => bus(c, 'GetNameOwner', 's', ['org.example.Nobody']),
        (e: unknown) => e instanceof DBusError && e.errorName === 'org.freedesktop.DBus.Error.NameHasNoOwner',
      );
    } finally {
      c.close();
    }
  });

  it('receives a signal sent by another connection', () => {
    const a = DBusConnection.open(socket);
    const b = DBusConnection.open(socket);
    try {
      // NameOwnerChanged is broadcast when b takes a name; a asked for it.
      bus(a, 'AddMatch', 's', ["type='signal',member='NameOwnerChanged',arg0='org.kago.Test'"]);
      bus(b, 'RequestName', 'su', ['org.kago.Test', 0]);
      const m = a.waitSignal((s) => s.member === 'NameOwnerChanged', 10_000);
      assert.equal(m.body[0], 'org.kago.Test');
    } finally {
      a.close();
      b.close();
    }
  });

  it('says clearly when there is no bus', () => {
    assert.throws(() => DBusConnection.open(join(dir, 'none')), /connect .*ENOENT.*D-Bus system bus/);
  });
});

// cgroup behaviours engines and people rely on, each checked against runc
// 1.1.5 in the same test, with configs as other tools write them (runc
// spec's default, runtime-tools' generator). Cgroup v1 paths: they skip on
// a host without the v1 controller they are about.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyCgroupLimits } from '../../host/cgroups/apply.ts';
import { detectHierarchies } from '../../host/cgroups/layout.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { makeBundle, shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { Kago, uniqueId } from '../helpers/kago.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';

const V1 = '/sys/fs/cgroup';
const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'];
const hasV1 = (controller: string) => existsSync(join(V1, controller, 'cgroup.procs'));

function read(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** runc spec's config runs as kago's own would: its ambient set needs inheritable caps kago's capability code handles elsewhere. */
function fromRuncSpec(configure?: (s: Spec) => void): (s: Spec) => void {
  return (s) => {
    if (s.process?.capabilities) delete s.process.capabilities.ambient;
    configure?.(s);
  };
}

/** The cgroup of a running process in a v1 hierarchy, from /proc/PID/cgroup. */
function cgroupOf(pid: number, controller: string): string {
  for (const line of read(`/proc/${pid}/cgroup`).split('\n')) {
    const [, list = '', path = ''] = line.split(':');
    if (list.split(',').includes(controller)) return join(V1, controller, path);
  }
  throw new Error(`${pid} has no ${controller} cgroup`);
}

/** Every mounted hierarchy, name=systemd and the cgroup2 one included: runc makes its cgroups in all of them. */
function hierarchies(): string[] {
  return readdirSync(V1)
    .map((d) => join(V1, d))
    .filter((d) => existsSync(join(d, 'cgroup.procs')));
}

/** Removes what a test made by hand (and what a runtime made beside it) in every hierarchy, deepest first. */
function rmdirAll(...paths: string[]): void {
  for (const p of paths.flatMap((path) => hierarchies().map((h) => join(h, path)))) {
    try {
      rmdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describe(`cgroups as engines rely on them (${name})`, function () {
    const h = harness({ bin, base: 'runc' });

    describe('v1 devices', function () {
      before(function () {
        if (!hasV1('devices')) this.skip();
      });

      it('devices.list shows the configured entries first, in their order (runtime-tools linux_cgroups_devices)', function () {
        // runc 1.1.5 writes its defaults first and fails this conformance
        // check ("The runtime MUST apply entries in the listed order").
        if (bin === runcBin) this.skip();
        const path = `/dropin-${uniqueId('dev')}`;
        const { id, bundle } = h.bundle(
          ['sleep', '1000'],
          fromRuncSpec((s) => {
            s.linux!.cgroupsPath = path;
            s.linux!.resources = {
              devices: [
                { allow: false, access: 'rwm' },
                { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
                { allow: true, type: 'b', major: 8, minor: 20, access: 'rw' },
                { allow: true, type: 'b', major: 10, minor: 200, access: 'r' },
              ],
            };
          }),
        );
        h.kago.ok(['create', '--bundle', bundle.dir, id]);
        const list = read(join(V1, 'devices', path, 'devices.list')).split('\n');
        assert.deepEqual(list.slice(0, 3), ['c 10:229 rwm', 'b 8:20 rw', 'b 10:200 r']);
        // and the devices every container needs after them
        assert.ok(list.includes('c 1:3 rwm'), list.join('\n'));
      });

      it('a device in linux.devices stays closed under a deny-all rule (/dev/kmsg)', function () {
        const r = h.runIn(
          shell(
            'head -c 1 /dev/kmsg >/dev/null 2>&1 && echo read || echo no-read; (echo kago-devices-test >/dev/kmsg) 2>/dev/null && echo write || echo no-write; echo >/dev/null && echo null',
          ),
          fromRuncSpec((s) => {
            s.linux!.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 }];
            // runc spec's own rule list: deny everything
            s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
            // reading the kernel log needs CAP_SYSLOG too (dmesg_restrict): only the device rule may refuse it
            for (const set of ['bounding', 'effective', 'permitted'] as const)
              s.process!.capabilities![set] = [...(s.process!.capabilities![set] ?? []), 'CAP_SYSLOG'];
          }),
        );
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split('\n'), ['no-read', 'no-write', 'null']);
      });
    });

    describe('v1 memory', function () {
      before(function () {
        if (!hasV1('memory')) this.skip();
      });

      it('kernelTCP is written to memory.kmem.tcp.limit_in_bytes', function () {
        // runc 1.1.5 ignores kernelTCP (runtime-tools' "memory kernelTCP" fails for it).
        if (bin === runcBin || !existsSync(join(V1, 'memory', 'memory.kmem.tcp.limit_in_bytes'))) this.skip();
        const path = `/dropin-${uniqueId('tcp')}`;
        const { id, bundle } = h.bundle(
          ['sleep', '1000'],
          fromRuncSpec((s) => {
            s.linux!.cgroupsPath = path;
            s.linux!.resources = { memory: { kernelTCP: 50 * 1024 * 1024 } };
          }),
        );
        h.kago.ok(['create', '--bundle', bundle.dir, id]);
        assert.equal(read(join(V1, 'memory', path, 'memory.kmem.tcp.limit_in_bytes')), String(50 * 1024 * 1024));
      });

      it('update --memory -1 lifts a memory+swap limit too', function () {
        if (!existsSync(join(V1, 'memory', 'memory.memsw.limit_in_bytes'))) this.skip();
        const path = `/dropin-${uniqueId('swap')}`;
        const { id, bundle } = h.bundle(
          ['sleep', '1000'],
          fromRuncSpec((s) => {
            s.linux!.cgroupsPath = path;
            s.linux!.resources = { memory: { limit: 64 * 1024 * 1024, swap: 128 * 1024 * 1024 } };
          }),
        );
        h.kago.ok(['create', '--bundle', bundle.dir, id]);
        const dir = join(V1, 'memory', path);
        assert.equal(read(join(dir, 'memory.memsw.limit_in_bytes')), String(128 * 1024 * 1024));
        h.kago.ok(['update', '--memory', '-1', id]);
        const unlimited = read(join(V1, 'memory', 'memory.limit_in_bytes'));
        assert.equal(read(join(dir, 'memory.limit_in_bytes')), unlimited);
        assert.equal(read(join(dir, 'memory.memsw.limit_in_bytes')), unlimited);
        // and a later limit stands alone, without the old swap limit coming back
        h.kago.ok(['update', '--memory', '32m', id]);
        assert.equal(read(join(dir, 'memory.limit_in_bytes')), String(32 * 1024 * 1024));
        assert.equal(read(join(dir, 'memory.memsw.limit_in_bytes')), unlimited);
      });
    });

    describe('a cgroup that is already there', function () {
      before(function () {
        if (!CONTROLLERS.every(hasV1)) this.skip();
      });

      it('a frozen cgroupsPath is refused with a clear error, leaving nothing', function () {
        const path = `/dropin-${uniqueId('frozen')}`;
        const frozen = join(V1, 'freezer', path);
        mkdirSync(frozen);
        h.defer(() => {
          writeFileSync(join(frozen, 'freezer.state'), 'THAWED');
          rmdirAll(path);
        });
        writeFileSync(join(frozen, 'freezer.state'), 'FROZEN');
        waitFor(() => read(join(frozen, 'freezer.state')) === 'FROZEN');
        const { id, bundle } = h.bundle(
          ['true'],
          fromRuncSpec((s) => {
            s.linux!.cgroupsPath = path;
          }),
        );
        // The guard only stops a hanging create from hanging the test run.
        const r = h.kago.run(['create', '--bundle', bundle.dir, id], { timeoutMs: 20_000 });
        assert.equal(r.signal, null, 'create hung in the frozen cgroup');
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /container's cgroup unexpectedly frozen/);
        assert.notEqual(h.kago.run(['state', id]).code, 0, 'no container left');
        assert.equal(read(join(frozen, 'cgroup.procs')), '', 'nothing joined the frozen cgroup');
        assert.deepEqual(
          hierarchies().filter((d) => d !== join(V1, 'freezer') && existsSync(join(d, path))),
          [],
          'no cgroup made',
        );
      });

      it('a cgroupsPath below a frozen cgroup is refused too, and what was made is removed', function () {
        // runc 1.1.5 hangs here: the new cgroup starts frozen, and its init in it.
        if (bin === runcBin) this.skip();
        const parent = `/dropin-${uniqueId('frozenparent')}`;
        const frozen = join(V1, 'freezer', parent);
        mkdirSync(frozen);
        h.defer(() => {
          writeFileSync(join(frozen, 'freezer.state'), 'THAWED');
          rmdirAll(`${parent}/c`, parent);
        });
        writeFileSync(join(frozen, 'freezer.state'), 'FROZEN');
        waitFor(() => read(join(frozen, 'freezer.state')) === 'FROZEN');
        const { id, bundle } = h.bundle(
          ['true'],
          fromRuncSpec((s) => {
            s.linux!.cgroupsPath = `${parent}/c`;
          }),
        );
        const r = h.kago.run(['create', '--bundle', bundle.dir, id], { timeoutMs: 20_000 });
        assert.equal(r.signal, null, 'create hung in the frozen cgroup');
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /container's cgroup unexpectedly frozen/);
        assert.deepEqual(
          hierarchies().filter((d) => existsSync(join(d, parent, 'c'))),
          [],
          'no cgroup left',
        );
      });

      it('a non-empty cgroupsPath gets a warning, and the container is created', async function () {
        const path = `/dropin-${uniqueId('busy')}`;
        const busy = join(V1, 'devices', path);
        mkdirSync(busy);
        const squatter = spawn('sleep', ['1000'], { stdio: 'ignore' });
        const exited = new Promise((resolve) => squatter.on('exit', resolve));
        h.defer(() => rmdirAll(path));
        try {
          writeFileSync(join(busy, 'cgroup.procs'), String(squatter.pid));
          const { id, bundle } = h.bundle(
            ['sleep', '1000'],
            fromRuncSpec((s) => {
              s.linux!.cgroupsPath = path;
            }),
          );
          const r = h.kago.run(['create', '--bundle', bundle.dir, id]);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stderr, /container's cgroup is not empty: 1 process\(es\) found/);
        } finally {
          squatter.kill('SIGKILL');
          await exited;
        }
      });

      it('a parent cpuset made by someone else with no cpus or mems is filled before joining', function () {
        const parent = `/dropin-${uniqueId('cpuset')}`;
        mkdirSync(join(V1, 'cpuset', parent));
        assert.equal(read(join(V1, 'cpuset', parent, 'cpuset.cpus')), '');
        h.defer(() => rmdirAll(`${parent}/c`, parent));
        const r = h.runIn(
          ['true'],
          fromRuncSpec((s) => {
            s.linux!.cgroupsPath = `${parent}/c`;
          }),
        );
        assert.equal(r.code, 0, r.stderr);
        assert.equal(read(join(V1, 'cpuset', parent, 'cpuset.cpus')), read(join(V1, 'cpuset', 'cpuset.cpus')));
      });
    });

    describe('v1 real-time scheduling', function () {
      before(function () {
        // cpu.rt_runtime_us exists only with CONFIG_RT_GROUP_SCHED
        if (!existsSync(join(V1, 'cpu', 'cpu.rt_runtime_us'))) this.skip();
      });

      it('realtimeRuntime works in the default cgroup, without cgroupsPath', function () {
        const { id, bundle } = h.bundle(
          ['sleep', '1000'],
          fromRuncSpec((s) => {
            delete s.linux!.cgroupsPath;
            s.linux!.resources = { cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } };
          }),
        );
        const r = h.kago.run(['create', '--bundle', bundle.dir, id]);
        assert.equal(r.code, 0, r.stderr);
        const dir = cgroupOf(h.kago.state(id).pid, 'cpu');
        assert.equal(read(join(dir, 'cpu.rt_runtime_us')), '10000');
        assert.equal(read(join(dir, 'cpu.rt_period_us')), '1000000');
      });
    });
  });
}

// runc cannot be asked for a v2 device program on a hybrid host (it keeps
// devices on v1), so this one is kago's alone: the program kago attaches
// on a cgroup v2 host, from the same config, on this host's cgroup2 mount.
describe('the v2 device program as kago attaches it', function () {
  const unified = detectHierarchies().find((x) => x.version === 2);
  before(function () {
    if (!unified) this.skip();
  });

  it('a device in linux.devices stays closed under a deny-all rule (/dev/kmsg)', function () {
    const dir = join(unified!.mountPoint, `dropin-${uniqueId('bpf')}`);
    mkdirSync(dir);
    try {
      const spec: Spec = {
        ociVersion: '1.0.2',
        linux: {
          devices: [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11 }],
          resources: { devices: [{ allow: false, access: 'rwm' }] },
        },
      };
      // The caller's own v1 devices cgroup allows everything: only the program decides.
      applyCgroupLimits(spec.linux!.resources, { hierarchies: [unified!], dirs: [dir] });
      const probe = (path: string) => spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec head -c 1 ${path}`], { encoding: 'utf8' });
      const kmsg = probe('/dev/kmsg');
      assert.notEqual(kmsg.status, 0);
      assert.match(kmsg.stderr, /Operation not permitted/);
      const zero = probe('/dev/zero');
      assert.equal(zero.status, 0, zero.stderr);
    } finally {
      rmdirSync(dir);
    }
  });

  it('a cgroupsPath below a cgroup frozen on cgroup2 is refused (kago joins its cgroup2 directory too)', function () {
    const parent = `/dropin-${uniqueId('v2frozen')}`;
    const frozen = join(unified!.mountPoint, parent);
    mkdirSync(frozen);
    const h = new Kago();
    try {
      writeFileSync(join(frozen, 'cgroup.freeze'), '1');
      const bundle = makeBundle(
        ['true'],
        fromRuncSpec((s) => {
          s.linux!.cgroupsPath = `${parent}/c`;
        }),
        'runc',
      );
      try {
        const r = h.run(['run', '--bundle', bundle.dir, uniqueId('v2frozen')], { timeoutMs: 20_000 });
        assert.equal(r.signal, null, 'run hung in the frozen cgroup');
        assert.match(r.stderr, /container's cgroup unexpectedly frozen/);
        assert.deepEqual(
          hierarchies().filter((d) => existsSync(join(d, parent, 'c'))),
          [],
          'no cgroup left',
        );
      } finally {
        bundle.remove();
      }
    } finally {
      writeFileSync(join(frozen, 'cgroup.freeze'), '0');
      h.cleanup();
      rmdirAll(`${parent}/c`, parent);
    }
  });
});

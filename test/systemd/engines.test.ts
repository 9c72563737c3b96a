// Engines on their systemd defaults run their containers on kago inside a
// systemd machine (test/helpers/systemd.ts): podman with cgroup_manager =
// "systemd" and containerd (ctr) with the runc shim's SystemdCgroup; each
// also on runc 1.1.5 in the same machine, for the same units and properties.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enginesDir, ok, runTool, writeConfig } from '../engines/harness.ts';
import { nspawnAvailable, SystemdMachine } from '../helpers/systemd.ts';
import { waitFor } from '../helpers/wait.ts';

const IMAGE = 'localhost/busybox:kago';
const runtimes = [
  { name: 'kago', bin: '/kago/bin/kago' },
  { name: 'runc', bin: '/usr/sbin/runc' },
];
const PROPS = ['ActiveState', 'Slice', 'Delegate', 'MemoryLimit', 'TasksMax', 'CPUShares', 'DevicePolicy'];

describe('engines on their systemd cgroup defaults, in a systemd machine', function () {
  this.timeout(180_000);
  let m: SystemdMachine;

  before(function () {
    if (!nspawnAvailable()) this.skip();
    this.timeout(120_000);
    m = new SystemdMachine();
    m.boot();
    console.log(`      (systemd booted in ${m.bootMs} ms)`);
  });
  after(() => m?.teardown());

  /** The container's init's cgroups, one line per hierarchy. */
  const cgroupOf = (pid: string) =>
    m
      .ok(['cat', `/proc/${pid}/cgroup`])
      .stdout.trim()
      .split('\n');

  describe('podman (cgroup_manager = "systemd")', () => {
    let env: Record<string, string> = {};
    const podman = (args: string[]) => m.exec(['podman', ...args], env);
    const podmanOk = (args: string[]) => {
      const r = podman(args);
      if (r.code !== 0) throw new Error(`podman ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };

    before(() => {
      const dir = join(m.scratch, 'podman');
      mkdirSync(dir);
      const values = { KAGO: '/kago/bin/kago', SCRATCH: '/x/podman' };
      const conf = writeConfig('podman/containers.conf', join(dir, 'containers.conf'), values);
      // podman's default on a systemd host, and runc beside kago.
      const text = readFileSync(conf, 'utf8')
        .replace('cgroup_manager = "cgroupfs"', 'cgroup_manager = "systemd"')
        .replace('[engine.runtimes]', '[engine.runtimes]\nrunc = ["/usr/sbin/runc"]');
      assert.match(text, /cgroup_manager = "systemd"/);
      writeFileSync(conf, text);
      writeConfig('podman/storage.conf', join(dir, 'storage.conf'), values);
      env = { CONTAINERS_CONF: '/x/podman/containers.conf', CONTAINERS_STORAGE_CONF: '/x/podman/storage.conf' };
      ok(runTool(dir, join(enginesDir, 'busybox-rootfs'), [join(dir, 'rootfs.tar')]), 'busybox-rootfs');
      podmanOk(['import', '/x/podman/rootfs.tar', IMAGE]);
    });
    after(() => {
      if (env.CONTAINERS_CONF) podman(['rm', '--all', '--force', '--time', '0']);
    });

    it('runs a container with limits in libpod-ID.scope in machine.slice, on kago as on runc, and rm removes the unit', () => {
      const shown: Record<string, Record<string, string>> = {};
      for (const { name } of runtimes) {
        const id = podmanOk([
          'run',
          '-d',
          '--runtime',
          name,
          '--network',
          'none',
          '--memory',
          '64m',
          '--pids-limit',
          '30',
          '--cpu-shares',
          '512',
          IMAGE,
          'sleep',
          '300',
        ]);
        const unit = `libpod-${id}.scope`;
        const pid = podmanOk(['inspect', '--format', '{{.State.Pid}}', id]);
        for (const line of cgroupOf(pid)) assert.ok(line.endsWith(`:/machine.slice/${unit}`), `${name}: ${line}`);
        shown[name] = m.show(unit, PROPS);
        assert.equal(podmanOk(['exec', id, 'echo', 'in']), 'in');
        podmanOk(['rm', '--force', '--time', '0', id]);
        waitFor(() => !m.unitLoaded(unit));
      }
      assert.deepEqual(shown.kago, {
        ActiveState: 'active',
        Slice: 'machine.slice',
        Delegate: 'yes',
        MemoryLimit: String(64 << 20),
        TasksMax: '30',
        CPUShares: '512',
        DevicePolicy: 'strict',
      });
      assert.deepEqual(shown.kago, shown.runc);
    });

    it('runs a container with a terminal on kago', () => {
      const out = podmanOk(['run', '--rm', '-t', '--runtime', 'kago', '--network', 'none', IMAGE, 'sh', '-c', 'tty; grep -c libpod- /proc/self/cgroup']);
      assert.match(out, /^\/dev\/pts\/0\r?\n(\d+)/);
    });

    it('stop, start, pause and unpause a container on kago', () => {
      const id = podmanOk(['run', '-d', '--runtime', 'kago', '--network', 'none', IMAGE, 'sleep', '300']);
      try {
        podmanOk(['pause', id]);
        assert.equal(podmanOk(['inspect', '--format', '{{.State.Status}}', id]), 'paused');
        podmanOk(['unpause', id]);
        podmanOk(['stop', '--time', '0', id]);
        assert.equal(m.unitLoaded(`libpod-${id}.scope`), false);
        podmanOk(['start', id]);
        assert.equal(m.show(`libpod-${id}.scope`, ['ActiveState']).ActiveState, 'active');
      } finally {
        podman(['rm', '--force', '--time', '0', id]);
      }
    });
  });

  describe('containerd (ctr, the runc shim with SystemdCgroup)', () => {
    const dir = () => join(m.scratch, 'containerd');
    const ctr = (args: string[]) => m.exec(['ctr', '--address', '/x/containerd/containerd.sock', '--namespace', 'kagotest', ...args]);
    const ctrOk = (args: string[]) => {
      const r = ctr(args);
      if (r.code !== 0) throw new Error(`ctr ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };

    before(() => {
      mkdirSync(dir());
      writeConfig('containerd/config.toml', join(dir(), 'config.toml'), { SCRATCH: '/x/containerd' });
      ok(runTool(dir(), join(enginesDir, 'busybox-oci'), [join(dir(), 'image.tar'), 'kago']), 'busybox-oci');
      m.sh('setsid containerd --config /x/containerd/config.toml > /x/containerd/log 2>&1 < /dev/null &');
      waitFor(() => ctr(['version']).code === 0, 30_000);
      ctrOk(['images', 'import', '--base-name', 'localhost/busybox', '/x/containerd/image.tar']);
    });
    after(() => {
      if (!m) return;
      for (const c of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
        ctr(['task', 'kill', '-s', 'KILL', c]);
        ctr(['task', 'delete', '--force', c]);
        ctr(['containers', 'rm', c]);
      }
      m.exec(['sh', '-c', 'kill $(pidof containerd)']);
    });

    it('runs a container with limits in the cgroupsPath scope, on kago as on runc, and delete removes the unit', () => {
      const shown: Record<string, Record<string, string>> = {};
      for (const { name, bin } of runtimes) {
        const id = `ctr-${name}-${process.pid}`;
        ctrOk([
          'run',
          '-d',
          '--runc-binary',
          bin,
          '--runc-systemd-cgroup',
          '--cgroup',
          `system.slice:ctr${name}:${id}`,
          '--memory-limit',
          String(64 << 20),
          IMAGE,
          id,
          'sleep',
          '300',
        ]);
        const unit = `ctr${name}-${id}.scope`;
        const pid = /^\S+\s+(\d+)/m.exec(
          ctrOk(['task', 'ls'])
            .split('\n')
            .find((l) => l.startsWith(id)) ?? '',
        )?.[1];
        assert.ok(pid, `${name}: no task pid`);
        for (const line of cgroupOf(pid)) assert.ok(line.endsWith(`:/system.slice/${unit}`), `${name}: ${line}`);
        shown[name] = m.show(unit, PROPS);
        ctrOk(['task', 'kill', '-s', 'KILL', id]);
        waitFor(
          () =>
            /STOPPED/.test(
              ctr(['task', 'ls'])
                .stdout.split('\n')
                .find((l) => l.startsWith(id)) ?? '',
            ),
          30_000,
        );
        ctrOk(['task', 'delete', id]);
        ctrOk(['containers', 'rm', id]);
        waitFor(() => !m.unitLoaded(unit));
      }
      // ctr sets no pids limit or shares: systemd's defaults, the same for both.
      assert.equal(shown.kago!.ActiveState, 'active');
      assert.equal(shown.kago!.MemoryLimit, String(64 << 20));
      assert.equal(shown.kago!.Delegate, 'yes');
      assert.deepEqual(shown.kago, shown.runc);
    });

    describe('Docker (exec-opts native.cgroupdriver=systemd) through that containerd', () => {
      const docker = (args: string[]) => m.exec(['docker', '-H', 'unix:///x/docker/docker.sock', ...args]);
      const dockerOk = (args: string[]) => {
        const r = docker(args);
        if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
        return r.stdout.trim();
      };
      let image = '';

      before(() => {
        const ddir = join(m.scratch, 'docker');
        mkdirSync(ddir);
        const conf = writeConfig('docker/daemon.json', join(ddir, 'daemon.json'), {
          KAGO: '/kago/bin/kago',
          SCRATCH: '/x/docker',
          CONTAINERD: '/x/containerd/containerd.sock',
        });
        const json = JSON.parse(readFileSync(conf, 'utf8')) as { runtimes: Record<string, { path: string }>; 'exec-opts'?: string[] };
        json.runtimes.runc115 = { path: '/usr/sbin/runc' };
        // Docker's default on cgroup v2 hosts, and what Kubernetes asks of it.
        json['exec-opts'] = ['native.cgroupdriver=systemd'];
        writeFileSync(conf, JSON.stringify(json));
        ok(runTool(ddir, join(enginesDir, 'busybox-rootfs'), [join(ddir, 'rootfs.tar')]), 'busybox-rootfs');
        m.sh('setsid dockerd --config-file /x/docker/daemon.json > /x/docker/log 2>&1 < /dev/null &');
        waitFor(() => docker(['version']).code === 0, 60_000);
        image = dockerOk(['import', '/x/docker/rootfs.tar']);
      });
      after(() => {
        if (!image) return;
        docker(['rm', '--force', 'dk-kago', 'dk-runc115']);
        m.exec(['sh', '-c', 'kill $(pidof dockerd)']);
      });

      it('runs a container with limits in docker-ID.scope, on kago as on runc, and rm removes the unit', () => {
        const shown: Record<string, Record<string, string>> = {};
        for (const runtime of ['kago', 'runc115']) {
          const id = dockerOk([
            'run',
            '-d',
            '--runtime',
            runtime,
            '--name',
            `dk-${runtime}`,
            '--network',
            'none',
            '--memory',
            '64m',
            '--pids-limit',
            '30',
            '--cpu-shares',
            '512',
            image,
            'sleep',
            '300',
          ]);
          const unit = `docker-${id}.scope`;
          const pid = dockerOk(['inspect', '--format', '{{.State.Pid}}', id]);
          for (const line of cgroupOf(pid)) assert.ok(line.endsWith(`:/system.slice/${unit}`), `${runtime}: ${line}`);
          shown[runtime] = m.show(unit, PROPS);
          dockerOk(['rm', '--force', id]);
          waitFor(() => !m.unitLoaded(unit));
        }
        assert.deepEqual(shown.kago, {
          ActiveState: 'active',
          Slice: 'system.slice',
          Delegate: 'yes',
          MemoryLimit: String(64 << 20),
          TasksMax: '30',
          CPUShares: '512',
          DevicePolicy: 'strict',
        });
        assert.deepEqual(shown.kago, shown.runc115);
      });
    });
  });
});

// Kernel settings observed from inside the container (/proc files, uname)
// and the moved network device from outside.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { waitFor } from '../helpers/wait.ts';

function field(text: string, name: string): string {
  const line = text.split('\n').find((l) => l.startsWith(name));
  assert.ok(line, `no ${name} in:\n${text}`);
  return line.slice(line.indexOf(':') + 1).trim();
}

describe('kernel settings', function () {
  const h = harness();

  it('writes namespaced sysctls inside the container and leaves the host alone', function () {
    const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const hostShm = readFileSync('/proc/sys/kernel/shmmni', 'utf8');
    const r = h.runIn(shell('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni /proc/sys/kernel/domainname'), (s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': hostForward.trim() === '1' ? '0' : '1', 'kernel.shmmni': '1234', 'kernel/domainname': 'sysctl.example' };
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [hostForward.trim() === '1' ? '0' : '1', '1234', 'sysctl.example']);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward);
    assert.equal(readFileSync('/proc/sys/kernel/shmmni', 'utf8'), hostShm);
  });

  it('refuses to write a sysctl into a file that is not on procfs', function () {
    const r = h.runIn(
      ['true'],
      (s) => {
        s.root!.readonly = false;
        s.mounts = s.mounts!.filter((m) => m.type !== 'proc');
        s.linux!.maskedPaths = [];
        s.linux!.readonlyPaths = [];
        s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      },
      {
        prepare(b) {
          mkdirSync(join(b.rootfs, 'proc/sys/net/ipv4'), { recursive: true });
          writeFileSync(join(b.rootfs, 'proc/sys/net/ipv4/ip_forward'), '0\n');
        },
      },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /set sysctl net\.ipv4\.ip_forward: EXDEV/);
  });

  it('runs under the LINUX32 personality', function () {
    const r = h.runIn(shell('uname -m'), (s) => {
      s.linux!.personality = { domain: 'LINUX32' };
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^i[3-6]86$/);
  });

  it('sets the memory policy (numa_maps shows it on every mapping)', function () {
    const r = h.runIn(shell('head -1 /proc/self/numa_maps'), (s) => {
      s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] };
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, / interleave=static:0 /);
  });

  it('sets the scheduler policy and nice value, and the I/O priority', function () {
    const r = h.runIn(shell('grep -E "^policy" /proc/self/sched; cut -d" " -f19 /proc/self/stat; ionice -p $$'), (s) => {
      s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
      s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
    });
    assert.equal(r.code, 0, r.stderr);
    const [policy, nice, io] = r.stdout.trim().split('\n');
    assert.equal(field(policy!, 'policy'), '3', 'SCHED_BATCH is 3');
    assert.equal(nice, '7');
    assert.match(io!, /best-effort: prio 6/);
  });

  it('applies the time namespace offsets to CLOCK_MONOTONIC and CLOCK_BOOTTIME', function () {
    const offset = 10 * 365 * 86400;
    const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const r = h.runIn(shell('cat /proc/self/timens_offsets; cut -d" " -f1 /proc/uptime'), (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { monotonic: { secs: offset, nanosecs: 5 }, boottime: { secs: offset } };
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines.slice(0, 2), [`monotonic ${offset} 5`, `boottime ${offset} 0`]);
    // /proc/uptime reads CLOCK_BOOTTIME: the offset, give or take the seconds this test took.
    const inside = Number(lines[2]);
    assert.ok(inside - hostUptime >= offset && inside - hostUptime < offset + 3600, `uptime ${inside} vs host ${hostUptime}`);
  });

  it('moves a host interface into the container network namespace under its new name', function () {
    // This kernel has no dummy driver; a veth pair is as good an interface to move.
    const name = `kagot${process.pid % 100000}`;
    const peer = `${name}p`;
    spawnSync('ip', ['link', 'del', name]);
    const add = spawnSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', peer], { encoding: 'utf8' });
    assert.equal(add.status, 0, add.stderr);
    h.defer(() => {
      spawnSync('ip', ['link', 'del', name]);
      spawnSync('ip', ['link', 'del', peer]);
    });
    const { id, bundle } = h.bundle(shell('cat /sys/class/net/eth7/type; ls /sys/class/net | sort'), (s) => {
      s.linux!.netDevices = { [name]: { name: 'eth7' } };
    });
    h.kago.ok(['create', '--bundle', bundle.dir, id]);
    assert.ok(!existsSync(`/sys/class/net/${name}`), 'the interface has left the host');
    const pid = h.kago.state(id).pid;
    const inside = spawnSync('nsenter', ['-t', String(pid), '-n', 'ip', '-o', 'link', 'show', 'eth7'], { encoding: 'utf8' });
    assert.equal(inside.status, 0, inside.stderr);
    assert.match(inside.stdout, /^\d+: eth7(@\S+)?: .*link\/ether /);
    h.kago.ok(['delete', '--force', id]);
    // A virtual device goes with the network namespace that held it, and a
    // veth with its peer: the kernel tears the namespace down on a work
    // queue, shortly after its last process is gone.
    waitFor(() => !existsSync(`/sys/class/net/${name}`) && !existsSync(`/sys/class/net/${peer}`));
  });

  it('refuses a missing network device by name, before the container exists', function () {
    const r = h.runIn(['true'], (s) => {
      s.linux!.netDevices = { kagonosuchdev0: {} };
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.json: \/linux\/netDevices\/kagonosuchdev0: cannot move it into the container as kagonosuchdev0: ENODEV/);
  });

  it('refuses LSM labels and Intel RDT on a host without them, naming the field', function () {
    const cases: [string, (s: import('../../wasm/spec.gen.ts').Spec) => void][] = [
      [
        '/process/apparmorProfile: AppArmor is not enabled',
        (s) => {
          s.process!.apparmorProfile = 'kago-test';
        },
      ],
      [
        '/process/selinuxLabel: SELinux is not enabled',
        (s) => {
          s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
        },
      ],
      [
        '/linux/intelRdt: resctrl is not mounted',
        (s) => {
          s.linux!.intelRdt = { closID: 'kago' };
        },
      ],
    ];
    for (const [message, configure] of cases) {
      const r = h.runIn(['true'], configure);
      assert.equal(r.code, 1, message);
      assert.ok(r.stderr.includes(`config.json: ${message}`), r.stderr);
    }
  });

  it('exec applies execCPUAffinity: the final CPU list is what the process runs on', function () {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    h.kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    const processFile = join(bundle.dir, 'exec-process.json');
    const proc = { ...bundle.spec.process!, args: ['grep', 'Cpus_allowed_list', '/proc/self/status'], execCPUAffinity: { initial: '0', final: '1' } };
    writeFileSync(processFile, JSON.stringify(proc));
    const r = h.kago.run(['exec', '--process', processFile, id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(field(r.stdout, 'Cpus_allowed_list'), '1');
    // Without a final list kago leaves the kernel's choice; kernels since 6.2
    // keep the affinity asked for before the cgroup move (this host's does).
    writeFileSync(processFile, JSON.stringify({ ...proc, execCPUAffinity: { initial: '0' } }));
    const kept = h.kago.run(['exec', '--process', processFile, id]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(field(kept.stdout, 'Cpus_allowed_list'), '0');
  });

  it('makes the configured device nodes with their mode and owner', function () {
    const r = h.runIn(shell('stat -c "%F %a %u %g %t %T" /dev/kago-null /dev/sub/kago-zero'), (s) => {
      s.linux!.devices = [
        { path: '/dev/kago-null', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 7, gid: 8 },
        { path: '/dev/sub/kago-zero', type: 'c', major: 1, minor: 5, fileMode: 0o640 },
      ];
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['character special file 600 7 8 1 3', 'character special file 640 0 0 1 5']);
  });
});

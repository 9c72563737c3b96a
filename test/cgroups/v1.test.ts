// cgroup v1 limits on real busybox containers, each effect observed from
// inside the container or in its cgroup files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bundle, makeBundle, shell } from '../helpers/bundle.ts';
import { Kago, uniqueId } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';
import { kagoBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';

const V1 = '/sys/fs/cgroup';
const hasV1 = (controller: string) => existsSync(join(V1, controller, 'cgroup.procs'));

function ticks(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('cgroup v1 limits on real containers', function () {
  const kago = new Kago();
  const made: { id: string; bundle: Bundle; pids: number[] }[] = [];

  before(function () {
    if (!['memory', 'pids', 'cpu', 'cpuset', 'freezer', 'devices'].every(hasV1)) this.skip();
  });

  function container(args: string[], configure?: Parameters<typeof makeBundle>[1]) {
    const entry = { id: uniqueId('cg'), bundle: makeBundle(args, configure), pids: [] as number[] };
    made.push(entry);
    return entry;
  }

  function runToEnd(c: { id: string; bundle: Bundle }) {
    return kago.run(['run', '--bundle', c.bundle.dir, c.id]);
  }

  afterEach(function () {
    for (const { id, bundle, pids } of made.splice(0)) {
      kago.run(['delete', '--force', id]);
      const left = leftovers(kago.root, id, bundle.dir, pids);
      bundle.remove();
      assert.deepEqual(left, [], `leftovers of ${id}`);
    }
  });
  after(() => kago.cleanup());

  it('a memory limit OOM-kills the container (exit 137) and events reports the OOM', async function () {
    const c = container(shell('while [ ! -e /tmp/go ]; do sleep 0.05; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1'), (s) => {
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 16 * 1024 * 1024 } };
    });
    const run = kago.spawn(['run', '--bundle', c.bundle.dir, c.id]);
    waitFor(() => kago.run(['state', c.id]).code === 0 && kago.state(c.id).status === 'running');
    c.pids.push(kago.state(c.id).pid);
    assert.equal(readFileSync(join(V1, 'memory', 'kago', c.id, 'memory.limit_in_bytes'), 'utf8').trim(), String(16 * 1024 * 1024));

    const events = spawn(kagoBin, ['--root', kago.root, 'events', '--interval', '50ms', c.id], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    events.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const eventsDone = new Promise<number | null>((resolve) => events.on('exit', resolve));
    // The first stats event means the OOM notification is registered.
    while (!out.includes('"type":"stats"')) await ticks(10);
    writeFileSync(join(c.bundle.rootfs, 'tmp', 'go'), '');

    const result = await run;
    assert.equal(result.code, 137, result.stderr);
    assert.equal(await eventsDone, 0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; id: string });
    assert.ok(
      lines.some((e) => e.type === 'oom' && e.id === c.id),
      out,
    );
  });

  it('a pids limit makes fork fail', function () {
    const c = container(shell('for i in 1 2 3 4 5 6; do sleep 100 & done 2>&1; echo end'), (s) => {
      s.linux!.resources = { ...s.linux!.resources, pids: { limit: 4 } };
    });
    const r = runToEnd(c);
    // sh and three sleeps fill the limit of 4; the fourth fork fails
    // (EAGAIN) and busybox sh gives up with status 2.
    assert.match(r.stdout + r.stderr, /can't fork: Resource temporarily unavailable/);
    assert.doesNotMatch(r.stdout, /end/);
    assert.equal(r.code, 2);
  });

  it('a CPU quota throttles', function () {
    const c = container(shell('i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'), (s) => {
      s.linux!.resources = { ...s.linux!.resources, cpu: { quota: 10000, period: 100000 } };
    });
    kago.ok(['create', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    kago.ok(['start', c.id]);
    waitFor(() => kago.state(c.id).status === 'stopped', 60_000);
    const stat = readFileSync(join(V1, 'cpu', 'kago', c.id, 'cpu.stat'), 'utf8');
    assert.ok(Number(/^nr_throttled (\d+)$/m.exec(stat)?.[1]) > 0, stat);
  });

  it('cpuset pins the container to the given CPU', function () {
    const cpus = readFileSync(join(V1, 'cpuset', 'cpuset.effective_cpus'), 'utf8').trim();
    const last = cpus.split(/[-,]/).pop()!;
    const c = container(shell('grep Cpus_allowed_list /proc/self/status'), (s) => {
      s.linux!.resources = { ...s.linux!.resources, cpu: { cpus: last } };
    });
    const r = runToEnd(c);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Cpus_allowed_list:\\s+${last}$`, 'm'));
  });

  it('pause freezes and resume thaws; state shows paused', function () {
    const c = container(['sleep', '1000']);
    kago.ok(['run', '--detach', '--bundle', c.bundle.dir, c.id]);
    const pid = kago.state(c.id).pid;
    c.pids.push(pid);
    kago.ok(['pause', c.id]);
    assert.equal(kago.state(c.id).status, 'paused');
    assert.equal(readFileSync(join(V1, 'freezer', 'kago', c.id, 'freezer.state'), 'utf8').trim(), 'FROZEN');
    assert.match(kago.run(['delete', c.id]).stderr, /not stopped: paused/);
    assert.match(kago.run(['pause', c.id]).stderr, /container not running/);
    kago.ok(['resume', c.id]);
    assert.equal(kago.state(c.id).status, 'running');
    assert.equal(readFileSync(join(V1, 'freezer', 'kago', c.id, 'freezer.state'), 'utf8').trim(), 'THAWED');
    assert.match(kago.run(['resume', c.id]).stderr, /container not paused/);
  });

  it('delete --force kills a paused container', function () {
    const c = container(shell('sleep 1000 & sleep 1000'));
    kago.ok(['run', '--detach', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    waitFor(
      () =>
        readFileSync(join(V1, 'pids', 'kago', c.id, 'cgroup.procs'), 'utf8')
          .trim()
          .split('\n').length >= 2,
    );
    c.pids.push(
      ...readFileSync(join(V1, 'pids', 'kago', c.id, 'cgroup.procs'), 'utf8')
        .trim()
        .split('\n')
        .map(Number),
    );
    kago.ok(['pause', c.id]);
    kago.ok(['delete', '--force', c.id]);
  });

  it('a device rule denies reading /dev/null while writing stays allowed', function () {
    const c = container(shell('echo x > /dev/null && echo write-ok; cat /dev/null'), (s) => {
      s.linux!.resources = {
        ...s.linux!.resources,
        devices: [
          { allow: false, access: 'rwm' },
          { allow: false, type: 'c', major: 1, minor: 3, access: 'r' },
        ],
      };
    });
    const r = runToEnd(c);
    assert.match(r.stdout, /write-ok/);
    assert.match(r.stderr, /cat: can't open '\/dev\/null': Operation not permitted/);
    assert.equal(r.code, 1);
  });

  it('update changes the limits of a running container; ps lists its processes', function () {
    const c = container(['sleep', '1000'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 10 } };
    });
    kago.ok(['run', '--detach', '--bundle', c.bundle.dir, c.id]);
    const pid = kago.state(c.id).pid;
    c.pids.push(pid);
    kago.ok(['update', '--memory', '128m', '--pids-limit', '20', '--cpu-quota', '50000', '--cpu-period', '100000', '--cpu-shares', '512', c.id]);
    const dir = (ctl: string, file: string) => readFileSync(join(V1, ctl, 'kago', c.id, file), 'utf8').trim();
    assert.equal(dir('memory', 'memory.limit_in_bytes'), String(128 * 1024 * 1024));
    assert.equal(dir('pids', 'pids.max'), '20');
    assert.equal(dir('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(dir('cpu', 'cpu.shares'), '512');
    const resources = join(c.bundle.dir, 'resources.json');
    writeFileSync(resources, JSON.stringify({ pids: { limit: 7 } }));
    kago.ok(['update', '-r', resources, c.id]);
    assert.equal(dir('pids', 'pids.max'), '7');
    assert.match(kago.run(['update', '-r', resources, '--pids-limit', 'x', c.id]).stderr, /^$|flag/);
    const bad = join(c.bundle.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ memory: { swappiness: 300 } }));
    assert.match(kago.run(['update', '-r', bad, c.id]).stderr, /update: \/linux\/resources\/memory\/swappiness: must be between 0 and 100/);

    assert.deepEqual(JSON.parse(kago.ok(['ps', '--format', 'json', c.id]).stdout), [pid]);
    const table = kago.ok(['ps', c.id]).stdout.trim().split('\n');
    assert.match(table[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    assert.match(table[1]!, new RegExp(`^root\\s+${pid}\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\?\\s+\\d\\d:\\d\\d:\\d\\d sleep 1000$`));
  });

  it("events --stats prints one stats object in runc's shape", function () {
    const c = container(['sleep', '1000'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 10 } };
    });
    kago.ok(['run', '--detach', '--bundle', c.bundle.dir, c.id]);
    c.pids.push(kago.state(c.id).pid);
    const e = JSON.parse(kago.ok(['events', '--stats', c.id]).stdout) as { type: string; id: string; data: Record<string, Record<string, unknown>> };
    assert.equal(e.type, 'stats');
    assert.equal(e.id, c.id);
    assert.deepEqual(Object.keys(e.data).sort(), ['blkio', 'cpu', 'hugetlb', 'memory', 'pids']);
    assert.deepEqual(e.data.pids, { current: 1, limit: 10 });
    assert.equal((e.data.memory!.usage as { limit: number }).limit, 64 * 1024 * 1024);
    assert.ok((e.data.cpu!.usage as { total: number }).total > 0);
  });
});

// A real systemd to test the systemd cgroup driver against, on machines
// whose PID 1 is not systemd: systemd boots in a systemd-nspawn container
// whose root is an overlay of the host's own (so kago, runc and the engines
// are all there), started from a cgroup of its own in every hierarchy (two
// machines never share one), with only basic.target and a private network
// (the host's enabled services must not start inside). Commands run inside
// through nsenter into all of systemd's namespaces.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';
import { sleepMs, waitFor } from './wait.ts';
import type { Result } from './kago.ts';

/** The v1 and v2 cgroup mount points of the host. */
function hostCgroupMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4]!)
    .filter((m, k, all) => all.indexOf(m) === k);
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  for (let k = 0; k < 200; k++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      sleepMs(10);
    }
  }
}

export function nspawnAvailable(): boolean {
  return spawnSync('systemd-nspawn', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The machine's PID 1 as seen from the host, when it has started. */
function systemdPid(leader: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${leader}/task/${leader}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.find((c) => {
      try {
        return readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'systemd';
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

export class SystemdMachine {
  readonly name: string;
  /** host directory bound at /x inside (nspawn mounts a tmpfs on /tmp) */
  readonly scratch: string;
  private readonly base: string;
  private readonly root: string;
  private readonly cgroups: string[];
  private leader = 0;
  /** systemd, PID 1 inside */
  pid = 0;
  /** how long the boot took, for the test's report */
  bootMs = 0;
  /**
   * The machine's cgroup layout: the host's (hybrid here), only cgroup2
   * (nspawn's unified mode, as on a pure v2 host) or only v1 (legacy).
   */
  readonly layout: 'host' | 'unified' | 'legacy';

  constructor(options: { layout?: 'host' | 'unified' | 'legacy' } = {}) {
    this.layout = options.layout ?? 'host';
    this.name = `kago-sd-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.base = mkdtempSync('/var/tmp/kago-systemd-');
    this.root = join(this.base, 'root');
    this.scratch = join(this.base, 'x');
    for (const d of ['upper', 'work', 'root', 'x']) mkdirSync(join(this.base, d));
    this.cgroups = hostCgroupMounts().map((m) => join(m, this.name));
  }

  /** Boots and waits until systemd says it is running (or degraded). */
  boot(): void {
    const started = Date.now();
    const r = spawnSync('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=/,upperdir=${join(this.base, 'upper')},workdir=${join(this.base, 'work')}`,
      this.root,
    ]);
    if (r.status !== 0) throw new Error(`mount overlay: ${r.stderr}`);
    for (const dir of this.cgroups) {
      mkdirSync(dir);
      // A new v1 cpuset has no cpus or mems: nothing can join it until they are set.
      if (existsSync(join(dir, 'cpuset.cpus'))) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, f), readFileSync(join(dir, '..', f), 'utf8').trim());
      }
    }
    const log = openSync(join(this.base, 'console.log'), 'w');
    const join1 = this.cgroups.map((d) => `echo $$ > ${d}/cgroup.procs`).join(' && ');
    const nspawn = [
      'systemd-nspawn',
      '-q',
      '-D',
      this.root,
      '--register=no',
      '--keep-unit',
      '-M',
      this.name,
      '--console=pipe',
      '--private-network',
      '-b',
      `--bind-ro=${repoRoot}:/kago`,
      `--bind=${this.scratch}:/x`,
      '--',
      'systemd.unit=basic.target',
    ];
    const child = spawn('sh', ['-c', `${join1} && exec "$@"`, 'sh', ...nspawn], {
      stdio: ['ignore', log, log],
      detached: true,
      // Unset, nspawn gives the machine the host's layout; "1" is cgroup2 only, "0" v1 only.
      env: this.layout === 'host' ? process.env : { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: this.layout === 'unified' ? '1' : '0' },
    });
    closeSync(log);
    child.unref();
    this.leader = child.pid!;
    try {
      waitFor(() => {
        this.pid = systemdPid(this.leader) ?? 0;
        return this.pid > 0;
      }, 30_000);
      waitFor(() => {
        const s = spawnSync('nsenter', ['-t', String(this.pid), '-a', 'systemctl', 'is-system-running'], { encoding: 'utf8' }).stdout.trim();
        return s === 'running' || s === 'degraded';
      }, 60_000);
      // nspawn mounts the v1 hierarchies read-only; a systemd driver on a
      // hybrid host writes them (cpuset, freezer): remount them writable in
      // the machine's mount namespace only.
      this.sh('for m in $(grep " - cgroup" /proc/self/mountinfo | cut -d" " -f5); do mount -o remount,bind,rw "$m"; done');
    } catch (e) {
      this.teardown();
      throw new Error(`systemd did not boot: ${(e as Error).message}\n${readFileSync(join(this.base, 'console.log'), 'utf8').slice(-2000)}`);
    }
    this.bootMs = Date.now() - started;
  }

  /** A command inside the machine, output in files (a container may inherit them and outlive the command). */
  exec(argv: string[], env?: Record<string, string>): Result {
    const out = join(this.base, 'out');
    const err = join(this.base, 'err');
    const fds = [openSync(out, 'w+'), openSync(err, 'w+')];
    try {
      const envArgs = env ? ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)] : [];
      const r = spawnSync('nsenter', ['-t', String(this.pid), '-a', ...envArgs, ...argv], { stdio: ['ignore', fds[0]!, fds[1]!], timeout: 60_000 });
      return { code: r.status, signal: r.signal, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }

  /** exec, failing with its stderr when it fails */
  ok(argv: string[]): Result {
    const r = this.exec(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr}`);
    return r;
  }

  sh(script: string): Result {
    return this.ok(['sh', '-c', script]);
  }

  /** `systemctl show -p ...` as a map (a property listed twice, like DeviceAllow, keeps every value, one a line). */
  show(unit: string, props: string[]): Record<string, string> {
    const r = this.exec(['systemctl', 'show', unit, ...props.flatMap((p) => ['-p', p])]);
    const out: Record<string, string> = {};
    for (const line of r.stdout.split('\n')) {
      const k = line.indexOf('=');
      if (k < 0) continue;
      const name = line.slice(0, k);
      out[name] = out[name] === undefined ? line.slice(k + 1) : `${out[name]}\n${line.slice(k + 1)}`;
    }
    return out;
  }

  /** Whether systemd knows the unit at all (LoadState not-found: gone). */
  unitLoaded(unit: string): boolean {
    return this.show(unit, ['LoadState']).LoadState === 'loaded';
  }

  /** A host path under scratch as the machine sees it. */
  inside(hostPath: string): string {
    if (!hostPath.startsWith(this.scratch)) throw new Error(`${hostPath} is not under the machine's scratch directory`);
    return `/x${hostPath.slice(this.scratch.length)}`;
  }

  teardown(): void {
    if (this.leader > 0) {
      try {
        process.kill(this.leader, 'SIGTERM');
      } catch {
        // gone already
      }
      const alive = () => existsSync(`/proc/${this.leader}`) && !readFileSync(`/proc/${this.leader}/stat`, 'utf8').includes(') Z ');
      try {
        waitFor(() => !alive(), 20_000);
      } catch {
        process.kill(this.leader, 'SIGKILL');
      }
    }
    for (const dir of this.cgroups) removeCgroupTree(dir);
    spawnSync('umount', ['-l', this.root]);
    rmSync(this.base, { recursive: true, force: true });
  }
}

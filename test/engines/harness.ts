// Scaffolding for driving real engines (podman, containerd, Docker) with kago
// as their runtime: scratch directories, configs from scripts/engines, a
// wrapper that records every command line an engine sends, daemons started
// and stopped by pid, and checks that nothing is left on the host.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { kagoBin, repoRoot } from '../helpers/paths.ts';
import { sleepMs } from '../helpers/wait.ts';

export const enginesDir = join(repoRoot, 'scripts', 'engines');

export interface Output {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Output goes to files: `podman run -d` leaves conmon behind and `ctr run -d`
 * a shim, and either would keep a pipe open after the command has exited.
 */
export function runTool(scratch: string, file: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Output {
  const tag = Math.random().toString(36).slice(2);
  const paths = [join(scratch, `.out-${tag}`), join(scratch, `.err-${tag}`)];
  const fds = paths.map((p) => openSync(p, 'w+'));
  try {
    const r = spawnSync(file, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', fds[0]!, fds[1]!],
      input: options.input,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    if (r.error) throw r.error;
    return { code: r.status, signal: r.signal, stdout: readFileSync(paths[0]!, 'utf8'), stderr: readFileSync(paths[1]!, 'utf8') };
  } finally {
    for (const fd of fds) closeSync(fd);
    for (const p of paths) rmSync(p, { force: true });
  }
}

/**
 * Runs a command on a terminal of its own (util-linux `script`), with input
 * typed into it: `-t`/`-it` clients insist that their stdin is a terminal.
 * The output comes back without the terminal's \r, and without the echo
 * (^D or ^@) of the end-of-file that `script` types when our input ends.
 */
export function runOnTerminal(scratch: string, argv: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Output {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = runTool(scratch, 'script', ['-qec', quoted, '/dev/null'], { env: options.env, input: options.input ?? '' });
  return { ...r, stdout: r.stdout.replace(/\r/g, '').replace(/\^[@D]/g, '') };
}

/** Fails with the command's output when it does not exit 0. */
export function ok(r: Output, what: string): Output {
  assert.equal(r.code, 0, `${what} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A copy of a config from scripts/engines with its @NAME@ placeholders filled in. */
export function writeConfig(template: string, to: string, values: Record<string, string>): string {
  let text = readFileSync(join(enginesDir, template), 'utf8');
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`@${name}@`, value);
  assert.doesNotMatch(text, /@[A-Z]+@/, `${template}: a placeholder was left unfilled`);
  writeFileSync(to, text);
  return to;
}

/**
 * The engine calls this instead of kago: it appends its arguments to a log,
 * then becomes kago. Only the tests use it, to record what engines send.
 */
export class RecordingRuntime {
  readonly path: string;
  readonly log: string;
  constructor(dir: string) {
    this.path = join(dir, 'kago-recorder');
    this.log = join(dir, 'kago-calls.log');
    writeFileSync(this.log, '');
    writeFileSync(this.path, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${this.log}'\nexec '${kagoBin}' "$@"\n`);
    chmodSync(this.path, 0o755);
  }

  calls(): string[] {
    return readFileSync(this.log, 'utf8').split('\n').filter(Boolean);
  }

  /** Calls that name a container id. */
  callsFor(id: string): string[] {
    return this.calls().filter((c) => c.split(' ').includes(id));
  }

  /**
   * Every distinct command line, with container ids, scratch paths and
   * temporary names replaced, in the order first seen: what the engine sends.
   */
  shapes(scratch: string): string[] {
    const calls = this.calls();
    const ids = calls.filter((c) => / create /.test(c)).map((c) => c.split(' ').at(-1)!);
    const seen = new Set<string>();
    for (const call of calls) {
      let s = call.replaceAll(scratch, '$SCRATCH');
      for (const id of ids) s = s.replaceAll(id, '<id>');
      s = s
        .replace(/[0-9a-f]{64}/g, '<hex>')
        .replace(/\/tmp\/runc-process\d+/g, '/tmp/runc-process<n>')
        .replace(/\/tmp\/pty\d+\//g, '/tmp/pty<n>/')
        .replace(/exec-process-\d+/g, 'exec-process-<n>')
        .replace(/conmon-term\.\w+/g, 'conmon-term.<x>');
      seen.add(s);
    }
    return [...seen];
  }
}

/** A daemon (containerd, dockerd) started by a test and stopped by its pid. */
export class Daemon {
  private readonly child: ChildProcess;
  private exited = false;
  readonly logFile: string;
  constructor(file: string, args: string[], logFile: string) {
    this.logFile = logFile;
    const fd = openSync(logFile, 'a');
    try {
      this.child = spawn(file, args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child.on('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits (polling, without an event loop turn) until ready() holds. */
  waitUntil(ready: () => boolean, what: string, timeoutMs = 30_000): void {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.exitedNow()) throw new Error(`${what}: the daemon exited\n${readFileSync(this.logFile, 'utf8').slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${what}: not ready in time\n${readFileSync(this.logFile, 'utf8').slice(-3000)}`);
      sleepMs(50);
    }
  }

  private exitedNow(): boolean {
    if (this.exited) return true;
    const stat = processState(this.child.pid!);
    return stat === null || stat === 'Z';
  }

  /** For a daemon that never became ready. */
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** SIGTERM, then SIGKILL if it has not exited after a while. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  }
}

/** The state letter of /proc/PID/stat, or null when there is no such process. */
export function processState(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0] ?? null;
  } catch {
    return null;
  }
}

/** Processes whose command line contains needle (to find shims and conmons of a test's engine). */
export function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(needle)) found.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return found.filter((pid) => processState(pid) !== 'Z');
}

/**
 * The processes of a test's engine (shims, conmons: their command lines name
 * the scratch directory) that are still there once they have had time to
 * exit: a shim removes its socket only as it exits.
 */
export function lingeringProcesses(scratch: string, timeoutMs = 20_000): number[] {
  const deadline = Date.now() + timeoutMs;
  let pids = processesMentioning(scratch);
  while (pids.length > 0 && Date.now() < deadline) {
    sleepMs(50);
    pids = processesMentioning(scratch);
  }
  return pids;
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)));
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** cgroup directories named rel (e.g. "libpod_parent/libpod-ID") in any hierarchy. */
export function cgroupDirs(rel: string): string[] {
  return readdirSync(CGROUP_ROOT)
    .map((h) => join(CGROUP_ROOT, h, rel))
    .filter((d) => existsSync(d));
}

/**
 * Paths that engines create on the host outside the directories they are
 * told to use (/run/containerd/s for shim sockets, podman's image blob cache,
 * cgroup parents, ...). Those that did not exist before the suite are removed
 * after it when empty (or, for files, always). One still in use is left: its
 * content belongs to another engine run on this machine, since each suite
 * checks its own containers, processes and mounts itself.
 */
export class HostTraces {
  private readonly fresh: string[];
  constructor(paths: string[]) {
    this.fresh = paths.filter((p) => !exists(p));
  }

  /** What could not be removed. */
  clean(): string[] {
    const left: string[] = [];
    // deepest first, so that a parent is empty by the time it is tried
    for (const p of [...this.fresh].sort((a, b) => b.length - a.length)) {
      if (!exists(p)) continue;
      try {
        if (lstatSync(p).isDirectory()) rmdirSync(p);
        else unlinkSync(p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EBUSY') left.push(`${p} (${code})`);
      }
    }
    return left;
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** cgroup paths below every hierarchy, for HostTraces. */
export function inEveryHierarchy(rel: string): string[] {
  return readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h, rel));
}

/** A scratch directory for one engine's suite. */
export function makeScratch(engine: string): string {
  // Short: unix socket paths under it must stay below 108 bytes.
  const dir = mkdtempSync(`/tmp/kago-${engine}-`);
  mkdirSync(join(dir, 'tmp'));
  return dir;
}

/** The busybox root filesystem as a tarball, made by scripts/engines/busybox-rootfs. */
export function busyboxRootfsTar(scratch: string): string {
  const out = join(scratch, 'busybox-rootfs.tar');
  ok(runTool(scratch, join(enginesDir, 'busybox-rootfs'), [out]), 'busybox-rootfs');
  return out;
}

/** Prints what an engine sent, once per suite, so that the test output records it. */
export function printShapes(engine: string, shapes: string[]): void {
  process.stdout.write(`\n      runtime command lines ${engine} sent to kago:\n${shapes.map((s) => `        ${s}`).join('\n')}\n`);
}

/** kago's own view of a container (or runc's, with bin), from the state root the engine uses. */
export function kagoState(scratch: string, root: string | undefined, id: string, bin = kagoBin): { status: string; pid: number } | null {
  const r = runTool(scratch, bin, [...(root ? ['--root', root] : []), 'state', id]);
  return r.code === 0 ? (JSON.parse(r.stdout) as { status: string; pid: number }) : null;
}

/** Removes a scratch directory after checking that nothing is mounted in it. */
export function removeScratch(dir: string): string[] {
  const mounts = mountsUnder(dir);
  if (mounts.length === 0) rmSync(dir, { recursive: true, force: true });
  return mounts.map((m) => `mount ${m}`);
}

/**
 * Whether pid has a handler for signal (SigCgt in /proc/PID/status): a shell
 * started with `-d` may not have run its `trap` yet when the engine returns.
 */
export function catchesSignal(pid: number, signal: number): boolean {
  try {
    const hex = readFileSync(`/proc/${pid}/status`, 'latin1').match(/^SigCgt:\s+([0-9a-f]+)$/m)?.[1];
    return hex !== undefined && (BigInt(`0x${hex}`) & (1n << BigInt(signal - 1))) !== 0n;
  } catch {
    return false;
  }
}

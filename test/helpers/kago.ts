// Runs the built kago the way engines and people do: as a command.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kagoBin, runcBin } from './paths.ts';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a command with its stdout and stderr in files under scratch (why: Kago.run). */
export function runThroughFiles(bin: string, argv: string[], scratch: string, options: RunOptions = {}): Result {
  const out = join(scratch, 'out');
  const err = join(scratch, 'err');
  const fds = [openSync(out, 'w+'), openSync(err, 'w+')];
  try {
    const r = spawnSync(bin, argv, {
      stdio: ['ignore', fds[0]!, fds[1]!],
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 30_000,
      cwd: options.cwd,
    });
    return { code: r.status, signal: r.signal, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    for (const fd of fds) closeSync(fd);
    rmSync(out, { force: true });
    rmSync(err, { force: true });
  }
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A runtime driven as a command: kago by default, or runc (`new Kago(runcBin)`)
 * so that a test can check that both behave the same.
 */
export class Kago {
  readonly root: string;
  /** kago's output files, outside root so they never look like containers */
  private readonly scratch: string;
  readonly bin: string;
  constructor(bin: string = kagoBin) {
    this.bin = bin;
    this.root = mkdtempSync('/run/kago-test-');
    this.scratch = mkdtempSync(join(tmpdir(), 'kago-test-out-'));
  }

  /**
   * Output goes to files, not pipes: a container started by `create` or
   * `run -d` inherits kago's stdio and would hold a pipe open long after
   * kago itself has exited.
   */
  run(args: string[], options: RunOptions = {}): Result {
    return runThroughFiles(this.bin, ['--root', this.root, ...args], this.scratch, options);
  }

  /** Fails the test with kago's stderr when the command fails. */
  ok(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Result {
    const r = this.run(args, options);
    if (r.code !== 0) throw new Error(`kago ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr}`);
    return r;
  }

  /** Starts kago without waiting (for concurrency and crash tests). */
  spawn(args: string[], env?: NodeJS.ProcessEnv): Promise<Result> & { pid: number | undefined } {
    const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const out = join(this.scratch, `out-${tag}`);
    const err = join(this.scratch, `err-${tag}`);
    const fds = [openSync(out, 'w+'), openSync(err, 'w+')];
    const child = spawn(this.bin, ['--root', this.root, ...args], { env: env ?? process.env, stdio: ['ignore', fds[0]!, fds[1]!] });
    for (const fd of fds) closeSync(fd);
    const done = new Promise<Result>((resolve) => {
      child.on('exit', (code, signal) => {
        const result = { code, signal, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
        rmSync(out, { force: true });
        rmSync(err, { force: true });
        resolve(result);
      });
    });
    return Object.assign(done, { pid: child.pid });
  }

  /** `kago` or `runc`, for test titles and messages */
  get name(): string {
    return this.bin === runcBin ? 'runc' : 'kago';
  }

  state(id: string): { status: string; pid: number; [k: string]: unknown } {
    return JSON.parse(this.ok(['state', id]).stdout);
  }

  cleanup(): void {
    for (const line of this.run(['list', '-q']).stdout.split('\n').filter(Boolean)) this.run(['delete', '--force', line]);
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

let counter = 0;
/** A container id unique to this test run. */
export function uniqueId(prefix = 't'): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

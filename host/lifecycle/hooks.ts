// Hooks that run in the runtime namespace (prestart, createRuntime,
// poststart, poststop): kago runs them itself. createContainer and
// startContainer must run inside the container and are run by init (the
// `run_hook` operation), with the state kago sends it.
import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { O_CLOEXEC, O_TMPFILE } from '../linux.ts';
import { log } from '../log.ts';
import type { Hook, Hooks } from '../../wasm/spec.gen.ts';
import type { ContainerState, Status } from '../state/types.ts';
import { builtin } from '../sys/builtin.ts';

export type HookKind = keyof Hooks;

/** The state a hook reads on stdin (runtime-spec runtime.md, "State"). */
export function hookState(state: ContainerState, status: Status): string {
  const s: Record<string, unknown> = { ociVersion: state.ociVersion, id: state.id, status, pid: state.pid, bundle: state.bundle };
  if (state.annotations) s.annotations = state.annotations;
  return JSON.stringify(s);
}

export function hookEnv(env: readonly string[] | undefined): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

// node:fs names neither; O_TMPFILE differs between architectures (it includes O_DIRECTORY).

/**
 * Where a hook writes its stdout and stderr: an unnamed file, not a pipe.
 * A hook is done when its process exits; a pipe would make kago wait for
 * every process that inherited it (`sleep 15 & echo started` holds it for
 * 15 s), which runc does too (Go waits for the copying goroutines). Nothing
 * is left behind: the file has no name and goes with its last descriptor.
 */
function hookOutput(): number | undefined {
  try {
    return openSync(builtin('node:os').tmpdir(), constants.O_RDWR | O_TMPFILE | O_CLOEXEC, 0o600);
  } catch {
    return undefined;
  }
}

function tailOf(fd: number, max: number): string {
  const size = fstatSync(fd).size;
  const buf = Buffer.alloc(Math.min(size, max));
  const n = readSync(fd, buf, 0, buf.length, size - buf.length);
  return buf.subarray(0, n).toString('utf8').trim();
}

/**
 * runc runs a hook with its own environment when the hook has no env (Go's
 * exec.Cmd with a nil Env), and with its working directory: the bundle for
 * prestart, createRuntime and poststart (runc create and run chdir there),
 * so a relative path in a hook's args means the bundle's file.
 */
function runHook(kind: HookKind, index: number, hook: Hook, stdin: string, cwd: string | undefined): void {
  const args = hook.args?.length ? hook.args : [hook.path];
  const out = hookOutput();
  try {
    const r = builtin('node:child_process').spawnSync(hook.path, args.slice(1), {
      argv0: args[0],
      cwd,
      env: hook.env ? hookEnv(hook.env) : process.env,
      input: stdin,
      timeout: hook.timeout ? hook.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
      stdio: ['pipe', out ?? 'ignore', out ?? 'ignore'],
    });
    const where = `${kind} hook ${index} (${hook.path})`;
    const output = out === undefined ? '' : tailOf(out, 500);
    const tail = output ? `: ${output}` : '';
    // A hook may exit without reading its stdin: the state then cannot be
    // written (EPIPE), which says nothing about how the hook ended.
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    if (r.error && code !== 'EPIPE') {
      throw new KagoError(where, code === 'ETIMEDOUT' ? `timed out after ${hook.timeout} s` : (code ?? r.error.message));
    }
    if (r.signal) throw new KagoError(where, `killed by ${r.signal}${tail}`);
    if (r.status !== 0) throw new KagoError(where, `exited with status ${r.status}${tail}`);
  } finally {
    if (out !== undefined) closeSync(out);
  }
}

/**
 * Runs the hooks of one kind in order, in `cwd` (the bundle); the first
 * failure is the error.
 */
export function runHostHooks(kind: HookKind, hooks: Hooks | undefined, stdin: string, cwd: string): void {
  (hooks?.[kind] ?? []).forEach((hook, i) => {
    runHook(kind, i, hook, stdin, cwd);
  });
}

/**
 * poststop: a failure is logged and the others still run (runtime-spec
 * runtime.md, step 12). In the bundle when it is still there (runc delete
 * never chdirs; kago keeps one rule for every hook), else where kago runs.
 */
export function runHostHooksLogged(kind: HookKind, hooks: Hooks | undefined, stdin: string, cwd: string): void {
  const dir = existsSync(cwd) ? cwd : undefined;
  (hooks?.[kind] ?? []).forEach((hook, i) => {
    try {
      runHook(kind, i, hook, stdin, dir);
    } catch (e) {
      log('warning', (e as Error).message);
    }
  });
}

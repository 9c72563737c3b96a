// Hooks that run in the runtime namespace (prestart, createRuntime,
// poststart, poststop): kago runs them itself. createContainer and
// startContainer must run inside the container and are run by init (the
// `run_hook` operation), with the state kago sends it.
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import type { Hook, Hooks } from '../spec/config.ts';
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

function runHook(kind: HookKind, index: number, hook: Hook, stdin: string): void {
  const args = hook.args?.length ? hook.args : [hook.path];
  const r = builtin('node:child_process').spawnSync(hook.path, args.slice(1), {
    argv0: args[0],
    env: hookEnv(hook.env),
    input: stdin,
    timeout: hook.timeout ? hook.timeout * 1000 : undefined,
    killSignal: 'SIGKILL',
    stdio: ['pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const where = `${kind} hook ${index} (${hook.path})`;
  const output = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim();
  const tail = output ? `: ${output.slice(-500)}` : '';
  // A hook may exit without reading its stdin: the state then cannot be
  // written (EPIPE), which says nothing about how the hook ended.
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (r.error && code !== 'EPIPE') {
    throw new KagoError(where, code === 'ETIMEDOUT' ? `timed out after ${hook.timeout} s` : code ?? r.error.message);
  }
  if (r.signal) throw new KagoError(where, `killed by ${r.signal}${tail}`);
  if (r.status !== 0) throw new KagoError(where, `exited with status ${r.status}${tail}`);
}

/** Runs the hooks of one kind in order; the first failure is the error. */
export function runHostHooks(kind: HookKind, hooks: Hooks | undefined, stdin: string): void {
  (hooks?.[kind] ?? []).forEach((hook, i) => runHook(kind, i, hook, stdin));
}

/** poststop: a failure is logged and the others still run (runtime-spec runtime.md, step 12). */
export function runHostHooksLogged(kind: HookKind, hooks: Hooks | undefined, stdin: string): void {
  (hooks?.[kind] ?? []).forEach((hook, i) => {
    try {
      runHook(kind, i, hook, stdin);
    } catch (e) {
      log('warning', (e as Error).message);
    }
  });
}

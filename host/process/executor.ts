// The main process's side of a plan run: spawn the native executor with the
// sync socket as fd 3 (it waits for its plan, so it can be started before
// the plan exists), send the plan, then answer its requests until init
// reports READY. Everything between clone and execve happens in the
// executor; the host only answers.
import { closeSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import { encodePlan } from '../plan/encode.ts';
import { MSG } from '../plan/format.gen.ts';
import type { Plan } from '../plan/types.ts';
import { executorPath } from '../paths.ts';
import { errnoName } from '../sys/errno.ts';
import { seqpacketPair } from '../sys/libc.ts';
import { isSameLiveProcess, readProcStat } from '../state/proc.ts';
import { killProcess } from '../lifecycle/signal.ts';
import { sleepMs } from '../cgroups/placement.ts';
import { SyncChannel } from './channel.ts';
import { builtin } from '../sys/builtin.ts';
import { spawnWithFds } from '../sys/spawn.ts';

export interface ExecutorEvents {
  /** the executor's first process exists (before any of the plan ran) */
  started(pid: number): void;
  /** write the uid/gid maps of pid */
  idMapsRequested(pid: number): void;
  /** the init process exists; pid is in the host's pid namespace */
  childForked(pid: number): void;
  /** move the network devices into the network namespace of pid */
  netDevicesRequested?(pid: number): void;
  /** run the runtime-namespace hooks; returns the state the createContainer hooks get */
  hooksRequested(): string;
  /** init is ready; returns the state the startContainer hooks get */
  ready(): string;
  /** the seccomp listener fd, for the agent at listenerPath */
  seccompListener(fd: number): void;
}

const utf8 = new TextEncoder();

export interface ExecutorIo {
  /** descriptors the executor gets as fd 4, 5, ... (the console socket, preserved fds) */
  extraFds?: (number | 'ignore')[];
  /** its stdin, stdout and stderr, when not kago's own */
  stdio?: [number, number, number];
}

/** A started executor, waiting for its plan. */
export interface Executor {
  readonly pid: number;
  readonly channel: SyncChannel;
}

/**
 * primeCgroup: a cgroup.procs file of kago's own cgroup, which the executor
 * keeps writing itself into until the plan comes (host/cgroups/prime.ts).
 */
export function startExecutor(io: ExecutorIo, primeCgroup?: string): Executor {
  const [hostEnd, childEnd] = seqpacketPair();
  const channel = new SyncChannel(hostEnd);
  try {
    // An empty environment: nothing of kago's reaches the container; only the
    // crash tests' fault injection (host/lifecycle/crash.ts) is passed on.
    const crash = process.env.KAGO_CRASH_AFTER_OP;
    const env: Record<string, string> = crash ? { KAGO_CRASH_AFTER_OP: crash } : {};
    const args = primeCgroup ? ['--prime-cgroup', primeCgroup] : [];
    let pid: number;
    try {
      // The container's stdio is kago's own, or the pipes kago relays (lifecycle/stdio.ts).
      pid = spawnWithFds(executorPath, args, [...(io.stdio ?? ['inherit', 'inherit', 'inherit'] as const), childEnd, ...(io.extraFds ?? [])], env);
    } catch (e) {
      throw new KagoError('executor', `cannot start ${executorPath}: ${(e as Error).message}`);
    }
    return { pid, channel };
  } catch (e) {
    channel.close();
    throw e;
  } finally {
    closeSync(childEnd);
  }
}

const ABANDON_WAIT_MS = 2000;

/** An executor whose plan will never come (the config was refused): it has done nothing yet; end it. */
export function abandonExecutor(executor: Executor): void {
  executor.channel.close();
  const startTime = readProcStat(executor.pid)?.startTime;
  const deadline = Date.now() + ABANDON_WAIT_MS;
  while (isSameLiveProcess(executor.pid, startTime) && Date.now() < deadline) {
    killProcess(executor.pid, 9);
    sleepMs(1);
  }
}

/** The plan as the executor reads it. */
export function encodeForExecutor(plan: Plan): Uint8Array {
  return encodePlan(plan.ops.map((p) => p.op));
}

/** encoded: the plan already encoded, by a caller that had time for it earlier. */
export function runPlan(plan: Plan, executor: Executor, events: ExecutorEvents, encoded = encodeForExecutor(plan)): void {
  const { channel } = executor;
  try {
    events.started(executor.pid);
    channel.send(MSG.plan, 0, 0, encoded);
    for (;;) {
      const m = channel.receive();
      if (m === null) throw new KagoError('container init', 'exited during setup without reporting why');
      switch (m.type) {
        case MSG.id_maps_request:
          events.idMapsRequested(m.a);
          channel.send(MSG.id_maps_done);
          break;
        case MSG.child_pid:
          events.childForked(m.a);
          break;
        case MSG.net_devices_request:
          events.netDevicesRequested?.(m.a);
          channel.send(MSG.net_devices_done);
          break;
        case MSG.hooks_request:
          channel.send(MSG.hooks_done, 0, 0, utf8.encode(events.hooksRequested()));
          break;
        case MSG.seccomp_listener:
          if (m.fd === undefined) throw new KagoError('executor', 'the seccomp listener message carried no descriptor');
          events.seccompListener(m.fd);
          channel.send(MSG.seccomp_listener_done);
          break;
        case MSG.crash_now:
          process.kill(process.pid, 'SIGKILL');
          break;
        case MSG.ready:
          channel.send(MSG.ready_ack, 0, 0, utf8.encode(events.ready()));
          return;
        case MSG.error: {
          const failed = plan.ops[m.a];
          const detail = new TextDecoder().decode(m.payload);
          const what = failed ? failed.what : `operation ${m.a}`;
          // The executor's detail is usually the raw host-side argument, which the
          // description already names from the container's view; for a hook it
          // is how the hook failed.
          if (detail) log('debug', `operation ${m.a} (${failed?.op.op}) failed on ${detail}`);
          if (failed?.op.op === 'run_hook' && detail) throw new KagoError(what, detail);
          // podman and Docker tell "command not found" (exit 127) from "cannot
          // run it" (126) only by strerror's words in the runtime's message.
          if (failed?.op.op === 'check_exec') throw new KagoError(what, `${errnoName(m.b)} (${builtin('node:util').getSystemErrorMessage(-m.b)})`);
          throw new KagoError(what, errnoName(m.b));
        }
        default:
          throw new KagoError('executor', `unexpected message type ${m.type}`);
      }
    }
  } finally {
    channel.close();
  }
}

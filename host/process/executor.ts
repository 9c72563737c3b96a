// The main process's side of a plan run: spawn the native executor with the
// sync socket as fd 3 (it waits for its plan, so it can be started before
// the plan exists), send the plan, then answer its requests until init
// reports READY. Everything between clone and execve happens in the
// executor; the host only answers.
import { closeSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import { encodePlan } from '../plan/encode.ts';
import { refusedByFilter } from '../plan/seccomp-refusal.ts';
import { MSG } from '../plan/format.gen.ts';
import type { Plan } from '../plan/types.ts';
import { executorPath } from '../paths.ts';
import { errnoName } from '../sys/errno.ts';
import { reapIfExited, seqpacketPair, type WaitResult } from '../sys/libc.ts';
import { isSameLiveProcess, readProcStat } from '../state/proc.ts';
import { killProcess } from '../sys/kill.ts';
import { sleepMs } from '../sys/sleep.ts';
import { SyncChannel } from './channel.ts';
import { builtin } from '../sys/builtin.ts';
import { spawnWithFds } from '../sys/spawn.ts';
import { crashNow, executorFaultEnv } from './faults.ts';

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
    // crash tests' fault injection (./faults.ts), in a test build, is passed on.
    const env = executorFaultEnv();
    const args = primeCgroup ? ['--prime-cgroup', primeCgroup] : [];
    let pid: number;
    try {
      // The container's stdio is kago's own, or the pipes kago relays (lifecycle/stdio.ts).
      pid = spawnWithFds(executorPath, args, [...(io.stdio ?? (['inherit', 'inherit', 'inherit'] as const)), childEnd, ...(io.extraFds ?? [])], env);
    } catch (e) {
      throw new KagoError('executor', `cannot start ${executorPath}: ${(e as Error).message}`, { cause: e });
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

const DEATH_WAIT_MS = 2000;
const SILENT = 'exited during setup without reporting why';
const SIGSYS = 31;
/** What the executor calls between loading the filter and execve (native/sync.c, ops_process.c, glibc's _exit). */
const CALLS_AFTER_SECCOMP = ['sendmsg', 'recvmsg', 'read', 'write', 'close', 'fcntl', 'dup2', 'execve', 'exit_group'];

/**
 * Init closed the sync socket without a word: it died. It is kago's child
 * (CLONE_PARENT), so its wait status says how; a seccomp profile that kills
 * or refuses a call the executor makes after loading it (sendmsg, write,
 * execve) is the usual cause, and SIGSYS names it. runc hangs there.
 */
function silentDeath(plan: Plan, pid: number | undefined): KagoError {
  const base = SILENT;
  if (pid === undefined) return new KagoError('container init', base);
  let end: WaitResult = { exited: false };
  const deadline = Date.now() + DEATH_WAIT_MS;
  try {
    for (end = reapIfExited(pid); !end.exited && Date.now() < deadline; end = reapIfExited(pid)) sleepMs(1);
  } catch {
    // not our child after all (ECHILD): nothing more to say
  }
  if (!end.exited) return new KagoError('container init', base);
  const how = end.signal ? `killed by ${signalName(end.signal)}` : `exited with status ${end.code}`;
  const load = plan.ops.find((o) => o.op.op === 'seccomp')?.op;
  const refused = load?.op === 'seccomp' ? refusedByFilter(load.filter, CALLS_AFTER_SECCOMP) : [];
  if (refused.length) {
    // A refused exit_group leaves glibc's _exit to fault (SIGSEGV): the filter is the cause whatever the signal.
    return new KagoError(
      'container init',
      `${how} during setup: the seccomp profile (/linux/seccomp) refuses ${refused.join(', ')}, which init needs after loading it to start the program`,
    );
  }
  if (end.signal === SIGSYS) return new KagoError('container init', `${how} during setup: a seccomp filter killed a system call init made`);
  return new KagoError('container init', `${SILENT} (${how})`);
}

function signalName(signal: number): string {
  const name = Object.entries(builtin('node:os').constants.signals).find(([, n]) => n === signal)?.[0];
  return name ?? `signal ${signal}`;
}

/** encoded: the plan already encoded, by a caller that had time for it earlier. */
export function runPlan(plan: Plan, executor: Executor, events: ExecutorEvents, encoded = encodeForExecutor(plan)): void {
  const { channel } = executor;
  try {
    events.started(executor.pid);
    channel.send(MSG.plan, 0, 0, encoded);
    const child: { pid?: number } = {};
    try {
      answer(plan, channel, events, child);
    } catch (e) {
      // The channel's word for a peer that has gone: say how it went.
      if (e instanceof KagoError && e.where === 'container init' && e.reason === SILENT) throw silentDeath(plan, child.pid);
      throw e;
    }
  } finally {
    channel.close();
  }
}

function answer(plan: Plan, channel: SyncChannel, events: ExecutorEvents, child: { pid?: number }): void {
  for (;;) {
    const m = channel.receive();
    if (m === null) throw new KagoError('container init', SILENT);
    switch (m.type) {
      case MSG.id_maps_request:
        events.idMapsRequested(m.a);
        channel.send(MSG.id_maps_done);
        break;
      case MSG.child_pid:
        child.pid = m.a;
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
        // Returns only in a shipped kago, which a test build of the executor should not be paired with.
        if (!crashNow()) throw new KagoError('executor', 'unexpected message type crash_now: a test build of the executor with a shipped kago');
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
        // The executor refused the plan itself (a slot the builder reused): its words say how.
        if (detail.startsWith('descriptor slot ')) throw new KagoError(what, `${errnoName(m.b)}: ${detail}`);
        // podman and Docker tell "command not found" (exit 127) from "cannot
        // run it" (126) only by strerror's words in the runtime's message.
        if (failed?.op.op === 'check_exec') throw new KagoError(what, `${errnoName(m.b)} (${builtin('node:util').getSystemErrorMessage(-m.b)})`);
        throw new KagoError(what, errnoName(m.b));
      }
      default:
        throw new KagoError('executor', `unexpected message type ${m.type}`);
    }
  }
}

// `exec`: a new process in a running container.
import { closeSync, readFileSync, readlinkSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { buildExecPlan, type ExecTarget } from '../plan/exec.ts';
import { withHome } from '../plan/passwd.ts';
import type { Plan } from '../plan/types.ts';
import type { LinuxNamespace, NamespaceType, Process } from '../spec/config.ts';
import { runPlan } from '../process/executor.ts';
import { isSameLiveProcess } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import { sendListenerToAgent } from './notify.ts';
import { preservedFdList } from './create.ts';
import { writePidFile } from './pidfile.ts';
import { type ConsoleEnd, consoleSize, openConsole, relayConsole } from './terminal.ts';
import { waitForChild } from './wait.ts';

export interface ExecOptions {
  id: string;
  process: Process;
  detach: boolean;
  pidFile?: string;
  ignorePaused: boolean;
  consoleSocket?: string;
  preserveFds?: number;
  stdio?: [unknown, unknown, unknown];
}

const PROC_NS: [NamespaceType, string][] = [
  ['user', 'user'], ['mount', 'mnt'], ['pid', 'pid'], ['network', 'net'],
  ['ipc', 'ipc'], ['uts', 'uts'], ['cgroup', 'cgroup'], ['time', 'time'],
];

/** The init's namespaces that are not kago's own: those are the container's. */
function containerNamespaces(pid: number): LinuxNamespace[] {
  return PROC_NS.flatMap(([type, name]) => {
    const theirs = readlinkSync(`/proc/${pid}/ns/${name}`);
    return theirs === readlinkSync(`/proc/self/ns/${name}`) ? [] : [{ type, path: `/proc/${pid}/ns/${name}` }];
  });
}

export async function execInContainer(store: StateStore, opts: ExecOptions): Promise<number> {
  const state = store.read(opts.id);
  const status = store.status(state);
  if (status === 'stopped' || status === 'creating') throw new KagoError(`container ${opts.id}`, `cannot exec in a ${status} container`);
  if (status === 'paused' && !opts.ignorePaused) {
    throw new KagoError(`container ${opts.id}`, 'cannot exec in a paused container (pause it no more, or use --ignore-paused)');
  }
  const namespaces = containerNamespaces(state.pid);
  // The namespaces were read through a pid: make sure it still was init.
  if (!isSameLiveProcess(state.pid, state.kago.initStartTime)) throw new KagoError(`container ${opts.id}`, 'container not running');
  const seccomp = state.kago.seccomp;
  const target: ExecTarget = {
    cgroupDirs: state.kago.cgroup.dirs,
    namespaces,
    lastCap: Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')),
    detached: opts.detach,
    preservedFds: opts.preserveFds ?? 0,
  };
  if (seccomp) {
    target.seccomp = { flags: seccomp.flags, filter: Buffer.from(seccomp.filter, 'base64') };
    if (seccomp.listener) target.seccomp.listener = seccomp.listener;
  }
  const console = opts.process.terminal ? openConsole(opts.consoleSocket, !opts.detach) : undefined;
  if (console) target.console = consoleSize(opts.process.consoleSize);
  const plan = buildExecPlan(withHome(opts.process, state.rootfs), target);
  let pid = 0;
  try {
    runExec(plan, opts, console, (child) => (pid = child), (fd) => sendListenerToAgent(seccomp!.listener!, fd, state, 'running', pid));
  } catch (e) {
    if (console?.own !== undefined) closeSync(console.own);
    throw e;
  } finally {
    if (console) closeSync(console.fd);
  }
  if (opts.pidFile) writePidFile(opts.pidFile, pid);
  if (opts.detach) return 0;
  const relay = console?.own !== undefined ? relayConsole(console.own) : undefined;
  const code = await waitForChild(pid);
  if (relay) await relay.done;
  return code;
}

function runExec(plan: Plan, opts: ExecOptions, console: ConsoleEnd | undefined, forked: (pid: number) => void, listener: (fd: number) => void): void {
  runPlan(plan, { stdio: opts.stdio ?? ['inherit', 'inherit', 'inherit'], extraFds: [console?.fd ?? 'ignore', ...preservedFdList(opts.preserveFds ?? 0)] }, {
    started() {},
    idMapsRequested() {
      throw new KagoError('exec', 'an exec never creates a user namespace');
    },
    childForked(child) {
      forked(child);
    },
    hooksRequested() {
      return '';
    },
    ready() {
      return '';
    },
    seccompListener(fd) {
      listener(fd);
    },
  });
}

// `exec`: a new process in a running container.
import { readFileSync, readlinkSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { buildExecPlan, type ExecTarget } from '../plan/exec.ts';
import type { LinuxNamespace, NamespaceType, Process } from '../spec/config.ts';
import { runPlan } from '../process/executor.ts';
import { isSameLiveProcess } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import { writePidFile } from './pidfile.ts';
import { waitForChild } from './wait.ts';

export interface ExecOptions {
  id: string;
  process: Process;
  detach: boolean;
  pidFile?: string;
  ignorePaused: boolean;
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
  };
  if (seccomp) target.seccomp = { flags: seccomp.flags, filter: Buffer.from(seccomp.filter, 'base64') };
  if (opts.process.terminal) throw new KagoError('process.terminal', 'terminals are not supported yet');
  const plan = buildExecPlan(opts.process, target);
  let pid = 0;
  runPlan(plan, { stdio: opts.stdio ?? ['inherit', 'inherit', 'inherit'] }, {
    started() {},
    idMapsRequested() {
      throw new KagoError('exec', 'an exec never creates a user namespace');
    },
    childForked(child) {
      pid = child;
    },
    hooksRequested() {
      return '';
    },
    ready() {
      return '';
    },
    seccompListener() {},
  });
  if (opts.pidFile) writePidFile(opts.pidFile, pid);
  if (opts.detach) return 0;
  return waitForChild(pid);
}

// `exec`: a new process in a running container.
import { closeSync, existsSync, readFileSync, readlinkSync } from 'node:fs';
import { cgroupVersion, detectHierarchies, type Hierarchy } from '../cgroups/layout.ts';
import { canCloneIntoCgroup, processUserRoot } from '../cgroups/clone-into.ts';
import { KagoError } from '../errors.ts';
import { buildExecPlan, type ExecTarget } from '../plan/exec.ts';
import { checkExecLimits } from '../plan/exec-limits.ts';
import { withHome } from '../plan/passwd.ts';
import type { Plan } from '../plan/types.ts';
import type { LinuxNamespace, NamespaceType, Process } from '../../wasm/spec.gen.ts';
import { abandonExecutor, type Executor, runPlan, startExecutor } from '../process/executor.ts';
import { isSameLiveProcess } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';
import { sendListenerToAgent } from './notify.ts';
import { executorIo } from './create.ts';
import { writePidFile } from './pidfile.ts';
import { consoleSize, openConsole, receiveMaster, relayConsole } from './terminal.ts';
import { UndoStack } from './undo.ts';
import { waitForChild } from './wait.ts';
import { closeChildEnds, closeProcessPipes, givePipesTo, makeProcessPipes, type ProcessPipes, relayPipes, rootOfProcess } from './stdio.ts';
import { ownCgroupProcsFile, primeFrom } from '../cgroups/prime.ts';
import { isRootless } from '../cgroups/rootless.ts';

export interface ExecOptions {
  id: string;
  process: Process;
  detach: boolean;
  pidFile?: string;
  ignorePaused: boolean;
  consoleSocket?: string;
  preserveFds?: number;
  /** --cgroup: [controller:]path of a sub-cgroup of the container's to run in */
  subCgroups?: string[];
}

const PROC_NS: [NamespaceType, string][] = [
  ['user', 'user'],
  ['mount', 'mnt'],
  ['pid', 'pid'],
  ['network', 'net'],
  ['ipc', 'ipc'],
  ['uts', 'uts'],
  ['cgroup', 'cgroup'],
  ['time', 'time'],
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
  const undo = new UndoStack();
  const started = undo.run(() => startExec(state, opts, undo));
  undo.keep();
  if (opts.detach) return 0;
  const relay = started.master !== undefined ? relayConsole(started.master) : started.pipes ? relayPipes(started.pipes) : undefined;
  const code = await waitForChild(started.pid);
  if (relay) await relay.done;
  return code;
}

interface StartedExec {
  pid: number;
  /** the pty master kago relays, when kago holds the console itself */
  master?: number;
  /** the pipes kago relays a foreground process's stdio through */
  pipes?: ProcessPipes;
}

/**
 * Everything up to a running process whose pid is reported. Each step
 * records how it is undone: descriptors closed, the executor killed, and
 * the process itself killed when its pid cannot be reported.
 */
function startExec(state: ContainerState, opts: ExecOptions, undo: UndoStack): StartedExec {
  // The executor is started before the plan is built, to warm the path into the container's cgroups meanwhile (cgroups/prime.ts).
  const prime = state.kago.cgroup.dirs.length && !isRootless() ? ownCgroupProcsFile() : undefined;
  if (prime) primeFrom(prime);
  const console = opts.process.terminal ? openConsole(opts.consoleSocket, !opts.detach) : undefined;
  // Passed to the executor and closed after the plan; the other end, kago's own, becomes the pty master.
  const forgetSocket = console ? undo.record('the console socket', () => closeSync(console.fd)) : undefined;
  let own = console?.own;
  if (own !== undefined) {
    undo.record("kago's end of the console", () => {
      if (own !== undefined) closeSync(own);
    });
  }
  // runc relays a foreground process without a terminal through pipes of its own (lifecycle/stdio.ts).
  let pipes: ProcessPipes | undefined;
  if (!console && !opts.detach) {
    pipes = makeProcessPipes();
    undo.record('the stdio pipes', () => closeProcessPipes(pipes));
    const root = rootOfProcess(state.pid);
    givePipesTo(pipes, root.uid, root.gid);
  }
  const executor = startExecutor({ ...executorIo(opts.preserveFds ?? 0, console?.fd), stdio: pipes?.child }, prime);
  // After the plan the executor has gone its way (runPlan closes the channel): only a plan that never ran needs it killed.
  const forgetExecutor = undo.record('the executor', () => abandonExecutor(executor));
  if (pipes) closeChildEnds(pipes);
  const plan = execPlan(state, opts, console !== undefined);
  forgetExecutor();
  const started: StartedExec = { pid: 0, pipes };
  // The master is taken at READY, before execve, so the program's first output already passes the pty unchanged.
  const takeMaster = () => {
    if (own === undefined) return;
    const fd = own;
    own = undefined;
    const master = receiveMaster(fd);
    started.master = master;
    undo.record('the pty master', () => closeSync(master));
  };
  runExec(
    plan,
    executor,
    (child) => (started.pid = child),
    (fd) => sendListenerToAgent(state.kago.seccomp!.listener!, fd, state, 'running', started.pid),
    takeMaster,
  );
  if (console) {
    forgetSocket!();
    closeSync(console.fd);
  }
  if (opts.pidFile) {
    // runc kills a process whose pid it could not report: nobody would know to wait for it.
    // Still kago's unreaped child here, so the pid cannot name another process.
    undo.record(`process ${started.pid}`, () => process.kill(started.pid, 'SIGKILL'));
    writePidFile(opts.pidFile, started.pid);
  }
  return started;
}

function execPlan(state: ContainerState, opts: ExecOptions, terminal: boolean): Plan {
  checkExecLimits(opts.process, 'process');
  const namespaces = containerNamespaces(state.pid);
  // The namespaces were read through a pid: make sure it still was init.
  if (!isSameLiveProcess(state.pid, state.kago.initStartTime)) throw new KagoError(`container ${opts.id}`, 'container not running');
  const seccomp = state.kago.seccomp;
  const target: ExecTarget = {
    cgroupDirs: subCgroupDirs(state.kago.cgroup.dirs, opts.subCgroups ?? []),
    namespaces,
    lastCap: Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')),
    detached: opts.detach,
    preservedFds: opts.preserveFds ?? 0,
  };
  if (seccomp) {
    target.seccomp = { flags: seccomp.flags, filter: Buffer.from(seccomp.filter, 'base64') };
    if (seccomp.listener) target.seccomp.listener = seccomp.listener;
  }
  if (terminal) target.console = consoleSize(opts.process.consoleSize);
  if (!namespaces.some((ns) => ns.type === 'mount')) target.root = `/proc/${state.pid}/root`;
  const version = cgroupVersion(detectHierarchies());
  const systemd = state.kago.cgroup.systemd !== undefined;
  // Its cgroup namespace is joined after the fork when the process is cloned in (plan/exec.ts).
  const joinedBeforeFork = namespaces.filter((ns) => ns.type !== 'cgroup');
  target.cloneIntoCgroup = canCloneIntoCgroup({
    dirs: target.cgroupDirs,
    version,
    systemd,
    namespaces: joinedBeforeFork,
    userRoot: processUserRoot(state.pid),
  });
  return buildExecPlan(withHome(opts.process, state.rootfs), target);
}

function runExec(plan: Plan, executor: Executor, forked: (pid: number) => void, listener: (fd: number) => void, ready: () => void): void {
  runPlan(plan, executor, {
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
      ready();
      return '';
    },
    seccompListener(fd) {
      listener(fd);
    },
  });
}

/**
 * runc's `exec --cgroup`: "path" moves the process to that sub-cgroup of the
 * container's cgroup in every hierarchy, "controller:path" only in the
 * hierarchy of that controller. The sub-cgroup must exist already.
 */
export function subCgroupDirs(
  dirs: readonly string[],
  specs: readonly string[],
  hierarchies: readonly Hierarchy[] = specs.length ? detectHierarchies() : [],
): string[] {
  const out = [...dirs];
  // On v2 there is one hierarchy: a controller prefix names no other.
  const controllersOf = (dir: string) => {
    const h = hierarchies.find((x) => dir.startsWith(`${x.mountPoint}/`));
    return h?.version === 1 ? h.controllers : null;
  };
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const controller = colon >= 0 ? spec.slice(0, colon) : '';
    const sub = colon >= 0 ? spec.slice(colon + 1) : spec;
    if (sub.split('/').includes('..')) throw new KagoError(`--cgroup ${spec}`, "must stay inside the container's cgroup");
    let matched = false;
    out.forEach((dir, i) => {
      const controllers = controllersOf(dir);
      if (controller && controllers && !controllers.includes(controller)) return;
      const target = `${dirs[i]}/${sub.replace(/^\/+/, '')}`;
      if (!existsSync(target)) throw new KagoError(`--cgroup ${spec}`, `${target} does not exist`);
      out[i] = target;
      matched = true;
    });
    if (!matched) throw new KagoError(`--cgroup ${spec}`, `no hierarchy of the container has the ${controller} controller`);
  }
  return out;
}

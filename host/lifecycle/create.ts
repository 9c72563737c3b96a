// `create`: validate, plan, claim the state directory, make the cgroups,
// run the plan, record the state. Any failure undoes everything made so far.
import { closeChildEnds, closeProcessPipes, givePipesTo, hostIdOfRoot, makeProcessPipes, type ProcessPipes } from './stdio.ts';
import { chmodSync, closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyCgroupLimits } from '../cgroups/apply.ts';
import { refuseFrozenCgroup, warnIfCgroupNotEmpty } from '../cgroups/existing.ts';
import { cgroupDirs, createCgroupDirs, removeCgroupDirs, resolveCgroupPath } from '../cgroups/placement.ts';
import { lendRealtimeBudget } from '../cgroups/realtime.ts';
import { cgroupVersion, detectHierarchies } from '../cgroups/layout.ts';
import { ownCgroupProcsFile, primeFrom } from '../cgroups/prime.ts';
import { cgroupsDelegated, isRootless, refuseLimitsWithoutCgroups } from '../cgroups/rootless.ts';
import { canCloneIntoCgroup, mappedRoot } from '../cgroups/clone-into.ts';
import { refuseRootlessSystemd, startContainerUnit, stopContainerUnit, UnitExistsError, unitStartRequested } from '../cgroups/systemd/driver.ts';
import { resolveSystemdUnit, type SystemdUnit } from '../cgroups/systemd/unit.ts';
import { compileCoreAhead } from '../core.ts';
import { log } from '../log.ts';
import { buildCreatePlan } from '../plan/build.ts';
import { checkExecLimits } from '../plan/exec-limits.ts';
import { gatherFacts } from '../plan/facts.ts';
import { moveNetDevices } from '../plan/netdev.ts';
import { hostUserName, withHome } from '../plan/passwd.ts';
import { compileSeccomp } from '../plan/seccomp.ts';
import type { Compiled, Plan } from '../plan/types.ts';
import { abandonExecutor, encodeForExecutor, type Executor, type ExecutorEvents, type ExecutorIo, runPlan, startExecutor } from '../process/executor.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { loadBundle, readConfigBytes } from '../spec/load.ts';
import { readProcStat } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';
import { mkfifo, openFfiAhead } from '../sys/libc.ts';
import { crashPoint } from './crash.ts';
import { setgroupsWillBeDenied, writeIdMaps } from './idmaps.ts';
import { sendListenerToAgent } from './notify.ts';
import { closeConsole, type ConsoleEnd, consoleSize, openConsole } from './terminal.ts';
import { hookState, runHostHooks } from './hooks.ts';
import { killAll } from './destroy.ts';
import { releaseInheritedMounts } from './inherited-mounts.ts';
import { UndoStack } from './undo.ts';
import { writePidFile } from './pidfile.ts';
import { filterForExec, finishRecorder, startRecorderFor } from '../seccomp-record/lifecycle.ts';
import { type RecordOptions, recordingSeccomp } from '../seccomp-record/request.ts';

export interface CreateOptions {
  id: string;
  bundle?: string;
  pidFile?: string;
  /** `--no-pivot`: MS_MOVE and chroot instead of pivot_root */
  noPivot?: boolean;
  consoleSocket?: string;
  /** `run` without --detach: kago can hold the pty master itself */
  foreground?: boolean;
  noNewKeyring?: boolean;
  /** --preserve-fds: kago's fds from 3 + LISTEN_FDS on, passed on after the socket-activation ones */
  preserveFds?: number;
  /** started by warmUpCreate, waiting for the plan */
  executor?: Executor;
  /** a foreground container's stdio, made by warmUpCreate, relayed by run (lifecycle/stdio.ts) */
  pipes?: ProcessPipes;
  /** --systemd-cgroup: the cgroup is a transient systemd scope (cgroups/systemd/) */
  systemdCgroup?: boolean;
  /** --seccomp-record (seccomp-record/) */
  seccompRecord?: RecordOptions;
}

/**
 * Socket activation (sd_listen_fds): descriptors systemd passed to kago at
 * 3, 4, ... are passed on to the container with LISTEN_FDS, as runc does.
 */
function listenFds(): number {
  const count = Number(process.env.LISTEN_FDS ?? 0);
  return Number.isInteger(count) && count > 0 && process.env.LISTEN_PID === String(process.pid) ? count : 0;
}

function preservedFdList(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 3 + i);
}

export interface Created {
  state: ContainerState;
  /** kago's end of the console socket, when kago relays the terminal itself */
  console?: number;
}

export interface Prepared {
  spec: Spec;
  /** how many of kago's fds from 3 on the container gets */
  preserved: number;
  bundle: string;
  plan: Plan;
  compiled: Compiled;
  rootfs: string;
  /** set when the container shares kago's mount namespace (lifecycle/inherited-mounts.ts) */
  inheritedMounts?: { rootfs: string; coveredMountId?: number };
  cgroupLeaves: string[];
  hierarchies: ReturnType<typeof detectHierarchies>;
  systemd?: SystemdUnit;
}

/** The executor's fds from 4 on: the console socket's end (or none), then the preserved fds. */
export function executorIo(preserved: number, consoleFd?: number): ExecutorIo {
  return { extraFds: [consoleFd ?? 'ignore', ...preservedFdList(preserved)] };
}

/** What the warm-up reads of the config before it is validated; undefined when it cannot (create will say why). */
function peekConfig(bundle: string | undefined): Spec | undefined {
  try {
    return JSON.parse(readConfigBytes(join(resolve(bundle ?? '.'), 'config.json')).toString('utf8')) as Spec;
  } catch {
    return undefined;
  }
}

/**
 * kago's own cgroup.procs, for the executor to keep the migration path warm
 * through (cgroups/prime.ts), or undefined where that does not pay: where
 * init will be cloned straight into its cgroup there is no migration to wait
 * for, and the no-op moves would only take the lock forks and other
 * creates need.
 */
function primingFile(opts: CreateOptions, config: Spec | undefined): string | undefined {
  // Priming moves the executor into kago's own cgroup: out of a scope systemd has just put it in.
  if (isRootless() || opts.systemdCgroup) return undefined;
  const hierarchies = detectHierarchies();
  const cloned =
    config !== undefined &&
    canCloneIntoCgroup({
      // one directory per hierarchy, as the container will have
      dirs: hierarchies.map((h) => h.mountPoint),
      version: cgroupVersion(hierarchies),
      systemd: false,
      namespaces: config.linux?.namespaces ?? [],
      userRoot: mappedRoot(config.linux?.uidMappings),
    });
  log('debug', cloned ? 'init will be cloned into its cgroup: no priming' : 'priming the cgroup migration path');
  return cloned ? undefined : ownCgroupProcsFile();
}

/**
 * What a create needs whatever its config, done while the core's wasm
 * compiles on another thread: the FFI, and the executor, started now to wait
 * for its plan and keep the cgroup migration path warm meanwhile
 * (cgroups/prime.ts). Not for a terminal: its console comes later.
 */
export async function warmUpCreate(opts: CreateOptions): Promise<void> {
  const compiling = compileCoreAhead();
  const config = peekConfig(opts.bundle);
  const prime = primingFile(opts, config);
  if (prime) primeFrom(prime);
  const terminal = config?.process?.terminal;
  // The console is set up only once the config is validated: a config that may want one waits.
  if (config !== undefined && (terminal === false || terminal === undefined)) {
    if (opts.foreground) opts.pipes = makeProcessPipes();
    try {
      opts.executor = startExecutor({ ...executorIo(listenFds() + (opts.preserveFds ?? 0)), stdio: opts.pipes?.child }, prime);
    } catch (e) {
      closeProcessPipes(opts.pipes);
      throw e;
    }
    if (opts.pipes) closeChildEnds(opts.pipes);
  }
  try {
    openFfiAhead();
    await compiling;
  } catch (e) {
    // Nothing else knows of the executor yet: left waiting for its plan, it would keep kago from exiting.
    if (opts.executor) abandonExecutor(opts.executor);
    opts.executor = undefined;
    closeProcessPipes(opts.pipes);
    throw e;
  }
}

/** Everything up to the plan; touches nothing, so `--dry-run` stops here. */
export function prepareCreate(store: StateStore, opts: CreateOptions): Prepared {
  const { bundle, spec, bytes } = loadBundle(opts.bundle, true);
  const hierarchies = detectHierarchies();
  if (opts.systemdCgroup) refuseRootlessSystemd();
  const systemd = opts.systemdCgroup ? resolveSystemdUnit(spec.linux?.cgroupsPath, opts.id) : undefined;
  const cgroupPath = systemd ? systemd.path : resolveCgroupPath(spec.linux?.cgroupsPath, opts.id);
  let leaves = cgroupDirs(cgroupPath, hierarchies, readFileSync('/proc/self/cgroup', 'utf8'));
  if (isRootless() && !cgroupsDelegated(leaves)) {
    refuseLimitsWithoutCgroups(spec.linux?.resources);
    log('debug', 'rootless: no delegated cgroup, the container runs without cgroups');
    leaves = [];
  }
  refuseFrozenCgroup(leaves);
  warnIfCgroupNotEmpty(leaves);
  const version = cgroupVersion(hierarchies);
  const facts = gatherFacts(spec, bundle, store.fifoPath(opts.id), {
    dirs: leaves,
    mountPoints: hierarchies.map((h) => h.mountPoint),
    version,
  });
  if (spec.process?.terminal) facts.console = consoleSize(spec.process.consoleSize);
  const namespaces = spec.linux?.namespaces ?? [];
  facts.cloneIntoCgroup = canCloneIntoCgroup({
    dirs: leaves,
    version,
    systemd: systemd !== undefined,
    namespaces,
    userRoot: mappedRoot(spec.linux?.uidMappings),
  });
  if (spec.linux?.namespaces?.some((ns) => ns.type === 'user' && !ns.path)) facts.setgroupsDenied = setgroupsWillBeDenied(spec.linux.gidMappings ?? []);
  if (spec.process) spec.process = withHome(spec.process, facts.rootfs);
  const listening = listenFds();
  if (spec.process && listening > 0) spec.process.env = [...(spec.process.env ?? []), `LISTEN_FDS=${listening}`, 'LISTEN_PID=1'];
  if (spec.process) checkExecLimits(spec.process, 'config.json: /process');
  const compiled: Compiled = { seccomp: compileSeccomp(spec, bytes) };
  compiled.seccomp = recordingSeccomp(opts.seccompRecord, spec, bundle, compiled.seccomp) ?? compiled.seccomp;
  const preserved = listening + (opts.preserveFds ?? 0);
  const plan = buildCreatePlan(spec, facts, compiled, {
    noPivot: opts.noPivot,
    noNewKeyring: opts.noNewKeyring,
    id: opts.id,
    preservedFds: preserved,
    callersStdio: opts.foreground === true && !opts.pipes,
  });
  const inheritedMounts = spec.linux?.namespaces?.some((ns) => ns.type === 'mount') ? undefined : { rootfs: facts.rootfs, coveredMountId: facts.rootfsMountId };
  return { spec, bundle, preserved, plan, compiled, rootfs: facts.rootfs, inheritedMounts, cgroupLeaves: leaves, hierarchies, systemd };
}

/** A create under way: what its steps share. */
interface Creating {
  store: StateStore;
  opts: CreateOptions;
  prepared: Prepared;
  console: ConsoleEnd | undefined;
  /** started ahead (warmUpCreate) or by a step; undefined until then */
  executor: Executor | undefined;
  state: ContainerState;
  undo: UndoStack;
  /** the plan as the executor reads it */
  encoded?: Uint8Array;
}

/**
 * What create does once the container is claimed, in order. Each step
 * records in `undo` what it made and how that is undone, and in the state
 * file what `delete --force` needs if kago dies before it can undo.
 */
const CREATE_STEPS: readonly ((c: Creating) => void)[] = [
  writeState,
  makeExecFifo,
  encodePlanAhead,
  startSystemdUnit,
  makeCgroups,
  startPlanExecutor,
  runInitPlan,
  markCreated,
];

export function createContainer(store: StateStore, opts: CreateOptions): Created {
  const undo = new UndoStack();
  const c = undo.run(() => {
    const creating = claimContainer(store, opts, undo);
    for (const step of CREATE_STEPS) step(creating);
    return creating;
  });
  undo.keep();
  if (c.console) closeSync(c.console.fd);
  return c.console?.own === undefined ? { state: c.state } : { state: c.state, console: c.console.own };
}

function save(c: Creating): void {
  c.store.write(c.state);
}

function recordExecutor(state: ContainerState, pid: number): void {
  state.kago.executorPid = pid;
  state.kago.executorStartTime = readProcStat(pid)?.startTime;
}

/**
 * Validates and plans, opens the console, claims the state directory (a
 * new directory: the id is then taken), and settles who holds the
 * container's stdio. Undone: the directory removed, descriptors closed,
 * an executor started ahead killed.
 */
function claimContainer(store: StateStore, opts: CreateOptions, undo: UndoStack): Creating {
  const forgetAhead = opts.executor ? undo.record('the executor started ahead', () => abandonExecutor(opts.executor!)) : undefined;
  undo.record('the stdio pipes', () => closeProcessPipes(opts.pipes));
  const prepared = prepareCreate(store, opts);
  const console = prepared.spec.process?.terminal ? openConsole(opts.consoleSocket, opts.foreground === true) : undefined;
  undo.record('the console socket', () => closeConsole(console));
  store.claim(opts.id);
  undo.record(`the state directory of ${opts.id}`, () => store.remove(opts.id));
  const { spec } = prepared;
  // Started ahead without a console: a config that turned out to want one gets a new executor.
  let executor = opts.executor;
  if (executor && console) {
    abandonExecutor(executor);
    forgetAhead!();
    executor = undefined;
    closeProcessPipes(opts.pipes);
    delete opts.pipes;
  }
  if (opts.pipes) {
    const newUserns = spec.linux?.namespaces?.some((ns) => ns.type === 'user' && !ns.path);
    const root = (maps: { containerID: number; hostID: number; size: number }[] | undefined) =>
      newUserns ? hostIdOfRoot((maps ?? []).map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join('\n')) : 0;
    givePipesTo(opts.pipes, root(spec.linux?.uidMappings), root(spec.linux?.gidMappings));
  }
  crashPoint('claimed');
  return { store, opts, prepared, console, executor, state: initialState(opts.id, prepared, executor), undo };
}

function initialState(id: string, prepared: Prepared, executor: Executor | undefined): ContainerState {
  const { spec } = prepared;
  const state: ContainerState = {
    ociVersion: spec.ociVersion,
    id,
    status: 'creating',
    pid: 0,
    bundle: prepared.bundle,
    rootfs: prepared.rootfs,
    created: new Date().toISOString(),
    owner: hostUserName(process.geteuid?.() ?? 0),
    kago: { cgroup: { dirs: prepared.cgroupLeaves, created: [] }, resources: spec.linux?.resources },
  };
  if (prepared.systemd) state.kago.cgroup.systemd = { unit: prepared.systemd.unit, slice: prepared.systemd.slice };
  if (prepared.inheritedMounts) state.kago.inheritedMounts = prepared.inheritedMounts;
  if (executor) recordExecutor(state, executor.pid);
  if (spec.annotations) state.annotations = spec.annotations;
  state.kago.process = spec.process;
  const filter = filterForExec(prepared.compiled.seccomp);
  if (filter) {
    state.kago.seccomp = { flags: filter.flags, filter: Buffer.from(filter.filter).toString('base64') };
    if (filter.listener) state.kago.seccomp.listener = filter.listener;
  }
  if (spec.hooks?.poststart || spec.hooks?.poststop) state.kago.hooks = { poststart: spec.hooks.poststart, poststop: spec.hooks.poststop };
  return state;
}

/** state.json, "creating": from here on `delete --force` finds what to clean. It goes with the state directory. */
function writeState(c: Creating): void {
  save(c);
  crashPoint('state-written');
}

/** The exec FIFO `start` opens; in the state directory, and gone with it. */
function makeExecFifo(c: Creating): void {
  const fifo = c.store.fifoPath(c.opts.id);
  mkfifo(fifo, 0o622);
  // Whatever kago's umask: the container's user, any uid, must be able to open it for writing.
  chmodSync(fifo, 0o622);
  crashPoint('fifo-made');
}

/** Encoded now: making the cgroups may wait for the kernel (cgroups/prime.ts), and what follows is the critical path. */
function encodePlanAhead(c: Creating): void {
  c.encoded = encodeForExecutor(c.prepared.plan);
}

function startExecutorFor(c: Creating): Executor {
  const executor = startExecutor(executorIo(c.prepared.preserved, c.console?.fd));
  c.undo.record('the executor', () => abandonExecutor(executor));
  return executor;
}

/**
 * --systemd-cgroup: the transient scope that holds the container, started
 * with the executor in it (systemd puts a process in the scope it starts,
 * and the executor's children stay there). Undone: the unit stopped.
 */
function startSystemdUnit(c: Creating): void {
  const unit = c.prepared.systemd;
  if (!unit) return;
  c.executor ??= startExecutorFor(c);
  recordExecutor(c.state, c.executor.pid);
  save(c);
  try {
    startContainerUnit(unit, c.opts.id, c.executor.pid, c.prepared.spec, c.prepared.hierarchies);
  } catch (e) {
    if (e instanceof UnitExistsError) {
      // Its cgroup holds someone else's processes: no cleanup, now or by `delete --force`, may touch it.
      c.state.kago.cgroup = { dirs: [], created: [] };
      save(c);
    } else if (unitStartRequested()) {
      // Asked for and then failed: systemd may keep the unit loaded. Without a bus there is no unit to stop.
      c.undo.record(`systemd unit ${unit.unit}`, () => stopContainerUnit(unit.unit));
    }
    throw e;
  }
  c.undo.record(`systemd unit ${unit.unit}`, () => stopContainerUnit(unit.unit));
  // Only a create with --systemd-cgroup passes here, so this point is not in
  // CRASH_POINTS (every create's); test/systemd/driver.test.ts crashes here.
  crashPoint('unit-started');
}

/**
 * The container's cgroup directories, each recorded in the state as it is
 * made, and the limits written into them. Undone: the directories kago made
 * removed, deepest first.
 */
function makeCgroups(c: Creating): void {
  const { prepared, state } = c;
  c.undo.record('the cgroup directories', () => removeCgroupDirs(state.kago.cgroup.created, state.kago.cgroup.dirs));
  createCgroupDirs(prepared.cgroupLeaves, prepared.hierarchies, state.kago.cgroup, () => save(c));
  // A cgroup made below a frozen one starts frozen.
  refuseFrozenCgroup(prepared.cgroupLeaves);
  const target = { hierarchies: prepared.hierarchies, dirs: prepared.cgroupLeaves };
  if (!prepared.spec.linux?.cgroupsPath) lendRealtimeBudget(prepared.spec.linux?.resources?.cpu, target);
  if (prepared.cgroupLeaves.length) applyCgroupLimits(prepared.spec.linux?.resources, target);
  crashPoint('cgroups-made');
}

/** The executor that runs the plan, unless one was started ahead or for the systemd unit. */
function startPlanExecutor(c: Creating): void {
  c.executor ??= startExecutorFor(c);
}

/**
 * The executor runs the plan: the intermediate process, then init, which
 * ends waiting on the exec FIFO. Undone: every process of the container
 * killed, and a rootfs bind in kago's own mount namespace released.
 */
function runInitPlan(c: Creating): void {
  c.undo.record("the container's processes", () => {
    killAll(c.state);
    finishRecorder(c.state);
    releaseInheritedMounts(c.state);
  });
  runPlan(c.prepared.plan, c.executor!, initEvents(c), c.encoded);
  crashPoint('init-ready');
}

/** What the host does when the executor asks, during the create plan. */
function initEvents(c: Creating): ExecutorEvents {
  const {
    state,
    prepared: { spec, bundle },
  } = c;
  return {
    started(pid) {
      // An executor started ahead is in the state since the claim.
      if (state.kago.executorPid !== pid) {
        recordExecutor(state, pid);
        save(c);
      }
      crashPoint('executor-started');
    },
    idMapsRequested(pid) {
      writeIdMaps(pid, spec.linux?.uidMappings ?? [], spec.linux?.gidMappings ?? []);
    },
    hooksRequested() {
      // runtime.md: the state is "created" after step 2 (the environment
      // is set up), and prestart, createRuntime and createContainer are
      // later steps. runc 1.1.5 passes "creating" here; the spec wins.
      const created = hookState(state, 'created');
      runHostHooks('prestart', spec.hooks, created, bundle);
      runHostHooks('createRuntime', spec.hooks, created, bundle);
      return created;
    },
    ready() {
      return hookState(state, 'created');
    },
    seccompListener(fd) {
      sendListenerToAgent(c.prepared.compiled.seccomp!.listener!, fd, state, 'creating');
    },
    netDevicesRequested(pid) {
      moveNetDevices(spec, pid);
    },
    childForked(pid) {
      state.pid = pid;
      state.kago.initStartTime = readProcStat(pid)?.startTime;
      save(c);
      startRecorderFor(c.prepared.compiled.seccomp, state, () => save(c));
      crashPoint('init-forked');
    },
  };
}

/** "created" in the state, and the pid file the caller asked for. */
function markCreated(c: Creating): void {
  c.state.status = 'created';
  save(c);
  if (c.opts.pidFile) writePidFile(c.opts.pidFile, c.state.pid);
}

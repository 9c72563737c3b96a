// `create`: validate, plan, claim the state directory, make the cgroups,
// run the plan, record the state. Any failure undoes everything made so far.
import { closeChildEnds, closeProcessPipes, givePipesTo, hostIdOfRoot, makeProcessPipes, type ProcessPipes } from './stdio.ts';
import { chmodSync, closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { applyCgroupLimits } from '../cgroups/apply.ts';
import { refuseFrozenCgroup, warnIfCgroupNotEmpty } from '../cgroups/existing.ts';
import { cgroupDirs, createCgroupDirs, resolveCgroupPath } from '../cgroups/placement.ts';
import { lendRealtimeBudget } from '../cgroups/realtime.ts';
import { detectHierarchies } from '../cgroups/layout.ts';
import { ownCgroupProcsFile, primeFrom } from '../cgroups/prime.ts';
import { cgroupsDelegated, isRootless, refuseLimitsWithoutCgroups } from '../cgroups/rootless.ts';
import { canCloneIntoCgroup, mappedRoot } from '../cgroups/clone-into.ts';
import { refuseRootlessSystemd, startContainerUnit, UnitExistsError, unitStartRequested } from '../cgroups/systemd/driver.ts';
import { resolveSystemdUnit, type SystemdUnit } from '../cgroups/systemd/unit.ts';
import { compileCoreAhead } from '../core.ts';
import { log } from '../log.ts';
import { buildCreatePlan } from '../plan/build.ts';
import { checkExecLimits } from '../plan/exec-limits.ts';
import { gatherFacts } from '../plan/facts.ts';
import { moveNetDevices } from '../plan/netdev.ts';
import { withHome } from '../plan/passwd.ts';
import { compileSeccomp } from '../plan/seccomp.ts';
import type { Compiled, Plan } from '../plan/types.ts';
import { abandonExecutor, encodeForExecutor, type Executor, type ExecutorIo, runPlan, startExecutor } from '../process/executor.ts';
import type { Spec } from '../spec/config.ts';
import { loadBundle, readConfigBytes } from '../spec/load.ts';
import { readProcStat } from '../state/proc.ts';
import type { StateStore } from '../state/store.ts';
import type { ContainerState } from '../state/types.ts';
import { loadKoffi } from '../sys/koffi.ts';
import { mkfifo } from '../sys/libc.ts';
import { crashPoint } from './crash.ts';
import { setgroupsWillBeDenied, writeIdMaps } from './idmaps.ts';
import { sendListenerToAgent } from './notify.ts';
import { closeConsole, type ConsoleEnd, consoleSize, openConsole } from './terminal.ts';
import { hookState, runHostHooks } from './hooks.ts';
import { destroyContainer } from './destroy.ts';
import { writePidFile } from './pidfile.ts';

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

/** Whether the config asks for a terminal, read without validating: the console is set up only after that. */
function mayWantTerminal(bundle: string | undefined): boolean {
  try {
    const config = JSON.parse(readConfigBytes(join(resolve(bundle ?? '.'), 'config.json')).toString('utf8')) as { process?: { terminal?: unknown } };
    return config.process?.terminal !== false && config.process?.terminal !== undefined;
  } catch {
    return true;
  }
}

/**
 * What a create needs whatever its config, done while the core's wasm
 * compiles on another thread: koffi, and the executor, started now to wait
 * for its plan and keep the cgroup migration path warm meanwhile
 * (cgroups/prime.ts). Not for a terminal: its console comes later.
 */
export async function warmUpCreate(opts: CreateOptions): Promise<void> {
  // Priming moves the executor into kago's own cgroup: out of a scope systemd has just put it in.
  const prime = isRootless() || opts.systemdCgroup ? undefined : ownCgroupProcsFile();
  if (prime) primeFrom(prime);
  const compiling = compileCoreAhead();
  if (!mayWantTerminal(opts.bundle)) {
    if (opts.foreground) opts.pipes = makeProcessPipes();
    try {
      opts.executor = startExecutor({ ...executorIo(listenFds() + (opts.preserveFds ?? 0)), stdio: opts.pipes?.child }, prime);
    } catch (e) {
      closeProcessPipes(opts.pipes);
      throw e;
    }
    if (opts.pipes) closeChildEnds(opts.pipes);
  }
  loadKoffi();
  await compiling;
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
  const version = hierarchies.length > 0 && hierarchies.every((h) => h.version === 2) ? 2 : 1;
  const facts = gatherFacts(spec, bundle, store.fifoPath(opts.id), {
    dirs: leaves,
    mountPoints: hierarchies.map((h) => h.mountPoint),
    version,
  });
  if (spec.process?.terminal) facts.console = consoleSize(spec.process.consoleSize);
  const namespaces = spec.linux?.namespaces ?? [];
  facts.cloneIntoCgroup = canCloneIntoCgroup({ dirs: leaves, version, systemd: systemd !== undefined, namespaces, userRoot: mappedRoot(spec.linux?.uidMappings) });
  if (spec.linux?.namespaces?.some((ns) => ns.type === 'user' && !ns.path)) facts.setgroupsDenied = setgroupsWillBeDenied(spec.linux.gidMappings ?? []);
  if (spec.process) spec.process = withHome(spec.process, facts.rootfs);
  const listening = listenFds();
  if (spec.process && listening > 0) spec.process.env = [...(spec.process.env ?? []), `LISTEN_FDS=${listening}`, 'LISTEN_PID=1'];
  if (spec.process) checkExecLimits(spec.process, 'config.json: /process');
  const compiled: Compiled = { seccomp: compileSeccomp(spec, bytes) };
  const preserved = listening + (opts.preserveFds ?? 0);
  const plan = buildCreatePlan(spec, facts, compiled, { noPivot: opts.noPivot, noNewKeyring: opts.noNewKeyring, id: opts.id, preservedFds: preserved, callersStdio: opts.foreground === true && !opts.pipes });
  const inheritedMounts = spec.linux?.namespaces?.some((ns) => ns.type === 'mount') ? undefined : { rootfs: facts.rootfs, coveredMountId: facts.rootfsMountId };
  return { spec, bundle, preserved, plan, compiled, rootfs: facts.rootfs, inheritedMounts, cgroupLeaves: leaves, hierarchies, systemd };
}

export function createContainer(store: StateStore, opts: CreateOptions): Created {
  let prepared: Prepared;
  let console: ConsoleEnd | undefined;
  try {
    prepared = prepareCreate(store, opts);
    console = prepared.spec.process?.terminal ? openConsole(opts.consoleSocket, opts.foreground === true) : undefined;
    store.claim(opts.id);
  } catch (e) {
    closeConsole(console);
    if (opts.executor) abandonExecutor(opts.executor);
    closeProcessPipes(opts.pipes);
    throw e;
  }
  const { spec, bundle, plan } = prepared;
  // Started ahead without a console: a config that turned out to want one gets a new executor.
  let executor = opts.executor;
  if (executor && console) {
    abandonExecutor(executor);
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
  const state: ContainerState = {
    ociVersion: spec.ociVersion,
    id: opts.id,
    status: 'creating',
    pid: 0,
    bundle,
    rootfs: prepared.rootfs,
    created: new Date().toISOString(),
    owner: userInfo().username,
    kago: { cgroup: { dirs: prepared.cgroupLeaves, created: [] }, resources: spec.linux?.resources },
  };
  if (prepared.systemd) state.kago.cgroup.systemd = { unit: prepared.systemd.unit, slice: prepared.systemd.slice };
  if (prepared.inheritedMounts) state.kago.inheritedMounts = prepared.inheritedMounts;
  if (executor) {
    state.kago.executorPid = executor.pid;
    state.kago.executorStartTime = readProcStat(executor.pid)?.startTime;
  }
  if (spec.annotations) state.annotations = spec.annotations;
  state.kago.process = spec.process;
  const filter = prepared.compiled.seccomp;
  if (filter) {
    state.kago.seccomp = { flags: filter.flags, filter: Buffer.from(filter.filter).toString('base64') };
    if (filter.listener) state.kago.seccomp.listener = filter.listener;
  }
  if (spec.hooks?.poststart || spec.hooks?.poststop) state.kago.hooks = { poststart: spec.hooks.poststart, poststop: spec.hooks.poststop };
  const save = () => store.write(state);
  try {
    save();
    crashPoint('state-written');
    mkfifo(store.fifoPath(opts.id), 0o622);
    // Whatever kago's umask: the container's user, any uid, must be able to open it for writing.
    chmodSync(store.fifoPath(opts.id), 0o622);
    crashPoint('fifo-made');
    // Encoded now: making the cgroups may wait for the kernel (cgroups/prime.ts), and what follows is the critical path.
    const encoded = encodeForExecutor(plan);
    if (prepared.systemd) {
      // systemd puts a process in the scope it starts: the executor, whose children stay there.
      executor ??= startExecutor(executorIo(prepared.preserved, console?.fd));
      state.kago.executorPid = executor.pid;
      state.kago.executorStartTime = readProcStat(executor.pid)?.startTime;
      save();
      try {
        startContainerUnit(prepared.systemd, opts.id, executor.pid, spec, prepared.hierarchies);
      } catch (e) {
        // Its cgroup holds someone else's processes: the cleanup must not touch it.
        if (e instanceof UnitExistsError) state.kago.cgroup = { dirs: [], created: [] };
        // Without a bus (no systemd) there is no unit to stop, and trying would fail the cleanup.
        else if (!unitStartRequested()) delete state.kago.cgroup.systemd;
        throw e;
      }
      crashPoint('unit-started');
    }
    createCgroupDirs(prepared.cgroupLeaves, prepared.hierarchies, state.kago.cgroup, save);
    // A cgroup made below a frozen one starts frozen.
    refuseFrozenCgroup(prepared.cgroupLeaves);
    const target = { hierarchies: prepared.hierarchies, dirs: prepared.cgroupLeaves };
    if (!spec.linux?.cgroupsPath) lendRealtimeBudget(spec.linux?.resources?.cpu, target);
    if (prepared.cgroupLeaves.length) applyCgroupLimits(spec.linux?.resources, target);
    crashPoint('cgroups-made');
    runPlan(plan, executor ?? startExecutor(executorIo(prepared.preserved, console?.fd)), {
      started(pid) {
        // An executor started ahead is in the state since the claim.
        if (state.kago.executorPid !== pid) {
          state.kago.executorPid = pid;
          state.kago.executorStartTime = readProcStat(pid)?.startTime;
          save();
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
        sendListenerToAgent(filter!.listener!, fd, state, 'creating');
      },
      netDevicesRequested(pid) {
        moveNetDevices(spec, pid);
      },
      childForked(pid) {
        state.pid = pid;
        state.kago.initStartTime = readProcStat(pid)?.startTime;
        save();
        crashPoint('init-forked');
      },
    }, encoded);
    crashPoint('init-ready');
    state.status = 'created';
    save();
    if (opts.pidFile) writePidFile(opts.pidFile, state.pid);
  } catch (e) {
    closeConsole(console);
    closeProcessPipes(opts.pipes);
    try {
      destroyContainer(store, state);
    } catch {
      // the original error says more than the cleanup's
    }
    throw e;
  }
  if (console) closeSync(console.fd);
  return console?.own === undefined ? { state } : { state, console: console.own };
}

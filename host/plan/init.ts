// Stage 2, the init process (pid 1 of a new pid namespace): the root
// filesystem, the kernel settings, the user, then READY and the wait on the
// exec FIFO, and finally execve of the container's program.
import type { Spec } from '../../wasm/spec.gen.ts';
import * as L from './linux.ts';
import { propagationFlags } from './mount-options.ts';
import { has, wantsNew } from './namespaces.ts';
import { addProcessKernelSettings, addSysctls } from './kernel.ts';
import { addDevices, addDevLinks, addMounts, addOpenRootfs, addReadonlyRemounts, addRootSwitch, addWorkingDirectory } from './rootfs.ts';
import { addLimits, addSeccomp, addUserAndCapabilities } from './security.ts';
import { addPreservedFds } from './exec.ts';
import { type Compiled, CONSOLE_FD, type CreateSlots, type HostFacts, type PlanOptions, type PlannedOp } from './types.ts';

type Add = (op: PlannedOp['op'], what: string) => void;

export function buildInitOps(spec: Spec, facts: HostFacts, compiled: Compiled, options: PlanOptions, slots: CreateSlots): PlannedOp[] {
  const ops: PlannedOp[] = [];
  const add: Add = (op, what) => ops.push({ stage: 'init', op, what });
  const proc = spec.process!;

  add({ op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: L.SIGKILL }, 'set the parent-death signal');
  // The intermediate process was never in the container's cgroup (intermediate.ts): init roots the namespace there.
  if (facts.cloneIntoCgroup && wantsNew(spec, 'cgroup')) add({ op: 'unshare', flags: L.CLONE_NEWCGROUP }, 'create the cgroup namespace');
  // runc (nsexec) puts every container process in a session of its own: it
  // must not share kago's caller's controlling terminal (/dev/tty). With a
  // terminal, setup_console starts the session.
  if (!facts.console) add({ op: 'setsid' }, 'start a new session');
  // Modes in the plan are exact (device nodes are 0666); the process's own umask comes last.
  add({ op: 'umask', mask: 0 }, 'clear the umask for setup');
  // runc gives every container a session keyring of its own, so that keys
  // (kernel keyring) are not shared with the host's session.
  if (!options.noNewKeyring && options.id) add({ op: 'new_session_keyring', name: options.id }, `join a new session keyring ${options.id}`);

  // runtime-spec config-linux.md: without a `mount` entry the container MUST
  // inherit kago's mount namespace. Its mounts are then made in that
  // namespace, under a bind of the root file system that `delete` detaches
  // (host/lifecycle/inherited-mounts.ts); the host's own mounts are left as
  // they are, and the switch is a chroot (runc does the same, but leaves the
  // mounts behind). A namespace joined by path is set up as a new one: its
  // pivot_root moves the root of every other process there whose root was
  // the old one too (pivot_root(2)), which is what sharing it means.
  const inherit = !has(spec, 'mount');
  const propagation = spec.linux?.rootfsPropagation;
  // Default rslave: host mounts still reach the container, the container's never reach the host.
  const rootFlags = propagation ? propagationFlags(propagation)! : L.MS_SLAVE | L.MS_REC;
  // Shared and unbindable are the new root's alone, set once it is "/": a
  // shared copy of the host's mounts would leak the container's mounts to the
  // host, and unbindable ones would refuse the binds below (EINVAL; runc 1.1.5
  // fails so, runc 1.2 applies them after the switch too).
  const late = rootFlags & (L.MS_SHARED | L.MS_UNBINDABLE);
  const early = late ? L.MS_SLAVE : rootFlags;
  if (inherit) {
    add({ op: 'mount', source: facts.rootfs, target: facts.rootfs, fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' }, 'bind the root filesystem onto itself');
    // On the bind only: the container's mounts must not reach the host's peers.
    add({ op: 'mount', source: '', target: facts.rootfs, fstype: '', flags: early | L.MS_REC, data: '' }, 'change the propagation of the root file system');
  } else {
    add({ op: 'mount', source: '', target: '/', fstype: '', flags: early | L.MS_REC, data: '' }, 'change the propagation of the host mounts');
    // pivot_root refuses a new root whose parent mount is shared.
    add({ op: 'mount', source: '', target: facts.rootfsParentMount, fstype: '', flags: L.MS_PRIVATE, data: '' }, `make ${facts.rootfsParentMount} private`);
    add({ op: 'mount', source: facts.rootfs, target: facts.rootfs, fstype: '', flags: L.MS_BIND | L.MS_REC, data: '' }, 'bind the root filesystem onto itself');
  }
  const root = addOpenRootfs(facts, slots.alloc, add);

  addMounts(spec, facts, slots, root, add);
  addDevices(spec, facts, root, add);
  addDevLinks(spec, facts, root, add);
  addWorkingDirectory(proc.cwd, root, add);

  const consoleSocket = facts.console ? slots.alloc.take('the console socket') : undefined;
  if (consoleSocket !== undefined) {
    add({ op: 'adopt_fd', fd: CONSOLE_FD, slot: consoleSocket }, 'take the console socket');
    // The slave is bound here once it exists (runc does the same).
    add({ op: 'mkfile_in_root', root, path: '/dev/console', mode: 0o666 }, 'create /dev/console');
  }
  addCreateHooks(spec, facts.rootfs, add);
  addReadonlyRemounts(spec, root, add);

  addRootSwitch(facts, inherit ? 'chroot' : options.noPivot ? 'move' : 'pivot', spec, { slot: root, alloc: slots.alloc }, add);
  if (late) add({ op: 'mount', source: '', target: '/', fstype: '', flags: rootFlags, data: '' }, `make / ${propagation}`);
  if (facts.console && consoleSocket !== undefined) {
    const { rows, cols } = facts.console;
    add({ op: 'setup_console', socket_slot: consoleSocket, rows, cols, console: '/dev/console' }, 'set up the terminal');
    slots.alloc.release(consoleSocket);
  }
  if (spec.root?.readonly) add({ op: 'remount', target: '/', flags: L.MS_RDONLY }, 'remount / read-only');
  if (spec.hostname !== undefined) add({ op: 'sethostname', name: spec.hostname }, `set the hostname to ${spec.hostname}`);
  if (spec.domainname !== undefined) add({ op: 'setdomainname', name: spec.domainname }, `set the domain name to ${spec.domainname}`);
  // After /proc is mounted and before readonlyPaths makes /proc/sys read-only (runc's order).
  addSysctls(spec, add);
  for (const path of spec.linux?.readonlyPaths ?? []) add({ op: 'readonly_path', path }, `make ${path} read-only`);
  for (const path of spec.linux?.maskedPaths ?? []) add({ op: 'mask_path', path }, `mask ${path}`);

  addLimits(spec, add);
  addProcessKernelSettings(spec, facts, add);
  // runc's order: without no_new_privs, loading a filter needs CAP_SYS_ADMIN,
  // so it happens before the user switch drops it; with no_new_privs, as late
  // as possible. Either way the executor's last calls (sendmsg, open, write,
  // execve) must be allowed by the profile, as with runc.
  const filter = compiled.seccomp;
  if (filter && !spec.process!.noNewPrivileges) addSeccomp(filter, add);
  addUserAndCapabilities(spec, facts, add, { callersStdio: options.callersStdio === true && !facts.console });

  const args = proc.args ?? [];
  add({ op: 'check_exec', path: args[0]!, envp: proc.env ?? [] }, `find ${args[0]}`);
  // From READY on the container must outlive `kago create`.
  add({ op: 'prctl', option: L.PR_SET_PDEATHSIG, arg2: 0 }, 'clear the parent-death signal');
  if (filter && spec.process!.noNewPrivileges) addSeccomp(filter, add);
  add({ op: 'ready' }, 'report ready');
  add({ op: 'wait_exec_fifo', slot: slots.fifo }, 'wait for start on the exec FIFO');
  addHookOps('startContainer', spec, add);
  addPreservedFds(options.preservedFds ?? 0, add);
  add({ op: 'exec', path: args[0]!, argv: args, envp: proc.env ?? [] }, `exec ${args[0]}`);
  return ops;
}

/**
 * runtime-spec config.md: prestart and createRuntime run in the runtime
 * namespace, createContainer in the container's, all after the environment
 * is set up and before pivot_root. Init asks kago for the first two and
 * runs the third itself.
 */
function addCreateHooks(spec: Spec, rootfs: string, add: Add): void {
  const h = spec.hooks;
  if (!h?.prestart?.length && !h?.createRuntime?.length && !h?.createContainer?.length) return;
  add({ op: 'sync_hooks' }, 'run the prestart and createRuntime hooks');
  // runc runs createContainer hooks in the root filesystem (its host path,
  // before pivot_root), so relative paths in them mean the container's files.
  if (h.createContainer?.length) add({ op: 'chdir', path: rootfs }, `chdir to ${rootfs} for the createContainer hooks`);
  addHookOps('createContainer', spec, add);
}

/**
 * Hooks init runs. Without an env of their own they get the container
 * process's environment, as with runc, whose init has taken that
 * environment by then (its own, which Go's exec.Cmd passes on). They run
 * where init is: the root filesystem for createContainer (above), the
 * process's cwd for startContainer.
 */
function addHookOps(kind: 'createContainer' | 'startContainer', spec: Spec, add: Add): void {
  (spec.hooks?.[kind] ?? []).forEach((hook, i) => {
    const argv = hook.args?.length ? hook.args : [hook.path];
    const envp = hook.env ?? spec.process?.env ?? [];
    add({ op: 'run_hook', path: hook.path, argv, envp, timeout_ms: (hook.timeout ?? 0) * 1000 }, `${kind} hook ${i} (${hook.path})`);
  });
}

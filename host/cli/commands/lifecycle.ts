// create, start, run, kill, delete: thin wrappers over host/lifecycle.
import type { CreateOptions } from '../../lifecycle/create.ts';
import { parseSignal } from '../signal.ts';
import { validateId } from '../../state/store.ts';
import { UsageError } from '../../errors.ts';
import { bool, type FlagSpec, type Parsed, str } from '../args.ts';
import { type Command, requireArgs } from '../command.ts';
import { writeOut } from '../../output.ts';
import type { RecordOptions } from '../../seccomp-record/request.ts';

const createFlags: FlagSpec[] = [
  { names: ['bundle', 'b'], type: 'string', arg: 'DIR', help: 'path to the bundle (default: the current directory)' },
  { names: ['pid-file'], type: 'string', arg: 'FILE', help: 'write the init process pid to FILE' },
  { names: ['console-socket'], type: 'string', arg: 'PATH', help: 'unix socket that receives the pty master (process.terminal)' },
  { names: ['no-pivot'], type: 'bool', help: 'use MS_MOVE and chroot instead of pivot_root' },
  { names: ['no-new-keyring'], type: 'bool', help: 'do not create a session keyring' },
  { names: ['preserve-fds'], type: 'int', arg: 'N', help: 'pass N extra fds (from fd 3) to the container' },
  { names: ['dry-run'], type: 'bool', help: 'print the plan the executor would run, and do nothing' },
  { names: ['seccomp-record'], type: 'string', arg: 'FILE', help: 'record the system calls the container makes; write the seccomp profile they need to FILE' },
  { names: ['seccomp-record-args'], type: 'bool', help: 'with --seccomp-record: argument rules for clone, personality and socket' },
];

function recordOptions(args: Parsed): RecordOptions | undefined {
  const file = str(args.flags, 'seccomp-record');
  if (file === undefined && bool(args.flags, 'seccomp-record-args')) throw new UsageError('--seccomp-record-args needs --seccomp-record FILE');
  return file === undefined ? undefined : { file, args: bool(args.flags, 'seccomp-record-args') };
}

function createOptions(id: string, args: Parsed): CreateOptions {
  const preserve = Number(str(args.flags, 'preserve-fds') ?? 0);
  if (preserve < 0) throw new UsageError('--preserve-fds must not be negative');
  return {
    id,
    bundle: str(args.flags, 'bundle'),
    pidFile: str(args.flags, 'pid-file'),
    noPivot: bool(args.flags, 'no-pivot'),
    consoleSocket: str(args.flags, 'console-socket'),
    noNewKeyring: bool(args.flags, 'no-new-keyring'),
    preserveFds: preserve,
    seccompRecord: recordOptions(args),
  };
}

export const create: Command = {
  name: 'create',
  usage: 'create [command options] <container-id>',
  summary: 'create a container (its init waits for start)',
  flags: createFlags,
  interspersed: true,
  async run(ctx, args) {
    const [id] = requireArgs(args, 1, 1, 'container id');
    validateId(id!);
    const opts = { ...createOptions(id!, args), systemdCgroup: ctx.systemdCgroup };
    const { createContainer, prepareCreate, warmUpCreate } = await import('../../lifecycle/create.ts');
    if (bool(args.flags, 'dry-run')) {
      const { showPlan } = await import('../../plan/show.ts');
      writeOut(showPlan(prepareCreate(ctx.store, opts).plan));
      return 0;
    }
    await warmUpCreate(opts);
    createContainer(ctx.store, opts);
    return 0;
  },
};

export const run: Command = {
  name: 'run',
  usage: 'run [command options] <container-id>',
  summary: 'create and start a container; wait for it unless --detach',
  flags: [
    ...createFlags.filter((f) => f.names[0] !== 'dry-run'),
    { names: ['detach', 'd'], type: 'bool', help: 'do not wait for the container to exit' },
    { names: ['keep'], type: 'bool', help: 'do not delete the container after it exits' },
  ],
  interspersed: true,
  async run(ctx, args) {
    const [id] = requireArgs(args, 1, 1, 'container id');
    validateId(id!);
    const opts = { ...createOptions(id!, args), systemdCgroup: ctx.systemdCgroup };
    // A foreground run relays its stdio through pipes made with the executor.
    if (!bool(args.flags, 'detach')) opts.foreground = true;
    const [{ warmUpCreate }, { runDetached, runForeground }] = await Promise.all([import('../../lifecycle/create.ts'), import('../../lifecycle/run.ts')]);
    await warmUpCreate(opts);
    if (bool(args.flags, 'detach')) {
      runDetached(ctx.store, opts);
      return 0;
    }
    return runForeground(ctx.store, opts, bool(args.flags, 'keep'));
  },
};

export const start: Command = {
  name: 'start',
  usage: 'start <container-id>',
  summary: 'start a created container',
  flags: [],
  interspersed: true,
  async run(ctx, args) {
    const [id] = requireArgs(args, 1, 1, 'container id');
    const { startContainer } = await import('../../lifecycle/start.ts');
    startContainer(ctx.store, id!);
    return 0;
  },
};

export const kill: Command = {
  name: 'kill',
  usage: 'kill [command options] <container-id> [signal]',
  summary: 'send a signal (default SIGTERM) to the container',
  flags: [{ names: ['all', 'a'], type: 'bool', help: 'send it to every process of the container' }],
  interspersed: true,
  async run(ctx, args) {
    const [id, sig] = requireArgs(args, 1, 2, 'container id and optional signal');
    const { killContainer } = await import('../../lifecycle/kill.ts');
    killContainer(ctx.store, id!, parseSignal(sig ?? 'SIGTERM'), bool(args.flags, 'all'));
    return 0;
  },
};

export const del: Command = {
  name: 'delete',
  usage: 'delete [command options] <container-id>',
  summary: 'delete a container and everything it holds',
  flags: [{ names: ['force', 'f'], type: 'bool', help: 'kill it first if it is still running' }],
  interspersed: true,
  async run(ctx, args) {
    const ids = requireArgs(args, 1, Infinity, 'container ids');
    const { deleteContainer } = await import('../../lifecycle/delete.ts');
    for (const id of ids) deleteContainer(ctx.store, id, bool(args.flags, 'force'));
    return 0;
  },
};

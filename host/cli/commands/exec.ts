// `kago exec`: runc's flags, a process from --process FILE or from the
// container's own process with the command line's changes.
import { UsageError } from '../../errors.ts';
import { getCore } from '../../core.ts';
import { execInContainer } from '../../lifecycle/exec.ts';
import { CAPABILITIES } from '../../plan/capabilities.ts';
import type { Process } from '../../../wasm/spec.gen.ts';
import { formatProblem, MAX_CONFIG_BYTES } from '../../spec/load.ts';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { setBlocking } from '../../sys/libc.ts';
import { KagoError, StatusError } from '../../errors.ts';
import { bool, type FlagValues, str } from '../args.ts';
import { type Command, type Context, requireArgs } from '../command.ts';

function list(flags: FlagValues, name: string): string[] {
  const v = flags.get(name);
  return Array.isArray(v) ? v : [];
}

/**
 * process.json as engines pass it: a file, or a pipe (`-p /dev/fd/N`, or a
 * shell's process substitution), read to its end with a bound.
 */
function readProcessText(path: string): string {
  let fd: number;
  try {
    // Non-blocking: a FIFO nobody writes to must not hang exec in open(2).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KagoError(path, code === 'ENOENT' ? 'does not exist' : String(code ?? (e as Error).message), { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new KagoError(path, 'is a directory');
    // A pipe then reads to the writer's end; one with no writer reads as empty.
    if (st.isFIFO()) setBlocking(fd);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = readSync(fd, chunk);
      if (n === 0) break;
      total += n;
      if (total > MAX_CONFIG_BYTES) throw new KagoError(path, `is larger than ${MAX_CONFIG_BYTES} bytes`);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * A process.json checked by the core, as the process of a minimal config.
 * What it leaves out is what runc fills in: user is uid 0, gid 0 (Go's zero
 * values); capabilities and rlimits are the container's.
 */
function readProcessFile(path: string, base: Process | undefined): Process {
  let text = readProcessText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // the core says where the JSON is broken
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && !('user' in parsed)) {
    // Inserted into the text rather than re-serialized: 64-bit rlimits would not survive JSON.parse.
    const open = text.indexOf('{');
    const empty = Object.keys(parsed).length === 0;
    text = `${text.slice(0, open + 1)}"user":{"uid":0,"gid":0}${empty ? '' : ','}${text.slice(open + 1)}`;
  }
  const wrapped = `{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":${text}}`;
  const result = getCore().validateConfig(wrapped, { requireProcess: true });
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length || !result.config?.process) {
    const lines = errors.map((p) => formatProblem(path, { ...p, pointer: p.pointer.replace(/^\/process/, '') }));
    throw new KagoError(path, lines[0]?.slice(path.length + 2) ?? 'invalid process', { details: lines.slice(1) });
  }
  const process = result.config.process;
  if (base?.capabilities && !process.capabilities) process.capabilities = base.capabilities;
  if (base?.rlimits && !process.rlimits?.length) process.rlimits = base.rlimits;
  return process;
}

function upsertEnv(env: string[], entry: string): string[] {
  const key = entry.split('=')[0];
  return [...env.filter((e) => e.split('=')[0] !== key), entry];
}

function parseIds(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be numeric, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** runc's getProcess: the container's process, changed by the flags. */
function processFromFlags(base: Process, flags: FlagValues, args: string[]): Process {
  if (args.length === 0) throw new UsageError('exec needs a command to run (or --process FILE)');
  const p: Process = structuredClone(base);
  p.args = args;
  p.terminal = bool(flags, 'tty');
  const cwd = str(flags, 'cwd');
  if (cwd) p.cwd = cwd;
  for (const e of list(flags, 'env')) p.env = upsertEnv(p.env ?? [], e);
  const user = str(flags, 'user');
  if (user) {
    const [uid, gid] = user.split(':');
    p.user = { ...p.user, uid: parseIds(uid!, '--user uid'), gid: gid !== undefined ? parseIds(gid, '--user gid') : p.user.gid };
  }
  const gids = list(flags, 'additional-gids');
  if (gids.length) p.user.additionalGids = gids.map((g) => parseIds(g, '--additional-gids'));
  for (const cap of list(flags, 'cap')) {
    if (!(CAPABILITIES as readonly string[]).includes(cap)) throw new UsageError(`--cap: unknown capability ${JSON.stringify(cap)}`);
    p.capabilities ??= {};
    // runc CVE-2022-29162: --cap grants the capability to this process only;
    // in the inheritable (and so ambient) set it would pass on to programs it
    // execs, file capabilities or not. runc 1.1.2+ adds it to these three.
    for (const set of ['bounding', 'effective', 'permitted'] as const) {
      p.capabilities[set] = [...new Set([...(p.capabilities[set] ?? []), cap])];
    }
  }
  if (bool(flags, 'no-new-privs')) p.noNewPrivileges = true;
  return p;
}

export const exec: Command = {
  name: 'exec',
  usage: 'exec [command options] <container-id> <command> [command options]  ||  -p process.json <container-id>',
  summary: 'run a new process in a running container',
  flags: [
    { names: ['console-socket'], type: 'string', arg: 'PATH', help: 'unix socket that receives the pty master' },
    { names: ['cwd'], type: 'string', arg: 'DIR', help: 'working directory in the container' },
    { names: ['env', 'e'], type: 'list', arg: 'NAME=VALUE', help: 'set an environment variable (repeatable)' },
    { names: ['tty', 't'], type: 'bool', help: 'allocate a pseudo-terminal' },
    { names: ['user', 'u'], type: 'string', arg: 'UID[:GID]', help: 'run as this user' },
    { names: ['additional-gids', 'g'], type: 'list', arg: 'GID', help: 'an additional group (repeatable)' },
    { names: ['process', 'p'], type: 'string', arg: 'FILE', help: 'the process, as the JSON of config.json process' },
    { names: ['detach', 'd'], type: 'bool', help: 'do not wait for the process' },
    { names: ['pid-file'], type: 'string', arg: 'FILE', help: 'write the process pid to FILE' },
    { names: ['process-label'], type: 'string', arg: 'LABEL', help: 'SELinux label (needs SELinux)' },
    { names: ['apparmor'], type: 'string', arg: 'PROFILE', help: 'AppArmor profile (needs AppArmor)' },
    { names: ['no-new-privs'], type: 'bool', help: 'set no_new_privs' },
    { names: ['cap', 'c'], type: 'list', arg: 'CAP', help: 'add a capability (repeatable)' },
    { names: ['preserve-fds'], type: 'int', arg: 'N', help: "pass on kago's fds 3 .. 3+N-1" },
    { names: ['cgroup'], type: 'list', arg: '[CONTROLLER:]PATH', help: 'run in this sub-cgroup of the container (repeatable)' },
    { names: ['ignore-paused'], type: 'bool', help: 'exec even if the container is paused' },
  ],
  async run(ctx, args) {
    const [id, ...command] = requireArgs(args, 1, Infinity, 'container id and command');
    try {
      return await execCommand(ctx, id, command, args.flags);
    } catch (e) {
      // runc: `exec failed: ...` exits 255, whatever failed after the arguments were read.
      throw new StatusError(e, 255);
    }
  },
};

async function execCommand(ctx: Context, id: string, command: string[], flags: FlagValues): Promise<number> {
  if (str(flags, 'process-label')) throw new UsageError('--process-label: SELinux is not enabled on this host');
  if (str(flags, 'apparmor')) throw new UsageError('--apparmor: AppArmor is not enabled on this host');
  const file = str(flags, 'process');
  let process: Process;
  if (file) {
    if (command.length) throw new UsageError('give either --process or a command, not both');
    process = readProcessFile(file, ctx.store.read(id).kago.process);
  } else {
    const base = ctx.store.read(id).kago.process;
    if (!base) throw new KagoError(`container ${id}`, 'its state has no process to start from');
    process = processFromFlags(base, flags, command);
  }
  return execInContainer(ctx.store, {
    id,
    process,
    detach: bool(flags, 'detach'),
    pidFile: str(flags, 'pid-file'),
    ignorePaused: bool(flags, 'ignore-paused'),
    consoleSocket: str(flags, 'console-socket'),
    preserveFds: Number(str(flags, 'preserve-fds') ?? 0),
    subCgroups: list(flags, 'cgroup'),
  });
}

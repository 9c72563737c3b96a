// kago's command line: runc's global flags, commands and exit codes, since
// engines drive it exactly as they drive runc.
import { causeChain, exitStatusOf, formatError, KagoError, UsageError } from '../errors.ts';
import { configureLog, log } from '../log.ts';
import { defaultStateRoot } from '../paths.ts';
import { StateStore } from '../state/store.ts';
import { KAGO_VERSION, SPEC_VERSION } from '../version.ts';
import { bool, type FlagSpec, formatFlagHelp, parseFlags, str } from './args.ts';
import type { Command } from './command.ts';
import { writeOut, writeErr } from '../output.ts';
import { RECORDER_COMMAND } from '../seccomp-record/command.ts';
import { START_FAILED_COMMAND } from '../lifecycle/start-failed-command.ts';

const GLOBAL_FLAGS: FlagSpec[] = [
  { names: ['root'], type: 'string', arg: 'DIR', help: 'where container state is kept (default: /run/kago; for a user, $XDG_RUNTIME_DIR/kago)' },
  { names: ['log'], type: 'string', arg: 'FILE', help: 'write log messages to FILE (default: stderr)' },
  { names: ['log-format'], type: 'string', arg: 'text|json', help: 'log format (default: text)' },
  { names: ['debug'], type: 'bool', help: 'log debug messages' },
  { names: ['systemd-cgroup'], type: 'bool', help: 'use the systemd cgroup driver: the cgroup is a transient scope unit (cgroupsPath "slice:prefix:name")' },
  { names: ['rootless'], type: 'string', arg: 'true|false|auto', help: 'accepted for runc compatibility' },
  { names: ['criu'], type: 'string', arg: 'PATH', help: 'accepted for runc compatibility (checkpointing is not supported)' },
  { names: ['version', 'v'], type: 'bool', help: 'print the version' },
  { names: ['help', 'h'], type: 'bool', help: 'show help' },
];

// Each command's module is evaluated only when that command runs (or help
// lists them all): under Bun a short command such as state or start pays
// for evaluating every module it loads, and most of kago is create's.
const lifecycle = () => import('./commands/lifecycle.ts');
const info = () => import('./commands/info.ts');
const cgroups = () => import('./commands/cgroups.ts');
const tools = () => import('./commands/tools.ts');
const COMMANDS: Record<string, () => Promise<Command>> = {
  create: async () => (await lifecycle()).create,
  start: async () => (await lifecycle()).start,
  run: async () => (await lifecycle()).run,
  exec: async () => (await import('./commands/exec.ts')).exec,
  state: async () => (await info()).state,
  kill: async () => (await lifecycle()).kill,
  delete: async () => (await lifecycle()).del,
  list: async () => (await info()).list,
  ps: async () => (await cgroups()).ps,
  pause: async () => (await cgroups()).pause,
  resume: async () => (await cgroups()).resume,
  update: async () => (await cgroups()).update,
  events: async () => (await cgroups()).events,
  spec: async () => (await tools()).spec,
  features: async () => (await tools()).features,
  validate: async () => (await tools()).validate,
  seccomp: async () => (await import('./commands/seccomp.ts')).seccomp,
};

function commandFor(name: string): Promise<Command> | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]!() : undefined;
}

function versionText(): string {
  const runtime = process.versions.bun ? `bun: ${process.versions.bun}` : `node: ${process.version}`;
  return `kago version ${KAGO_VERSION}\nspec: ${SPEC_VERSION}\n${runtime}\n`;
}

async function usage(): Promise<string> {
  const all = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const cmds = all.map((c) => `   ${c.name.padEnd(12)} ${c.summary}`).join('\n');
  return `kago: an OCI container runtime\n\nUSAGE:\n   kago [global options] command [command options] [arguments...]\n\nCOMMANDS:\n${cmds}\n   help         show help for a command\n\nGLOBAL OPTIONS:\n${formatFlagHelp(GLOBAL_FLAGS)}\n`;
}

function commandUsage(c: Command): string {
  const flags = c.flags.length ? `\n\nOPTIONS:\n${formatFlagHelp([...c.flags, { names: ['help', 'h'], type: 'bool', help: 'show help' }])}` : '';
  return `kago ${c.name} - ${c.summary}\n\nUSAGE:\n   kago ${c.usage}${flags}\n`;
}

async function main(argv: string[]): Promise<number> {
  const global = parseFlags(argv, GLOBAL_FLAGS);
  const logFormat = str(global.flags, 'log-format') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`invalid log format ${JSON.stringify(logFormat)}`);
  configureLog({ file: str(global.flags, 'log'), format: logFormat, debug: bool(global.flags, 'debug') });
  if (bool(global.flags, 'version')) {
    writeOut(versionText());
    return 0;
  }
  const [name, ...rest] = global.positionals;
  if (!name || name === 'help' || bool(global.flags, 'help')) {
    const topic = name === 'help' && rest[0] !== undefined ? await commandFor(rest[0]) : undefined;
    writeOut(topic ? commandUsage(topic) : await usage());
    return 0;
  }
  if (name === RECORDER_COMMAND) return (await import('../seccomp-record/recorder.ts')).runRecorder(rest[0]);
  if (name === START_FAILED_COMMAND)
    (await import('../lifecycle/start.ts')).reportStartFailure(new StateStore(str(global.flags, 'root') ?? defaultStateRoot()), rest);
  const command = await commandFor(name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; see kago help`);
  const parsed = parseFlags(rest, [...command.flags, { names: ['help', 'h'], type: 'bool', help: '' }], command.interspersed);
  if (bool(parsed.flags, 'help')) {
    writeOut(commandUsage(command));
    return 0;
  }
  const root = str(global.flags, 'root') ?? defaultStateRoot();
  log('debug', `${name} ${rest.join(' ')}`);
  return command.run({ store: new StateStore(root), root, systemdCgroup: bool(global.flags, 'systemd-cgroup') }, parsed);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const text = formatError(err);
    // The user sees one line; --debug shows what led to it, with errnos and paths.
    for (const [i, cause] of causeChain(err).entries()) log('debug', `${i === 0 ? 'error' : 'caused by'}: ${cause}`);
    // Not one of kago's own errors: a fault in kago, whose stack says where.
    if (!(err instanceof KagoError) && err instanceof Error && err.stack) log('debug', err.stack);
    log('error', text);
    writeErr(`kago: ${text}\n`);
    process.exitCode = exitStatusOf(err);
  },
);

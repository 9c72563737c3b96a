// kago's command line: runc's global flags, commands and exit codes, since
// engines drive it exactly as they drive runc.
import { causeChain, exitStatusOf, formatError, KagoError, UsageError } from '../errors.ts';
import { configureLog, log } from '../log.ts';
import { defaultStateRoot } from '../paths.ts';
import { StateStore } from '../state/store.ts';
import { KAGO_VERSION, SPEC_VERSION } from '../version.ts';
import { bool, type FlagSpec, formatFlagHelp, parseFlags, str } from './args.ts';
import type { Command } from './command.ts';
import { features, spec, validate } from './commands/tools.ts';
import { list, state } from './commands/info.ts';
import { create, del, kill, run, start } from './commands/lifecycle.ts';
import { exec } from './commands/exec.ts';
import { seccomp } from './commands/seccomp.ts';
import { events, pause, ps, resume, update } from './commands/cgroups.ts';
import { writeOut, writeErr } from '../output.ts';
import { RECORDER_COMMAND } from '../seccomp-record/lifecycle.ts';
import { runRecorder } from '../seccomp-record/recorder.ts';

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

const COMMANDS: Command[] = [create, start, run, exec, state, kill, del, list, ps, pause, resume, update, events, spec, features, validate, seccomp];

function versionText(): string {
  const runtime = process.versions.bun ? `bun: ${process.versions.bun}` : `node: ${process.version}`;
  return `kago version ${KAGO_VERSION}\nspec: ${SPEC_VERSION}\n${runtime}\n`;
}

function usage(): string {
  const cmds = COMMANDS.map((c) => `   ${c.name.padEnd(12)} ${c.summary}`).join('\n');
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
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    writeOut(topic ? commandUsage(topic) : usage());
    return 0;
  }
  if (name === RECORDER_COMMAND) return runRecorder(rest[0]);
  const command = COMMANDS.find((c) => c.name === name);
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

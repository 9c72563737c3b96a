// Errors are values: each says where (a JSON pointer, a plan operation, a
// file or a container) and why, and keeps what caused it (a failed system
// call with its errno and path, a D-Bus reply, a malformed answer of the
// core). They become text in one place: the CLI prints formatError's one
// line and, at debug level, causeChain's lines (cli/main.ts).
//
// This module imports nothing, so every layer, wasm/ included, can use it.

export interface KagoErrorOptions {
  /** the error this one explains: a SyscallError, a Node ErrnoException, another KagoError */
  cause?: unknown;
  /** further problems reported together with this one (all validation errors) */
  details?: readonly string[];
}

export class KagoError extends Error {
  /** "config.json: /mounts/3/destination", "mount proc on /proc", "container abc" */
  readonly where: string;
  readonly reason: string;
  readonly details: readonly string[];
  constructor(where: string, reason: string, options: KagoErrorOptions = {}) {
    super(where ? `${where}: ${reason}` : reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.where = where;
    this.reason = reason;
    this.details = options.details ?? [];
  }
}

/** Bad use of the command line: runc exits 1 for these too, after printing usage hints. */
export class UsageError extends KagoError {
  constructor(reason: string) {
    super('', reason);
  }
}

/**
 * An error that ends the command with a status other than 1: runc's exec
 * exits 255 for its own failures, so that callers can tell them from the
 * exit status of the program it ran. It says nothing of its own: its
 * cause is the error.
 */
export class StatusError extends KagoError {
  readonly status: number;
  constructor(cause: unknown, status: number) {
    super('', cause instanceof Error ? cause.message : String(cause), { cause });
    this.status = status;
  }
}

export function exitStatusOf(err: unknown): number {
  return err instanceof StatusError ? err.status : 1;
}

/** The fields Node puts on a failed fs or child_process call (and SyscallError has too). */
interface ErrnoFields {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  path?: unknown;
}

/** What the user sees: one line (and one for each further validation problem). */
export function formatError(err: unknown): string {
  if (err instanceof StatusError) return formatError(err.cause);
  if (err instanceof KagoError) {
    return [err.message, ...err.details].join('\n');
  }
  if (err instanceof Error) {
    const { code, path } = err as ErrnoFields;
    if (typeof code === 'string' && typeof path === 'string') return `${path}: ${code}`;
    return err.message;
  }
  return String(err);
}

/** One line for one error of a chain, with the errno, system call and path when it has them. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code, errno, syscall, path } = err as ErrnoFields;
  const facts = [
    typeof errno === 'number' ? `errno ${Math.abs(errno)}${typeof code === 'string' && !err.message.includes(code) ? ` ${code}` : ''}` : '',
    typeof syscall === 'string' && !err.message.includes(syscall) ? `syscall ${syscall}` : '',
    typeof path === 'string' && !err.message.includes(path) ? `path ${path}` : '',
  ].filter(Boolean);
  return facts.length ? `${err.message} (${facts.join(', ')})` : err.message;
}

/**
 * The error and what caused it, outermost first, one line each: what
 * `--debug` adds to the line formatError makes. A StatusError is left out,
 * having nothing to say of its own.
 */
export function causeChain(err: unknown): string[] {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== undefined && !seen.has(e); e = e instanceof Error ? e.cause : undefined) {
    seen.add(e);
    if (!(e instanceof StatusError)) lines.push(describe(e));
  }
  return lines;
}

// Errors are values: each says where (a JSON pointer, a plan operation, a
// file or a container) and why. They become text in one place, formatError.

export class KagoError extends Error {
  /** "config.json: /mounts/3/destination", "mount proc on /proc", "container abc" */
  readonly where: string;
  readonly reason: string;
  /** Further problems reported together with this one (all validation errors). */
  readonly details: readonly string[];
  constructor(where: string, reason: string, details: readonly string[] = []) {
    super(where ? `${where}: ${reason}` : reason);
    this.where = where;
    this.reason = reason;
    this.details = details;
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
 * exit status of the program it ran.
 */
export class StatusError extends Error {
  readonly status: number;
  readonly inner: unknown;
  constructor(inner: unknown, status: number) {
    super(inner instanceof Error ? inner.message : String(inner));
    this.inner = inner;
    this.status = status;
  }
}

export function exitStatusOf(err: unknown): number {
  return err instanceof StatusError ? err.status : 1;
}

export function formatError(err: unknown): string {
  if (err instanceof StatusError) return formatError(err.inner);
  if (err instanceof KagoError) {
    return [err.message, ...err.details].join('\n');
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const path = (err as NodeJS.ErrnoException).path;
    if (code && path) return `${path}: ${code}`;
    return err.message;
  }
  return String(err);
}

// runc's logging contract: `--log FILE` and `--log-format text|json`.
// conmon and the containerd shim read the JSON lines ({"level","msg","time"})
// from the log file to report why a command failed.
import { writeSync } from 'node:fs';
import { causeChain } from './errors.ts';
import { openForAppend } from './files.ts';
import { writeErr } from './output.ts';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface LogOptions {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

let options: LogOptions = { format: 'text', debug: false };
let fd: number | undefined;

/**
 * runc opens --log FILE first of all and fails when it cannot: an engine
 * that reads the file for errors must not find it missing later.
 */
export function configureLog(o: LogOptions): void {
  options = { ...o, file: undefined };
  fd = o.file ? openForAppend('--log ', o.file) : undefined;
  options = o;
}

/** Opened once, as files.ts opens a file to append to in a directory others may write. */
function logFd(file: string): number {
  fd ??= openForAppend('--log ', file);
  return fd;
}

function line(level: LogLevel, msg: string): string {
  const time = new Date().toISOString();
  if (options.format === 'json') return `${JSON.stringify({ level, msg, time })}\n`;
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export function log(level: LogLevel, msg: string): void {
  if (level === 'debug' && !options.debug) return;
  const text = line(level, msg);
  if (options.file) {
    try {
      writeSync(logFd(options.file), text);
      return;
    } catch {
      // fall through to stderr: losing the message would be worse
    }
  }
  if (level !== 'error') writeErr(text);
}

/**
 * A failure kago goes on after (a cleanup that failed while another error
 * is being reported, a hint that cannot be computed): not the user's
 * concern, but `--debug` says what it was, cause chain included.
 */
export function logFailure(what: string, err: unknown): void {
  log('debug', `${what}: ${causeChain(err).join(': ')}`);
}

// runc's logging contract: `--log FILE` and `--log-format text|json`.
// conmon and the containerd shim read the JSON lines ({"level","msg","time"})
// from the log file to report why a command failed.
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { KagoError } from './errors.ts';
import { writeErr } from './output.ts';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface LogOptions {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

let options: LogOptions = { format: 'text', debug: false };

/**
 * runc opens --log FILE first of all and fails when it cannot: an engine
 * that reads the file for errors must not find it missing later.
 */
export function configureLog(o: LogOptions): void {
  options = { ...o, file: undefined };
  if (o.file) {
    try {
      closeSync(openSync(o.file, 'a', 0o644));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new KagoError(`--log ${o.file}`, code === 'EISDIR' ? 'is a directory' : String(code ?? (e as Error).message));
    }
  }
  options = o;
}

function line(level: LogLevel, msg: string): string {
  const time = new Date().toISOString();
  if (options.format === 'json') return JSON.stringify({ level, msg, time }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export function log(level: LogLevel, msg: string): void {
  if (level === 'debug' && !options.debug) return;
  const text = line(level, msg);
  if (options.file) {
    try {
      appendFileSync(options.file, text);
      return;
    } catch {
      // fall through to stderr: losing the message would be worse
    }
  }
  if (level !== 'error') writeErr(text);
}

// process.terminal: init makes a pty in the container's devpts and sends
// its master over a unix socket (the console socket). Engines pass
// --console-socket; a foreground `run` or `exec` without one is its own
// receiver and relays between the pty and kago's stdio.
import { closeSync, createReadStream, writeSync } from 'node:fs';
import { KagoError, UsageError } from '../errors.ts';
import { useNormalJitPolicy } from '../sys/jit.ts';
import { clearOnlcr, connectUnix, recvWithFd, setWindowSize, streamPair } from '../sys/libc.ts';

export interface ConsoleEnd {
  /** the fd the executor gets (as fd 4) */
  fd: number;
  /** kago's end, when kago receives the master itself */
  own?: number;
}

/**
 * The console socket for a process with a terminal. create and detached
 * runs need --console-socket: nothing would be there to hold the master.
 */
export function openConsole(socketPath: string | undefined, foreground: boolean): ConsoleEnd {
  if (socketPath) {
    try {
      return { fd: connectUnix(socketPath) };
    } catch (e) {
      throw new KagoError(`--console-socket ${socketPath}`, (e as Error).message.replace(/^connect [^:]*: /, ''), { cause: e });
    }
  }
  if (!foreground) throw new UsageError('process.terminal needs --console-socket when kago does not stay in the foreground');
  const [own, theirs] = streamPair();
  return { fd: theirs, own };
}

/** The size to give the pty: the config's, or kago's own terminal's. */
export function consoleSize(size: { height: number; width: number } | undefined): { rows: number; cols: number } {
  if (size) return { rows: size.height, cols: size.width };
  if (process.stdout.isTTY) return { rows: process.stdout.rows, cols: process.stdout.columns };
  return { rows: 0, cols: 0 };
}

/**
 * The master fd init sent to kago's own console socket. As runc does when it
 * is the receiver, the pty no longer turns "\n" into "\r\n": the output
 * is relayed as the program wrote it. Called before the program runs.
 */
export function receiveMaster(own: number): number {
  const { fd: master } = recvWithFd(own, 256);
  closeSync(own);
  if (master === undefined) throw new KagoError('terminal', 'init sent no pty master');
  try {
    clearOnlcr(master);
  } catch (e) {
    closeSync(master);
    throw e;
  }
  return master;
}

/** Relays the pty master until the process is gone. */
export function relayConsole(master: number): { done: Promise<void> } {
  useNormalJitPolicy();
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  const toPty = (chunk: Buffer) => {
    try {
      writeSync(master, chunk);
    } catch {
      // the pty is gone with the process
    }
  };
  stdin.on('data', toPty);
  const onResize = () => setWindowSize(master, process.stdout.rows, process.stdout.columns);
  if (process.stdout.isTTY) process.on('SIGWINCH', onResize);
  const done = new Promise<void>((resolve) => {
    const out = createReadStream('', { fd: master, autoClose: false, highWaterMark: 16 * 1024 });
    out.on('data', (chunk) => process.stdout.write(chunk));
    // Reading a master whose slave is closed everywhere fails with EIO: the end.
    const finish = () => {
      stdin.off('data', toPty);
      stdin.pause();
      if (stdin.isTTY) stdin.setRawMode(false);
      process.off('SIGWINCH', onResize);
      closeSync(master);
      resolve();
    };
    out.on('error', finish);
    out.on('end', finish);
  });
  stdin.resume();
  return { done };
}

/** Both of kago's ends of a console that will not be used. */
export function closeConsole(console: ConsoleEnd | undefined): void {
  if (!console) return;
  closeSync(console.fd);
  if (console.own !== undefined) closeSync(console.own);
}

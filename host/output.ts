// kago's own output, written synchronously to fds 1 and 2: creating
// process.stdout's stream costs more than a short command's whole output
// (~1-2 ms under Bun), and a synchronous write is complete when kago exits.
import { writeSync } from 'node:fs';
import { dieOfSigpipe } from './sys/libc.ts';
import { sleepMs } from './sys/sleep.ts';

function writeAll(fd: number, data: string | Uint8Array): void {
  let bytes = typeof data === 'string' ? Buffer.from(data) : data;
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (e) {
      // `kago list | head -1`: the reader is gone, and so is the point of going on (runc dies of SIGPIPE there).
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') dieOfSigpipe();
      // An inherited non-blocking pipe that is full: wait for the reader.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      sleepMs(1);
    }
  }
}

export const writeOut = (data: string | Uint8Array): void => writeAll(1, data);
export const writeErr = (data: string | Uint8Array): void => writeAll(2, data);

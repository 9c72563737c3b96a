// The kernel log, read from /dev/kmsg by sequence number: counting lines of
// dmesg breaks once the ring buffer wraps, which a long test run makes it do.
import { closeSync, constants, openSync, readSync } from 'node:fs';

export interface KernelRecord {
  seq: number;
  message: string;
}

export function kernelLog(): KernelRecord[] {
  const fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  const records: KernelRecord[] = [];
  const buf = Buffer.alloc(16 * 1024);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') continue; // records overwritten while reading: go on with the next
        throw e;
      }
      // "prio,seq,timestamp,flags;message"
      const text = buf.toString('utf8', 0, n);
      const [header = '', ...rest] = text.split(';');
      records.push({ seq: Number(header.split(',')[1]), message: rest.join(';') });
    }
  } finally {
    closeSync(fd);
  }
  return records;
}

export function lastSequence(): number {
  return kernelLog().reduce((max, r) => Math.max(max, r.seq), -1);
}

// The host's end of the sync socket (plan/plan.json "messages"): one packet
// per message, a 24-byte header and an optional payload.
import { closeSync, readSync, writeSync } from 'node:fs';
import { MSG_HEADER_SIZE } from '../plan/format.gen.ts';

export interface Message {
  type: number;
  a: number;
  b: number;
  payload: Uint8Array;
}

const MAX_PACKET = 1 << 16;

export class SyncChannel {
  private readonly fd: number;
  private open = true;
  constructor(fd: number) {
    this.fd = fd;
  }

  send(type: number, a = 0, b = 0, payload: Uint8Array = new Uint8Array(0)): void {
    const packet = new Uint8Array(MSG_HEADER_SIZE + payload.length);
    const view = new DataView(packet.buffer);
    view.setUint32(0, type, true);
    view.setBigInt64(8, BigInt(a), true);
    view.setBigInt64(16, BigInt(b), true);
    packet.set(payload, MSG_HEADER_SIZE);
    writeSync(this.fd, packet);
  }

  /** The next message, or null once every executor process has closed its end. */
  receive(): Message | null {
    const packet = new Uint8Array(MAX_PACKET);
    let n: number;
    for (;;) {
      try {
        n = readSync(this.fd, packet, 0, packet.length, null);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EINTR' || (e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
    }
    if (n === 0) return null;
    if (n < MSG_HEADER_SIZE) throw new Error(`short sync packet (${n} bytes)`);
    const view = new DataView(packet.buffer);
    return {
      type: view.getUint32(0, true),
      a: Number(view.getBigInt64(8, true)),
      b: Number(view.getBigInt64(16, true)),
      payload: packet.slice(MSG_HEADER_SIZE, n),
    };
  }

  close(): void {
    if (this.open) closeSync(this.fd);
    this.open = false;
  }
}

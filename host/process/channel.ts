// The host's end of the sync socket (plan/plan.json "messages"): a 24-byte
// header and an optional payload per packet; the host's large payloads (the
// plan, hook states) span several packets.
import { closeSync, writeSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { MSG_CHUNK, MSG_HEADER_SIZE, MSG_MORE } from '../plan/format.gen.ts';
import { recvWithFd, SyscallError } from '../sys/libc.ts';

export interface Message {
  type: number;
  a: number;
  b: number;
  payload: Uint8Array;
  /** a descriptor the executor passed with the message (the seccomp listener) */
  fd?: number;
}

const MAX_PACKET = 1 << 16;

export class SyncChannel {
  private readonly fd: number;
  private open = true;
  constructor(fd: number) {
    this.fd = fd;
  }

  /** A payload larger than a chunk goes in several packets (plan/plan.json "more"), each one fitting the socket buffer. */
  send(type: number, a = 0, b = 0, payload: Uint8Array = new Uint8Array(0)): void {
    let offset = 0;
    do {
      const part = payload.subarray(offset, offset + MSG_CHUNK);
      offset += part.length;
      this.sendPacket(type, offset < payload.length ? MSG_MORE : 0, a, b, part);
    } while (offset < payload.length);
  }

  private sendPacket(type: number, flags: number, a: number, b: number, payload: Uint8Array): void {
    const packet = new Uint8Array(MSG_HEADER_SIZE + payload.length);
    const view = new DataView(packet.buffer);
    view.setUint32(0, type, true);
    view.setUint32(4, flags, true);
    view.setBigInt64(8, BigInt(a), true);
    view.setBigInt64(16, BigInt(b), true);
    packet.set(payload, MSG_HEADER_SIZE);
    try {
      writeSync(this.fd, packet);
    } catch (e) {
      // Every executor process has gone: init died (killed, or crashed) before it could say why.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') throw new KagoError('container init', 'exited during setup without reporting why', { cause: e });
      throw e;
    }
  }

  /** The next message, or null once every executor process has closed its end. */
  receive(): Message | null {
    // recvmsg, not read: a passed descriptor would be lost (closed) by read(2).
    let received: ReturnType<typeof recvWithFd>;
    try {
      received = recvWithFd(this.fd, MAX_PACKET);
    } catch (e) {
      // A peer that died with our last message unread resets the connection: the same end.
      if (e instanceof SyscallError && e.code === 'ECONNRESET') return null;
      throw e;
    }
    const { data, fd } = received;
    if (data.length === 0 && fd === undefined) return null;
    if (data.length < MSG_HEADER_SIZE) throw new Error(`short sync packet (${data.length} bytes)`);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (view.getUint32(4, true) & MSG_MORE) throw new Error('the executor sent a message in chunks, which only the host does');
    const message: Message = {
      type: view.getUint32(0, true),
      a: Number(view.getBigInt64(8, true)),
      b: Number(view.getBigInt64(16, true)),
      payload: data.slice(MSG_HEADER_SIZE),
    };
    if (fd !== undefined) message.fd = fd;
    return message;
  }

  close(): void {
    if (this.open) closeSync(this.fd);
    this.open = false;
  }
}

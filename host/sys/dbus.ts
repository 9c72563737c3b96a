// A small blocking D-Bus client: kago is a short-lived synchronous CLI that
// makes a handful of calls to systemd, so it talks over a blocking unix
// socket (sys/libc.ts connectUnix) with poll for its timeouts, and keeps the
// signals that arrive meanwhile for whoever waits for them.
import { closeSync, readSync, writeSync } from 'node:fs';
import { type DBusValue, decodeMessage, encodeMessage, FLAG_NO_REPLY, type Message, MESSAGE_TYPE, messageLength } from './dbus-wire.ts';
import { KagoError } from '../errors.ts';
import { connectUnix, waitReadable } from './libc.ts';

export const SYSTEM_BUS = '/run/dbus/system_bus_socket';
const DEFAULT_TIMEOUT_MS = 25_000;

/** An error reply (org.freedesktop.systemd1.NoSuchUnit, ...) or a broken connection. */
export class DBusError extends KagoError {
  /** the D-Bus error name */
  readonly errorName: string;
  constructor(errorName: string, message: string, cause?: unknown) {
    super('', message, { cause });
    this.errorName = errorName;
  }
}

export interface CallArgs {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DBusValue[];
}

export class DBusConnection {
  private readonly fd: number;
  private serial = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private readonly signals: Message[] = [];
  private closed = false;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Connects, authenticates with SASL EXTERNAL as this process's uid, and says Hello. */
  static open(socketPath = SYSTEM_BUS): DBusConnection {
    let fd: number;
    try {
      fd = connectUnix(socketPath);
    } catch (e) {
      throw new DBusError('kago.Connect', `${(e as Error).message} (is the D-Bus system bus running?)`, e);
    }
    const conn = new DBusConnection(fd);
    try {
      // The whole handshake in one write, as sd-bus does: each round trip to
      // the bus costs milliseconds on a busy machine.
      const hello = conn.encodeCall({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
      conn.authenticate(hello.bytes);
      conn.reply(hello.serial, Date.now() + DEFAULT_TIMEOUT_MS);
    } catch (e) {
      conn.close();
      throw e;
    }
    return conn;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private send(bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }

  private fill(deadline: number): void {
    const left = deadline - Date.now();
    if (left <= 0 || !waitReadable(this.fd, left)) throw new DBusError('kago.Timeout', 'no answer on the D-Bus connection in time');
    const chunk = new Uint8Array(65536);
    const n = readSync(this.fd, chunk, 0, chunk.length, null);
    if (n === 0) throw new DBusError('kago.Disconnected', 'the D-Bus connection was closed');
    const joined = new Uint8Array(this.pending.length + n);
    joined.set(this.pending, 0);
    joined.set(chunk.subarray(0, n), this.pending.length);
    this.pending = joined;
  }

  /** The server's SASL line (without \r\n). */
  private readLine(deadline: number): string {
    for (;;) {
      const end = this.pending.findIndex((b, k) => b === 0x0d && this.pending[k + 1] === 0x0a);
      if (end >= 0) {
        const line = Buffer.from(this.pending.subarray(0, end)).toString('latin1');
        this.pending = this.pending.slice(end + 2);
        return line;
      }
      this.fill(deadline);
    }
  }

  /** SASL EXTERNAL, then BEGIN and the first message without waiting for the OK (the bus reads them in order). */
  private authenticate(first: Uint8Array): void {
    const deadline = Date.now() + DEFAULT_TIMEOUT_MS;
    // The bus takes the credentials from SO_PEERCRED; EXTERNAL names the uid
    // as its decimal string, hex-encoded (dbus-specification, "AUTH command").
    const uid = Buffer.from(String(process.getuid?.() ?? 0)).toString('hex');
    const sasl = Buffer.from(`\0AUTH EXTERNAL ${uid}\r\nBEGIN\r\n`, 'latin1');
    const out = new Uint8Array(sasl.length + first.length);
    out.set(sasl, 0);
    out.set(first, sasl.length);
    this.send(out);
    const answer = this.readLine(deadline);
    if (!answer.startsWith('OK ')) throw new DBusError('kago.Auth', `the bus refused authentication: ${answer}`);
  }

  private nextMessage(deadline: number): Message {
    for (;;) {
      const length = messageLength(this.pending);
      if (length !== undefined && this.pending.length >= length) {
        const m = decodeMessage(this.pending.subarray(0, length));
        this.pending = this.pending.slice(length);
        return m;
      }
      this.fill(deadline);
    }
  }

  private encodeCall(args: CallArgs, flags = 0): { serial: number; bytes: Uint8Array } {
    const serial = ++this.serial;
    return { serial, bytes: encodeMessage({ type: MESSAGE_TYPE.methodCall, flags, serial, ...args }) };
  }

  /** A method call and its reply's body; an error reply throws DBusError. */
  call(args: CallArgs, timeoutMs = DEFAULT_TIMEOUT_MS): DBusValue[] {
    const { serial, bytes } = this.encodeCall(args);
    this.send(bytes);
    return this.reply(serial, Date.now() + timeoutMs);
  }

  /** A call whose answer does not matter (NO_REPLY_EXPECTED): no round trip. */
  callNoReply(args: CallArgs): void {
    this.send(this.encodeCall(args, FLAG_NO_REPLY).bytes);
  }

  private reply(serial: number, deadline: number): DBusValue[] {
    for (;;) {
      const m = this.nextMessage(deadline);
      if (m.type === MESSAGE_TYPE.signal) {
        this.signals.push(m);
        continue;
      }
      if (m.replySerial !== serial) continue;
      if (m.type === MESSAGE_TYPE.error) {
        const text = typeof m.body[0] === 'string' ? m.body[0] : '';
        throw new DBusError(m.errorName ?? 'kago.UnknownError', text || (m.errorName ?? 'error reply'));
      }
      return m.body;
    }
  }

  /** The first signal (already received or still to come) that matches. */
  waitSignal(matches: (m: Message) => boolean, timeoutMs = DEFAULT_TIMEOUT_MS): Message {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const k = this.signals.findIndex(matches);
      if (k >= 0) return this.signals.splice(k, 1)[0]!;
      const m = this.nextMessage(deadline);
      if (m.type === MESSAGE_TYPE.signal) this.signals.push(m);
    }
  }
}

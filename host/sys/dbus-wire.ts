// The D-Bus wire format (dbus-specification, "Message Protocol"): values
// marshalled by signature, little-endian, each aligned to its type's natural
// boundary from the start of the message; and whole messages (a fixed header,
// an array of header fields, padding to 8, the body).
import { KagoError } from '../errors.ts';

/** A value of type v: its own signature travels with it. */
export interface Variant {
  sig: string;
  value: DBusValue;
}

/** Structs and arrays are JS arrays; integers of 64 bits are bigints; b is boolean. */
export type DBusValue = number | bigint | boolean | string | Variant | DBusValue[];

/** A message or value that does not follow the wire format. */
export class DBusWireError extends KagoError {
  constructor(reason: string) {
    super('', reason);
  }
}

const ALIGN: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, h: 4, s: 4, o: 4, g: 1, a: 4, '(': 8, '{': 8, v: 1 };

/** The end (exclusive) of the single complete type starting at sig[i]. */
export function completeTypeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === undefined) throw new DBusWireError(`signature ${JSON.stringify(sig)}: a type is missing`);
  if (c === 'a') return completeTypeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new DBusWireError(`signature ${JSON.stringify(sig)}: ${c} is not closed`);
      j = completeTypeEnd(sig, j);
    }
    return j + 1;
  }
  if (!(c in ALIGN)) throw new DBusWireError(`signature ${JSON.stringify(sig)}: unknown type ${JSON.stringify(c)}`);
  return i + 1;
}

/** The complete types of a signature, in order ("sa(sv)" -> ["s", "a(sv)"]). */
export function splitSignature(sig: string): string[] {
  const types: string[] = [];
  for (let i = 0; i < sig.length; ) {
    const end = completeTypeEnd(sig, i);
    types.push(sig.slice(i, end));
    i = end;
  }
  return types;
}

/** Writes values after `base` bytes that precede the buffer in the message (alignment counts from the message start). */
export class Writer {
  private chunks: number[] = [];
  private readonly base: number;
  constructor(base = 0) {
    this.base = base;
  }
  get length(): number {
    return this.chunks.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
  pad(to: number): void {
    while ((this.base + this.chunks.length) % to !== 0) this.chunks.push(0);
  }
  private raw(b: Uint8Array): void {
    for (const x of b) this.chunks.push(x);
  }
  private int(bytes: number, v: number | bigint, signed: boolean): void {
    this.pad(bytes);
    const buf = new DataView(new ArrayBuffer(bytes));
    if (bytes === 1) buf.setUint8(0, Number(v));
    else if (bytes === 2) signed ? buf.setInt16(0, Number(v), true) : buf.setUint16(0, Number(v), true);
    else if (bytes === 4) signed ? buf.setInt32(0, Number(v), true) : buf.setUint32(0, Number(v), true);
    else signed ? buf.setBigInt64(0, BigInt(v), true) : buf.setBigUint64(0, BigInt(v), true);
    this.raw(new Uint8Array(buf.buffer));
  }
  private patchU32(at: number, v: number): void {
    const b = new Uint8Array(new Uint32Array([v]).buffer);
    for (let k = 0; k < 4; k++) this.chunks[at + k] = b[k]!;
  }

  write(sig: string, value: DBusValue): void {
    const c = sig[0];
    const fail = (): never => {
      throw new DBusWireError(`a value of type ${sig} cannot be ${JSON.stringify(value)}`);
    };
    switch (c) {
      case 'y':
      case 'n':
      case 'q':
      case 'i':
      case 'u':
      case 'h':
        if (typeof value !== 'number' || !Number.isInteger(value)) fail();
        this.int(c === 'y' ? 1 : c === 'n' || c === 'q' ? 2 : 4, value as number, c === 'n' || c === 'i');
        return;
      case 'x':
      case 't':
        if (typeof value !== 'bigint' && (typeof value !== 'number' || !Number.isInteger(value))) fail();
        this.int(8, value as number | bigint, c === 'x');
        return;
      case 'd': {
        if (typeof value !== 'number') fail();
        this.pad(8);
        const buf = new DataView(new ArrayBuffer(8));
        buf.setFloat64(0, value as number, true);
        this.raw(new Uint8Array(buf.buffer));
        return;
      }
      case 'b':
        if (typeof value !== 'boolean') fail();
        this.int(4, value ? 1 : 0, false);
        return;
      case 's':
      case 'o': {
        if (typeof value !== 'string') fail();
        const b = new TextEncoder().encode(value as string);
        this.int(4, b.length, false);
        this.raw(b);
        this.chunks.push(0);
        return;
      }
      case 'g': {
        if (typeof value !== 'string') fail();
        const b = new TextEncoder().encode(value as string);
        this.chunks.push(b.length);
        this.raw(b);
        this.chunks.push(0);
        return;
      }
      case 'v': {
        const v = value as Variant;
        if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof v.sig !== 'string') fail();
        if (completeTypeEnd(v.sig, 0) !== v.sig.length) throw new DBusWireError(`a variant holds one complete type, not ${JSON.stringify(v.sig)}`);
        this.write('g', v.sig);
        this.write(v.sig, v.value);
        return;
      }
      case 'a': {
        if (!Array.isArray(value)) fail();
        const elem = sig.slice(1, completeTypeEnd(sig, 1));
        this.pad(4);
        const at = this.chunks.length;
        this.int(4, 0, false);
        // The length excludes the padding before the first element, which is always there.
        this.pad(ALIGN[elem[0]!]!);
        const start = this.chunks.length;
        for (const e of value as DBusValue[]) this.write(elem, e);
        this.patchU32(at, this.chunks.length - start);
        return;
      }
      case '(':
      case '{': {
        if (!Array.isArray(value)) fail();
        const fields = splitSignature(sig.slice(1, -1));
        const values = value as DBusValue[];
        if (values.length !== fields.length) fail();
        this.pad(8);
        fields.forEach((f, k) => {
          this.write(f, values[k]!);
        });
        return;
      }
      default:
        throw new DBusWireError(`unknown type ${JSON.stringify(sig)}`);
    }
  }
}

export class Reader {
  private readonly view: DataView;
  private readonly buf: Uint8Array;
  pos: number;
  constructor(buf: Uint8Array, pos = 0) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
  }
  private align(to: number): void {
    this.pos = Math.ceil(this.pos / to) * to;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DBusWireError('message truncated');
  }
  private u32(): number {
    this.align(4);
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  read(sig: string): DBusValue {
    const c = sig[0];
    switch (c) {
      case 'y':
        this.need(1);
        return this.buf[this.pos++]!;
      case 'n':
      case 'q': {
        this.align(2);
        this.need(2);
        const v = c === 'n' ? this.view.getInt16(this.pos, true) : this.view.getUint16(this.pos, true);
        this.pos += 2;
        return v;
      }
      case 'i': {
        this.align(4);
        this.need(4);
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case 'u':
      case 'h':
        return this.u32();
      case 'b':
        return this.u32() !== 0;
      case 'x':
      case 't': {
        this.align(8);
        this.need(8);
        const v = c === 'x' ? this.view.getBigInt64(this.pos, true) : this.view.getBigUint64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case 'd': {
        this.align(8);
        this.need(8);
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case 's':
      case 'o': {
        const n = this.u32();
        this.need(n + 1);
        const s = new TextDecoder().decode(this.buf.subarray(this.pos, this.pos + n));
        this.pos += n + 1;
        return s;
      }
      case 'g': {
        this.need(1);
        const n = this.buf[this.pos++]!;
        this.need(n + 1);
        const s = new TextDecoder().decode(this.buf.subarray(this.pos, this.pos + n));
        this.pos += n + 1;
        return s;
      }
      case 'v': {
        const inner = this.read('g') as string;
        return { sig: inner, value: this.read(inner) };
      }
      case 'a': {
        const n = this.u32();
        const elem = sig.slice(1, completeTypeEnd(sig, 1));
        this.align(ALIGN[elem[0]!]!);
        const end = this.pos + n;
        this.need(n);
        const out: DBusValue[] = [];
        while (this.pos < end) out.push(this.read(elem));
        if (this.pos !== end) throw new DBusWireError('array length does not match its elements');
        return out;
      }
      case '(':
      case '{': {
        this.align(8);
        return splitSignature(sig.slice(1, -1)).map((f) => this.read(f));
      }
      default:
        throw new DBusWireError(`unknown type ${JSON.stringify(sig)}`);
    }
  }
}

export const MESSAGE_TYPE = { methodCall: 1, methodReturn: 2, error: 3, signal: 4 } as const;
const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8 } as const;
/** NO_REPLY_EXPECTED */
export const FLAG_NO_REPLY = 1;

export interface Message {
  type: number;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature: string;
  body: DBusValue[];
}

export function encodeMessage(m: Omit<Message, 'body' | 'signature'> & { signature?: string; body?: DBusValue[] }): Uint8Array {
  const signature = m.signature ?? '';
  const types = splitSignature(signature);
  const body = new Writer();
  types.forEach((t, k) => {
    body.write(t, (m.body ?? [])[k]!);
  });
  const fields: DBusValue[] = [];
  const add = (code: number, sig: string, v: string | number | undefined) => {
    if (v !== undefined) fields.push([code, { sig, value: v }]);
  };
  add(FIELD.path, 'o', m.path);
  add(FIELD.interface, 's', m.interface);
  add(FIELD.member, 's', m.member);
  add(FIELD.errorName, 's', m.errorName);
  add(FIELD.replySerial, 'u', m.replySerial);
  add(FIELD.destination, 's', m.destination);
  add(FIELD.sender, 's', m.sender);
  if (signature) add(FIELD.signature, 'g', signature);
  const head = new Writer();
  head.write('y', 'l'.charCodeAt(0));
  head.write('y', m.type);
  head.write('y', m.flags);
  head.write('y', 1);
  head.write('u', body.length);
  head.write('u', m.serial);
  head.write('a(yv)', fields);
  head.pad(8);
  const out = new Uint8Array(head.length + body.length);
  out.set(head.bytes(), 0);
  out.set(body.bytes(), head.length);
  return out;
}

/** The length of the whole message at the start of buf, or undefined while its first 16 bytes have not all arrived. */
export function messageLength(buf: Uint8Array): number | undefined {
  if (buf.length < 16) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf[0] !== 'l'.charCodeAt(0)) throw new DBusWireError('a big-endian message (kago speaks only little-endian)');
  const bodyLength = view.getUint32(4, true);
  const fieldsLength = view.getUint32(12, true);
  return Math.ceil((16 + fieldsLength) / 8) * 8 + bodyLength;
}

export function decodeMessage(buf: Uint8Array): Message {
  const r = new Reader(buf);
  r.read('y');
  const type = r.read('y') as number;
  const flags = r.read('y') as number;
  const version = r.read('y') as number;
  if (version !== 1) throw new DBusWireError(`protocol version ${version}`);
  const bodyLength = r.read('u') as number;
  const serial = r.read('u') as number;
  const fields = r.read('a(yv)') as [number, Variant][];
  const m: Message = { type, flags, serial, signature: '', body: [] };
  for (const [code, v] of fields) {
    if (code === FIELD.path) m.path = v.value as string;
    else if (code === FIELD.interface) m.interface = v.value as string;
    else if (code === FIELD.member) m.member = v.value as string;
    else if (code === FIELD.errorName) m.errorName = v.value as string;
    else if (code === FIELD.replySerial) m.replySerial = v.value as number;
    else if (code === FIELD.destination) m.destination = v.value as string;
    else if (code === FIELD.sender) m.sender = v.value as string;
    else if (code === FIELD.signature) m.signature = v.value as string;
  }
  r.pos = Math.ceil(r.pos / 8) * 8;
  const bodyStart = r.pos;
  if (bodyStart + bodyLength > buf.length) throw new DBusWireError('message truncated');
  const body = new Reader(buf.subarray(0, bodyStart + bodyLength), bodyStart);
  m.body = splitSignature(m.signature).map((t) => body.read(t));
  return m;
}

// The plan's wire format (plan/plan.json "layout"): what the executor decodes.
import { OP_FORMAT, PLAN_MAGIC, PLAN_VERSION, type PlanArgType, type PlanOp } from './format.gen.ts';

class Writer {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i64(v: number): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();

function writeStr(w: Writer, s: string): void {
  if (s.includes('\0')) throw new Error(`a plan string cannot contain NUL: ${JSON.stringify(s)}`);
  const b = utf8.encode(s);
  w.u32(b.length);
  w.bytes(b);
  w.bytes(new Uint8Array(1));
}

function writeArg(w: Writer, type: PlanArgType, value: unknown): void {
  switch (type) {
    case 'int':
      w.i64(value as number);
      break;
    case 'str':
      writeStr(w, value as string);
      break;
    case 'strs':
      w.u32((value as string[]).length);
      for (const s of value as string[]) writeStr(w, s);
      break;
    case 'ints':
      w.u32((value as number[]).length);
      for (const n of value as number[]) w.i64(n);
      break;
    case 'bytes':
      w.u32((value as Uint8Array).length);
      w.bytes(value as Uint8Array);
      break;
  }
}

export function encodePlan(ops: readonly PlanOp[]): Uint8Array {
  const w = new Writer();
  w.bytes(utf8.encode(PLAN_MAGIC));
  w.u32(PLAN_VERSION);
  w.u32(ops.length);
  for (const op of ops) {
    const format = OP_FORMAT[op.op];
    w.u16(format.code);
    w.u16(0);
    const sizeAt = w.length;
    w.u32(0);
    for (const [name, type] of format.args) writeArg(w, type, (op as Record<string, unknown>)[name]);
    w.patchU32(sizeAt, w.length - sizeAt - 4);
  }
  return w.result();
}

// A classic BPF (struct sock_filter) disassembler, for reading what the
// seccomp compiler produced. Offsets into struct seccomp_data are named,
// return values are shown as seccomp actions.

export interface BpfInstruction {
  index: number;
  code: number;
  jt: number;
  jf: number;
  k: number;
  /** "ld [4] ; arch", "jeq #0xc000003e, 0003, 0012", "ret ERRNO(1)" */
  text: string;
}

const ACTIONS: ReadonlyArray<readonly [number, string]> = [
  [0x80000000, 'KILL_PROCESS'],
  [0x00000000, 'KILL_THREAD'],
  [0x00030000, 'TRAP'],
  [0x00050000, 'ERRNO'],
  [0x7fc00000, 'USER_NOTIF'],
  [0x7ff00000, 'TRACE'],
  [0x7ffc0000, 'LOG'],
  [0x7fff0000, 'ALLOW'],
];

/** A SECCOMP_RET_* value as text: "ALLOW", "ERRNO(1)", "TRACE(7)". */
export function seccompActionText(ret: number): string {
  const action = (ret & 0xffff0000) >>> 0;
  const data = ret & 0xffff;
  const found = ACTIONS.find(([v]) => v === action);
  if (found === undefined) return `0x${hex(ret)}`;
  return found[1] === 'ERRNO' || found[1] === 'TRACE' || data !== 0 ? `${found[1]}(${data})` : found[1];
}

function hex(n: number): string {
  return (n >>> 0).toString(16);
}

// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer;
// __u64 args[6] (include/uapi/linux/seccomp.h). Which half of a u64 is at
// the lower offset depends on the architecture's byte order, so the
// comment names the word by offset, not by significance.
function seccompDataField(off: number): string {
  if (off === 0) return 'nr';
  if (off === 4) return 'arch';
  if (off === 8 || off === 12) return `instruction_pointer+${off - 8}`;
  if (off >= 16 && off < 64) return `args[${(off - 16) >> 3}]+${(off - 16) & 7}`;
  return '';
}

const ALU_OPS: Record<number, string> = {
  0x00: 'add',
  0x10: 'sub',
  0x20: 'mul',
  0x30: 'div',
  0x40: 'or',
  0x50: 'and',
  0x60: 'lsh',
  0x70: 'rsh',
  0x80: 'neg',
  0x90: 'mod',
  0xa0: 'xor',
};
const JMP_OPS: Record<number, string> = { 0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset' };
const SIZES: Record<number, string> = { 0x00: '', 0x08: 'h', 0x10: 'b' };

function label(n: number): string {
  return n.toString().padStart(4, '0');
}

function describe(i: number, code: number, jt: number, jf: number, k: number): string {
  const cls = code & 0x07;
  const src = code & 0x08 ? 'x' : `#0x${hex(k)}`;
  switch (cls) {
    case 0x00:
    case 0x01: {
      // ld, ldx
      const op = (cls === 0 ? 'ld' : 'ldx') + (SIZES[code & 0x18] ?? '?');
      switch (code & 0xe0) {
        case 0x00:
          return `${op} #0x${hex(k)}`;
        case 0x20: {
          const field = seccompDataField(k);
          return `${op} [${k}]${field ? `  ; ${field}` : ''}`;
        }
        case 0x40:
          return `${op} [x+${k}]`;
        case 0x60:
          return `${op} M[${k}]`;
        case 0x80:
          return `${op} len`;
        case 0xa0:
          return `${op} 4*([${k}]&0xf)`;
        default:
          return `${op} ?`;
      }
    }
    case 0x02:
      return `st M[${k}]`;
    case 0x03:
      return `stx M[${k}]`;
    case 0x04: {
      const op = ALU_OPS[code & 0xf0] ?? 'alu?';
      return op === 'neg' ? 'neg' : `${op} ${src}`;
    }
    case 0x05: {
      if ((code & 0xf0) === 0x00) return `ja ${label(i + 1 + k)}`;
      const op = JMP_OPS[code & 0xf0] ?? 'jmp?';
      return `${op} ${src}, ${label(i + 1 + jt)}, ${label(i + 1 + jf)}`;
    }
    case 0x06:
      if ((code & 0x18) === 0x10) return 'ret a';
      if ((code & 0x18) === 0x08) return 'ret x';
      return `ret ${seccompActionText(k)}`;
    default:
      return (code & 0xf8) === 0x80 ? 'txa' : 'tax';
  }
}

function bytesOf(bpf: ArrayBuffer | Uint8Array): Uint8Array {
  return bpf instanceof Uint8Array ? bpf : new Uint8Array(bpf);
}

/** Decodes struct sock_filter[] as the core writes it (little-endian). */
export function disassemble(bpf: ArrayBuffer | Uint8Array): BpfInstruction[] {
  const b = bytesOf(bpf);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: BpfInstruction[] = [];
  for (let i = 0; (i + 1) * 8 <= b.byteLength; i++) {
    const code = view.getUint16(i * 8, true);
    const jt = view.getUint8(i * 8 + 2);
    const jf = view.getUint8(i * 8 + 3);
    const k = view.getUint32(i * 8 + 4, true);
    out.push({ index: i, code, jt, jf, k, text: describe(i, code, jt, jf, k) });
  }
  return out;
}

/** One line per instruction: "0012  jeq #0x3b, 0013, 0014". */
export function disassemblyText(bpf: ArrayBuffer | Uint8Array): string {
  return disassemble(bpf)
    .map((insn) => `${label(insn.index)}  ${insn.text}`)
    .join('\n');
}

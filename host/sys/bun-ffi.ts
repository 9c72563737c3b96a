// libc through Bun's own FFI, for the calls whose arguments are integers and
// byte buffers (a struct is laid out as bytes, with address() for what it
// points to). Opening it costs ~0.3 ms and 30 page faults; koffi's native
// module costs 1.5-2 ms and 165 (it brings libstdc++ with it), which every
// start, delete and kill paid for one flock or pidfd. Under Node.js
// sys/libc.ts goes through koffi instead.

type Fn = (...args: unknown[]) => number;

interface BunFfi {
  dlopen(lib: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...args: unknown[]) => unknown> };
  read: { i32(ptr: number, offset?: number): number };
  ptr(view: ArrayBufferView): number;
}

export interface BunLibc {
  fns: Record<string, Fn>;
  errno(): number;
  /** Where a buffer's bytes are, for a struct that points to it; valid while the buffer is referenced. */
  address(view: ArrayBufferView): number;
}

// C type → bun:ffi type, for the declarations sys/libc.ts writes.
const TYPES: Record<string, string> = {
  int: 'i32',
  uint32_t: 'u32',
  long: 'i64',
  intptr_t: 'i64',
  ssize_t: 'i64',
  'unsigned long': 'u64',
  size_t: 'u64',
};

function bunType(decl: string): string {
  const t = decl
    .replace(/\b(_Out_|_Inout_|const)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.includes('*')) return 'ptr';
  const type = TYPES[t.replace(/ \w+$/, '')] ?? TYPES[t];
  if (!type) throw new Error(`no bun:ffi type for ${JSON.stringify(decl.trim())}`);
  return type;
}

/** "int flock(int fd, int op)" → symbol flock, returns i32, args [i32, i32]. */
export function bunSignature(decl: string): { symbol: string; returns: string; args: string[] } {
  const m = /^(.*?)\s*\b(\w+)\((.*)\)$/.exec(decl.trim());
  if (!m) throw new Error(`not a C declaration: ${decl}`);
  const params = m[3]!.trim();
  return { symbol: m[2]!, returns: bunType(m[1]!), args: params === '' || params === 'void' ? [] : params.split(',').map(bunType) };
}

/** The declared functions (name → C declaration), or null where bun:ffi is not there. */
export function openBunLibc(declarations: Record<string, string>): BunLibc | null {
  if (!process.versions.bun) return null;
  let ffi: BunFfi;
  try {
    ffi = require('bun:ffi') as BunFfi;
  } catch {
    return null;
  }
  // Each function is declared on its first call (bun:ffi compiles a
  // trampoline per symbol; a command uses a few of them).
  // What dlopen returns stays referenced: its trampolines must outlive any collection.
  const opened: unknown[] = [];
  const open = (symbol: string, signature: { args: string[]; returns: string }) => {
    const lib = ffi.dlopen('libc.so.6', { [symbol]: signature });
    opened.push(lib);
    return lib.symbols[symbol]!;
  };
  // errno's address is fixed for the thread; kago calls libc from its main thread only.
  const errnoAt = open('__errno_location', { args: [], returns: 'ptr' })() as number;
  const fns: Record<string, Fn> = {};
  for (const [name, decl] of Object.entries(declarations)) {
    let f: ((...args: unknown[]) => unknown) | undefined;
    fns[name] = (...args) => {
      if (!f) {
        const { symbol, returns, args: types } = bunSignature(decl);
        f = open(symbol, { args: types, returns });
      }
      return Number(f(...args));
    };
  }
  return { fns, errno: () => ffi.read.i32(errnoAt, 0), address: (view) => ffi.ptr(view) };
}

// The core's per-architecture syscall tables (generated from libseccomp's
// syscalls.csv), so tools can speak of "mkdir" where a filter sees 83 on
// x86_64 and 34 (mkdirat only) on aarch64.
import { CoreResultError } from './core-error.ts';

export interface SyscallTable {
  /** Name -> number as the kernel sees it on this architecture. */
  numbers: ReadonlyMap<string, number>;
  /** Number -> name. */
  names: ReadonlyMap<number, string>;
}

export interface SyscallTablesApi {
  /** The OCI names of the architectures the core knows. */
  arches(): readonly string[];
  /** null for an architecture the core does not know. */
  table(arch: string): SyscallTable | null;
}

type ArchesFn = () => unknown;
type TableFn = (arch: string) => unknown;

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function bindSyscallTables(raw: Record<string, unknown>): SyscallTablesApi {
  const archesRaw = raw.syscallArches;
  const tableRaw = raw.syscallTable;
  if (typeof archesRaw !== 'function' || typeof tableRaw !== 'function') {
    throw new CoreResultError('the wasm module does not export syscallArches/syscallTable');
  }
  const archesFn = archesRaw as ArchesFn;
  const tableFn = tableRaw as TableFn;
  // The tables are constant data of the module: read each once.
  const cache = new Map<string, SyscallTable | null>();
  let arches: readonly string[] | null = null;
  return {
    arches() {
      if (arches === null) {
        const out = archesFn();
        const v: unknown = typeof out === 'string' ? JSON.parse(out) : null;
        if (!isStringArray(v)) throw new CoreResultError('core returned a malformed architecture list');
        arches = Object.freeze(v);
      }
      return arches;
    },
    table(arch) {
      const hit = cache.get(arch);
      if (hit !== undefined) return hit;
      const out = tableFn(arch);
      const v: unknown = typeof out === 'string' ? JSON.parse(out) : undefined;
      let table: SyscallTable | null = null;
      if (v !== null) {
        if (
          typeof v !== 'object' ||
          !('names' in v) ||
          !('numbers' in v) ||
          !isStringArray(v.names) ||
          !Array.isArray(v.numbers) ||
          v.numbers.length !== v.names.length
        ) {
          throw new CoreResultError('core returned a malformed syscall table');
        }
        const numbers = new Map<string, number>();
        const names = new Map<number, string>();
        v.names.forEach((name, i) => {
          const nr: unknown = (v.numbers as unknown[])[i];
          if (typeof nr !== 'number') throw new CoreResultError('core returned a malformed syscall number');
          numbers.set(name, nr);
          if (!names.has(nr)) names.set(nr, name);
        });
        table = { numbers, names };
      }
      cache.set(arch, table);
      return table;
    },
  };
}

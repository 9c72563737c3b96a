// koffi's native module, opened directly. koffi's own JavaScript entry point
// costs ~10 ms before the first call (it reads the Node binary's ELF header to
// pick a libc flavour and loads node:util for deprecation wrappers); the
// module itself opens in ~1 ms. kago uses only load/func/struct/alias/errno,
// which are the native module's own exports. The package entry point stays
// the fallback where the prebuilt module is not where npm puts it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { installRoot } from '../paths.ts';

type Fn = (...args: unknown[]) => number;

export interface Koffi {
  load(path: string): { func(decl: string): Fn };
  errno(): number;
  alias(name: string, to: string): void;
  struct(name: string, fields: Record<string, string>): unknown;
  sizeof(type: unknown): number;
}

let koffi: Koffi | null = null;

export function loadKoffi(): Koffi {
  if (koffi) return koffi;
  const prebuilt = join(
    installRoot,
    'node_modules',
    '@koromix',
    `koffi-${process.platform}-${process.arch}`,
    `${process.platform}_${process.arch}`,
    'koffi.node',
  );
  if (existsSync(prebuilt)) {
    const module = { exports: {} as Koffi };
    process.dlopen(module, prebuilt);
    koffi = module.exports;
  } else {
    koffi = createRequire(join(installRoot, 'package.json'))('koffi') as Koffi;
  }
  return koffi;
}

// Builds and runs the native seccomp harnesses (core-c/seccomp driven by
// seccomp_tool.c, and the libseccomp reference) and loads the wasm module.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instantiateNapiModuleSync, type WASIInstance } from '@emnapi/core';
import { getDefaultContext } from '@emnapi/runtime';
import { WASI } from '@tybys/wasm-util';
import { bindSeccomp, type SeccompApi } from '../../wasm/seccomp.ts';
import { repoRoot, sharedData } from '../helpers/paths.ts';

export const dockerProfile = join(sharedData, 'seccomp-docker-default.oci.json');
export const dockerArches = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

export interface Harness {
  dir: string;
  tool: string;
  oracle: string;
  cleanup(): void;
}

function sources(dir: string): string[] {
  return readdirSync(join(repoRoot, dir))
    .filter((f) => f.endsWith('.c'))
    .map((f) => join(repoRoot, dir, f));
}

export function buildHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'kago-seccomp-'));
  const flags = ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror'];
  const common = [...sources('core-c/json'), ...sources('core-c/common')];
  const tool = join(dir, 'seccomp_tool');
  const oracle = join(dir, 'libseccomp_oracle');
  execFileSync('cc', [...flags, '-o', tool, ...common, ...sources('core-c/seccomp'), join(repoRoot, 'test/seccomp/seccomp_tool.c')], { stdio: 'inherit' });
  const tables = sources('core-c/seccomp').filter((f) => /syscalls(\.gen)?\.c$/.test(f));
  execFileSync('cc', [...flags, '-D_GNU_SOURCE', '-o', oracle, ...common, ...tables, join(repoRoot, 'test/seccomp/libseccomp_oracle.c'), '-lseccomp'], {
    stdio: 'inherit',
  });
  return { dir, tool, oracle, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function runJson(cmd: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.stdout.trim() === '') throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

export function loadSeccomp(): SeccompApi {
  const bytes = readFileSync(join(repoRoot, 'wasm/kago-core.wasm'));
  // The core makes no system calls; WASI is only the ABI wasi-libc expects.
  // emnapi wants a synchronous start(), which a reactor module never calls.
  const w = new WASI({ version: 'preview1' });
  const wasi: WASIInstance = {
    wasiImport: w.wasiImport,
    initialize(instance: object) {
      void w.initialize(instance as Parameters<WASI['initialize']>[0]);
    },
    start(): number {
      throw new Error('the core is a reactor module');
    },
  };
  const { napiModule } = instantiateNapiModuleSync(bytes, { wasi, context: getDefaultContext() });
  return bindSeccomp(napiModule.exports as Record<string, unknown>);
}

export interface DiffResult {
  samples: number;
  mismatches: number;
  expectedDifferences: number;
  invalid: number;
  libseccompWrong: number;
  mismatchList: unknown[];
}

export function asDiff(v: Record<string, unknown>): DiffResult {
  return v as unknown as DiffResult;
}

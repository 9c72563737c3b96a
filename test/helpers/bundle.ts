// Bundles for tests: a busybox root filesystem in a scratch directory and a
// config.json derived from kago's default spec.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { defaultSpec } from '../../host/spec/default.ts';
import { runcBin } from './paths.ts';

const BUSYBOX = '/bin/busybox';
let applets: string[] | null = null;

function busyboxApplets(): string[] {
  applets ??= spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return applets;
}

export interface Bundle {
  dir: string;
  rootfs: string;
  spec: Spec;
  /** writes spec to config.json again after a change */
  save(): void;
  remove(): void;
}

export function makeRootfs(rootfs: string): void {
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const a of busyboxApplets()) {
    if (a !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', a));
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\n');
}

/**
 * Where a bundle's config.json starts: kago's own default, or the one every
 * OCI tutorial uses (`runc spec`), which differs in ways kago's never
 * exercises (ambient capabilities, a read-only root, no cgroup namespace…).
 */
export type SpecBase = 'kago' | 'runc';

let runcSpecText: string | null = null;
/** `runc spec`'s config.json, made once per test run in a scratch directory. */
export function runcDefaultSpec(): Spec {
  if (runcSpecText === null) {
    const dir = mkdtempSync(join(tmpdir(), 'kago-runc-spec-'));
    try {
      const r = spawnSync(runcBin, ['spec'], { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`runc spec: ${r.stderr}`);
      runcSpecText = readFileSync(join(dir, 'config.json'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return JSON.parse(runcSpecText) as Spec;
}

/** A bundle running `args` (a shell command by default) without a terminal. */
export function makeBundle(args: string[], configure?: (spec: Spec) => void, base: SpecBase = 'kago'): Bundle {
  const dir = mkdtempSync(join(tmpdir(), 'kago-bundle-'));
  // A container in a user namespace runs as a mapped uid that must still reach its root.
  chmodSync(dir, 0o755);
  const rootfs = join(dir, 'rootfs');
  makeRootfs(rootfs);
  // kago's default as on a cgroup v2 host (a cgroup namespace), whatever this host is: tests rely on it.
  const spec = base === 'runc' ? runcDefaultSpec() : defaultSpec();
  spec.process!.terminal = false;
  spec.process!.args = args;
  configure?.(spec);
  const bundle: Bundle = {
    dir,
    rootfs,
    spec,
    save: () => writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  bundle.save();
  return bundle;
}

export function shell(script: string): string[] {
  return ['sh', '-c', script];
}

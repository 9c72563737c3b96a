// The fixture of the container tests: every container a test makes is
// deleted after it, and what it left behind (state, cgroups, mounts,
// processes) must be nothing.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Spec } from '../../wasm/spec.gen.ts';
import { type Bundle, makeBundle, type SpecBase } from './bundle.ts';
import { Kago, type Result, uniqueId } from './kago.ts';
import { leftovers } from './leaks.ts';

export interface Harness {
  kago: Kago;
  /** runs args in a fresh container; `prepare` may change the root filesystem before it starts */
  runIn(args: string[], configure?: (s: Spec) => void, options?: { flags?: string[]; prepare?: (b: Bundle) => void }): Result;
  /** a bundle made elsewhere, whose container is deleted and checked after the test */
  track(id: string, bundle: Bundle): void;
  /** a bundle whose container the test drives itself (create/start/delete) */
  bundle(args: string[], configure?: (s: Spec) => void): { id: string; bundle: Bundle };
  /** removed after the test (files, directories) */
  scratch(path: string): string;
  /** run after the test, before the leftover check */
  defer(fn: () => void): void;
  /** a process that must be gone after the test (a container's init) */
  watch(pid: number): void;
}

export interface HarnessOptions {
  /** the runtime's binary: kago by default, `runcBin` to check a behaviour against runc */
  bin?: string;
  /** the config every bundle starts from */
  base?: SpecBase;
}

/** Installs the afterEach/after hooks in the calling describe block. */
export function harness(options: HarnessOptions = {}): Harness {
  const kago = new Kago(options.bin);
  const made: { id: string; bundle: Bundle }[] = [];
  const paths: string[] = [];
  const deferred: (() => void)[] = [];
  const pids: number[] = [];
  afterEach(function () {
    for (const { id, bundle } of made.splice(0)) {
      kago.run(['delete', '--force', id]);
      const left = leftovers(kago.root, id, bundle.dir, pids);
      bundle.remove();
      assert.deepEqual(left, [], `leftovers of ${id}`);
    }
    pids.splice(0);
    for (const fn of deferred.splice(0).reverse()) fn();
    for (const p of paths.splice(0)) rmSync(p, { recursive: true, force: true });
  });
  after(() => kago.cleanup());
  const bundle = (args: string[], configure?: (s: Spec) => void) => {
    const id = uniqueId();
    const b = makeBundle(args, configure, options.base);
    made.push({ id, bundle: b });
    return { id, bundle: b };
  };
  return {
    kago,
    runIn(args, configure, options = {}) {
      const { id, bundle: b } = bundle(args, configure);
      options.prepare?.(b);
      return kago.run(['run', ...(options.flags ?? []), '--bundle', b.dir, id]);
    },
    bundle,
    track(id, b) {
      made.push({ id, bundle: b });
    },
    scratch(path) {
      paths.push(path);
      return path;
    },
    defer(fn) {
      deferred.push(fn);
    },
    watch(pid) {
      pids.push(pid);
    },
  };
}

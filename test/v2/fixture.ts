// What the v2 suite shares: the pure-v2 check each file skips on, and a
// container whose cgroup the test names (so that kago's and runc's are in
// the same place and the harness's leftover check sees both).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LinuxResources, Spec } from '../../wasm/spec.gen.ts';
import { makeBundle } from '../helpers/bundle.ts';
import { type Harness, harness } from '../helpers/harness.ts';
import { uniqueId } from '../helpers/kago.ts';
import { runcBin } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** Why this is not a pure cgroup v2 host (run the suite with `make test-v2`), or null. */
export function notPureV2(): string | null {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const fs = (line: string) => line.split(' - ')[1]?.split(' ')[0];
  if (mounts.some((l) => fs(l) === 'cgroup')) return 'a cgroup v1 hierarchy is mounted';
  if (!mounts.some((l) => fs(l) === 'cgroup2' && l.split(' ')[4] === CGROUP_ROOT)) return `${CGROUP_ROOT} is not a cgroup2 mount`;
  return null;
}

/**
 * describe() on a pure v2 host; elsewhere one pending test that says why,
 * so that `make test` on a hybrid host lists the suite without running it.
 */
export function describeV2(title: string, fn: () => void): void {
  const why = notPureV2();
  describe(title, why ? () => it.skip(`needs a pure cgroup v2 host (here ${why}): make test-v2 runs it in a VM`) : fn);
}

const tracked = new WeakMap<Harness, string[]>();

/**
 * The harness of the v2 files (runc spec's config as the base). For runc, a
 * hook that runs before the harness's own: under emulation runc 1.1.5's
 * delete --force sometimes gives up removing the cgroup while the killed
 * init is still exiting (its rmdir retries last milliseconds), so here the
 * test waits for the cgroup to empty and removes what runc left, saying so.
 */
export function v2Harness(bin: string): Harness {
  const ids: string[] = [];
  let h: Harness | undefined;
  if (bin === runcBin) {
    afterEach(function () {
      for (const id of ids.splice(0)) {
        const dir = join(CGROUP_ROOT, 'kago', id);
        h!.kago.run(['delete', '--force', id]);
        if (!existsSync(dir)) continue;
        waitFor(() => !existsSync(dir) || readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() === '', 60_000);
        if (!existsSync(dir)) continue;
        process.stderr.write(`      (runc left ${dir} behind after delete --force; removed by the test)\n`);
        rmdirSync(dir);
      }
    });
  }
  h = harness({ bin, base: 'runc' });
  tracked.set(h, ids);
  return h;
}

export interface V2Container {
  id: string;
  /** the container's cgroup directory */
  dir: string;
  bundleDir: string;
  spec: Spec;
}

/** A bundle from runc spec's config with cgroupsPath /kago/ID (where the harness looks for leftovers) unless configure sets another. */
export function v2Bundle(h: Harness, args: string[], resources: LinuxResources = {}, configure?: (s: Spec, id: string) => void): V2Container {
  const id = uniqueId('v2');
  const b = makeBundle(
    args,
    (s) => {
      s.root!.readonly = false;
      s.linux!.cgroupsPath = `/kago/${id}`;
      s.linux!.resources = { ...s.linux!.resources, ...resources };
      // runc spec's ambient set is not in its inheritable set: the kernel
      // refuses to raise it, runc 1.1.5 leaves it empty without a word and
      // kago fails ("set the ambient capabilities: EPERM"), which is not what
      // this suite is about.
      delete s.process!.capabilities!.ambient;
      configure?.(s, id);
    },
    'runc',
  );
  h.track(id, b);
  tracked.get(h)?.push(id);
  const path = b.spec.linux!.cgroupsPath!;
  return { id, dir: join(CGROUP_ROOT, path), bundleDir: b.dir, spec: b.spec };
}

/** A cgroup directory and every one below it, deepest first. */
export function rmdirTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of spawnSync('find', [dir, '-mindepth', '1', '-depth', '-type', 'd'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) rmdirSync(e);
  rmdirSync(dir);
}

export function readCg(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

/** "key value" lines (memory.events, cpu.stat) as numbers. */
export function keyed(dir: string, file: string): Record<string, number> {
  return Object.fromEntries(
    readCg(dir, file)
      .split('\n')
      .map((l) => l.split(' '))
      .map(([k, v]) => [k!, Number(v)]),
  );
}

/**
 * The container's init must be gone after the test. Only kago's: runc
 * delete --force returns once it has sent SIGKILL, and under emulation the
 * process is still there for a moment after.
 */
export function watchInit(h: Harness, id: string): void {
  if (h.kago.name === 'kago') h.watch(h.kago.state(id).pid);
}

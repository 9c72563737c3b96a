// Freezing a container's processes: the v1 freezer controller when the host
// has it (runc uses it on hybrid hosts too), else cgroup.freeze of v2. And
// killing all of them without racing forks: cgroup.kill on v2,
// freeze-kill-thaw on v1.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KagoError } from '../errors.ts';
import { logFailure } from '../log.ts';
import { killProcess } from '../sys/kill.ts';
import { writeCgroupFile } from './apply.ts';
import { sleepMs } from '../sys/sleep.ts';
import { cgroupPids } from './placement.ts';

export interface Freezer {
  version: 1 | 2;
  dir: string;
}

// Freezing takes as long as the slowest task needs to reach a freezable
// point; a task stuck in the kernel (D state on NFS, say) may never get there.
const FREEZE_ATTEMPTS = 2000;

export function freezerOf(dirs: readonly string[]): Freezer | null {
  const v1 = dirs.find((d) => existsSync(join(d, 'freezer.state')));
  if (v1) return { version: 1, dir: v1 };
  const v2 = dirs.find((d) => existsSync(join(d, 'cgroup.freeze')));
  return v2 ? { version: 2, dir: v2 } : null;
}

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** v2: cgroup.events says "frozen 1" once every task is frozen. */
function v2Frozen(dir: string): boolean {
  return /^frozen 1$/m.test(readTrim(join(dir, 'cgroup.events')));
}

export function isFrozen(f: Freezer): boolean {
  return f.version === 1 ? readTrim(join(f.dir, 'freezer.state')) === 'FROZEN' : v2Frozen(f.dir);
}

export function freeze(f: Freezer): void {
  for (let attempt = 0; attempt < FREEZE_ATTEMPTS; attempt++) {
    // v1: FREEZING may stall on a task that forked meanwhile; writing
    // FROZEN again retries the walk (what runc does too).
    if (f.version === 1 || attempt === 0) writeCgroupFile(join(f.dir, f.version === 1 ? 'freezer.state' : 'cgroup.freeze'), f.version === 1 ? 'FROZEN' : '1');
    if (isFrozen(f)) return;
    sleepMs(1);
  }
  thaw(f);
  throw new KagoError(`cgroup ${f.dir}`, 'the processes could not be frozen');
}

export function thaw(f: Freezer): void {
  writeCgroupFile(join(f.dir, f.version === 1 ? 'freezer.state' : 'cgroup.freeze'), f.version === 1 ? 'THAWED' : '0');
}

/**
 * SIGKILL to every process in the container's cgroups. cgroup.kill (Linux
 * 5.14) kills the whole v2 subtree at once, forks included; on v1 the freezer
 * stops forks while the signals go out, and the thaw lets them take effect.
 */
export function killCgroupProcesses(dirs: readonly string[]): void {
  for (const dir of dirs) {
    if (existsSync(join(dir, 'cgroup.kill')) && readTrim(join(dir, 'cgroup.procs')) !== '') writeCgroupFile(join(dir, 'cgroup.kill'), '1');
  }
  const v1 = dirs.find((d) => existsSync(join(d, 'freezer.state')));
  if (!v1) return;
  const f: Freezer = { version: 1, dir: v1 };
  try {
    freeze(f);
  } catch (e) {
    // killing proceeds unfrozen: the caller's loop catches late forks
    logFailure('killing unfrozen', e);
  }
  for (const pid of cgroupPids([...dirs])) killProcess(pid, 9);
  thaw(f);
}

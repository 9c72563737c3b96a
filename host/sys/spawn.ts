// Starting a process whose descriptors kago lays out itself (the executor:
// stdio, the sync socket at 3, the console and preserved fds after it).
// Under Bun, Bun.spawn does it in ~0.2 ms; node:child_process costs ~4 ms
// (loading the module, then spawning), most of a short command's budget.
import type { StdioOptions } from 'node:child_process';
import { builtin } from './builtin.ts';

type Slot = 'inherit' | 'ignore' | number;

interface BunRuntime {
  spawn(cmd: string[], options: { stdio: Slot[]; env: Record<string, string> }): { pid: number; unref(): void };
}

/**
 * The child's pid; fds[i] becomes the child's fd i. Nobody waits for it
 * here. `detached`: a process that outlives kago, which then does not stay
 * alive for it (and, under Node, a session of its own).
 */
export function spawnWithFds(path: string, args: string[], fds: Slot[], env: Record<string, string>, detached = false): number {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  if (bun) {
    const child = bun.spawn([path, ...args], { stdio: fds, env });
    if (detached) child.unref();
    return child.pid;
  }
  const child = builtin('node:child_process').spawn(path, args, { stdio: fds as StdioOptions, env, detached });
  child.on('error', () => {});
  if (detached) child.unref();
  if (child.pid === undefined) throw new Error(`cannot start ${path}`);
  return child.pid;
}

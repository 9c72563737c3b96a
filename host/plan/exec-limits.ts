// execve(2)'s limits on what it copies (fs/exec.c, bprm_stack_limits and
// copy_strings): one string at most MAX_ARG_STRLEN (32 pages); all the
// strings and their pointers at most a quarter of the stack rlimit, no less
// than ARG_MAX (32 pages) and no more than 3/4 of _STK_LIM (6 MB). Past them
// execve fails with E2BIG, after the whole container has been set up; kago
// says so before it makes anything. runc 1.1.5 spins in `runc init` on
// 200,000 variables instead.
import { readFileSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import type { Process } from '../../wasm/spec.gen.ts';

const PAGE = 4096;
const MAX_ARG_STRLEN = 32 * PAGE;
const ARG_MAX = 32 * PAGE;
const STK_LIM = 8 * 1024 * 1024;
const POINTER = 8;

/** RLIMIT_STACK's soft limit: the process's own, or the one it inherits from kago. */
function stackLimit(proc: Process): number {
  const own = proc.rlimits?.find((r) => r.type === 'RLIMIT_STACK');
  if (own) return own.soft;
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max stack size'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** `where` is how the process is named in the error ("config.json: /process", "process.json"). */
export function checkExecLimits(proc: Process, where: string): void {
  const args = proc.args ?? [];
  const env = proc.env ?? [];
  for (const [field, list] of [
    ['args', args],
    ['env', env],
  ] as const) {
    list.forEach((s, i) => {
      const bytes = Buffer.byteLength(s) + 1;
      if (bytes > MAX_ARG_STRLEN)
        throw new KagoError(`${where}/${field}/${i}`, `${bytes} bytes: longer than execve(2) takes for one string (${MAX_ARG_STRLEN})`);
    });
  }
  const limit = Math.max(Math.min((STK_LIM / 4) * 3, Math.floor(stackLimit(proc) / 4)), ARG_MAX);
  const strings = [...args, ...env].reduce((n, s) => n + Buffer.byteLength(s) + 1, Buffer.byteLength(args[0] ?? '') + 1);
  const total = strings + (Math.max(args.length, 1) + env.length) * POINTER;
  if (total > limit) {
    const field = Buffer.byteLength(env.join('')) >= Buffer.byteLength(args.join('')) ? 'env' : 'args';
    throw new KagoError(
      `${where}/${field}`,
      `${count(args.length, 'argument')} and ${count(env.length, 'environment variable')} take ${mb(total)} with their pointers: more than execve(2) takes (${mb(limit)}: a quarter of the stack limit, at most 6 MB)`,
    );
  }
}

import type { StateStore } from '../state/store.ts';
import { UsageError } from '../errors.ts';
import type { FlagSpec, Parsed } from './args.ts';

export interface Context {
  store: StateStore;
  root: string;
  /** --systemd-cgroup */
  systemdCgroup: boolean;
}

export interface Command {
  name: string;
  /** "create [command options] <container-id>" */
  usage: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** read flags after positional arguments too (runc's commands that take only ids) */
  interspersed?: boolean;
  run(ctx: Context, args: Parsed): number | Promise<number>;
}

export function requireArgs(args: Parsed, min: number, max: number, what: string): string[] {
  const n = args.positionals.length;
  if (n < min || n > max) {
    const expected = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new UsageError(`expects ${expected} argument${max === 1 ? '' : 's'} (${what}), got ${n}`);
  }
  return args.positionals;
}

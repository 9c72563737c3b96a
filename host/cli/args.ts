// Flags the way runc (Go's flag package under urfave/cli) reads them:
// -name or --name, "--name value" or "--name=value", booleans without a value,
// parsing stops at the first positional argument or at "--".
import { UsageError } from '../errors.ts';

export type FlagType = 'bool' | 'string' | 'int' | 'list';

export interface FlagSpec {
  names: readonly string[];
  type: FlagType;
  help: string;
  arg?: string;
}

export type FlagValues = Map<string, string | boolean | string[]>;

export interface Parsed {
  flags: FlagValues;
  positionals: string[];
}

function find(specs: readonly FlagSpec[], name: string): FlagSpec | undefined {
  return specs.find((s) => s.names.includes(name));
}

/**
 * interspersed: also read flags after positional arguments (for commands whose
 * positionals are plain ids; never for those that take a command line).
 */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[], interspersed = false): Parsed {
  const flags: FlagValues = new Map();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      if (!interspersed) {
        positionals.push(...args.slice(i + 1));
        break;
      }
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = find(specs, name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    const key = spec.names[0]!;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.type === 'bool') {
      if (value !== undefined && !['true', 'false', '1', '0'].includes(value)) {
        throw new UsageError(`invalid boolean value ${JSON.stringify(value)} for -${name}`);
      }
      flags.set(key, value === undefined || value === 'true' || value === '1');
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = args[++i]!;
    }
    if (spec.type === 'int' && !/^-?\d+$/.test(value)) {
      throw new UsageError(`invalid value ${JSON.stringify(value)} for flag -${name}: must be an integer`);
    }
    if (spec.type === 'list') {
      const list = (flags.get(key) as string[] | undefined) ?? [];
      list.push(value);
      flags.set(key, list);
    } else {
      flags.set(key, value);
    }
  }
  return { flags, positionals };
}

export function str(flags: FlagValues, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function bool(flags: FlagValues, name: string): boolean {
  return flags.get(name) === true;
}

export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const names = s.names.map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', ');
      const left = s.arg ? `${names} ${s.arg}` : names;
      return `   ${left.padEnd(28)} ${s.help}`;
    })
    .join('\n');
}

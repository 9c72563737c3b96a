import { builtin } from './builtin.ts';

let names: Map<number, string> | undefined;

function errnoNames(): Map<number, string> {
  if (names) return names;
  names = new Map();
  for (const [name, value] of Object.entries(builtin('node:os').constants.errno)) {
    if (!names.has(value)) names.set(value, name);
  }
  return names;
}

/** EPERM for 1, and so on; the number itself when unknown. */
export function errnoName(errno: number): string {
  return errnoNames().get(errno) ?? `errno ${errno}`;
}

import { constants } from 'node:os';

const names = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!names.has(value)) names.set(value, name);
}

/** EPERM for 1, and so on; the number itself when unknown. */
export function errnoName(errno: number): string {
  return names.get(errno) ?? `errno ${errno}`;
}

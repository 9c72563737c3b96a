import { builtin } from '../sys/builtin.ts';
import { KagoError } from '../errors.ts';

/** SIGTERM, TERM, term and 15 all name the same signal, as runc accepts. */
export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    // 0 checks that the container is running, as kill(1) and runc do.
    if (n >= 0 && n <= 64) return n;
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const n = (builtin('node:os').constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new KagoError(`signal ${JSON.stringify(text)}`, 'unknown signal');
  return n;
}

// Durations as runc's flags take them (events --interval).
import { KagoError } from '../errors.ts';

/** Go's time.ParseDuration for the units people write: "5s", "100ms", "1m30s". */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  let rest = text;
  if (rest === '' || rest === '0') return 0;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new KagoError('--interval', `invalid duration ${JSON.stringify(text)}`);
    ms += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return ms;
}

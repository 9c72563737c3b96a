// Cost growth: N foreground `run`s of busybox `true` started at once, as an
// engine starting a pod or a CI fleet would; containers per second of wall time.
import { timedConcurrent } from './proc.mjs';
import { append, summarize } from './stats.mjs';

export async function concurrentRuns(ctx, runtimes, sizes, repeats) {
  const result = {};
  for (const n of sizes) {
    result[n] = {};
    for (let rep = 0; rep < repeats; rep++) {
      for (const r of rep % 2 ? [...runtimes].reverse() : runtimes) {
        const argvs = Array.from({ length: n }, (_, i) => r.argv(['run', '--bundle', ctx.bundle, `${r.tag}-par-${n}-${rep}-${i}`]));
        const ms = await timedConcurrent(argvs, ctx.logFile);
        append(result[n], r.name, (n * 1000) / ms);
      }
    }
    for (const name of Object.keys(result[n])) result[n][name] = summarize(result[n][name]);
  }
  return result;
}

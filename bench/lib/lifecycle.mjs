// The lifecycle measurements, taken in rounds: in each round every runtime
// runs once, in an order that rotates, so a slow moment of a shared machine
// falls on all of them alike.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measured, quiet, timed, vmRssKiB } from './proc.mjs';
import { append, summarize } from './stats.mjs';

function rotated(list, round) {
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function rounds(runtimes, n, fn) {
  const samples = Object.fromEntries(runtimes.map((r) => [r.name, []]));
  for (let i = 0; i < n; i++) {
    for (const r of rotated(runtimes, i)) samples[r.name].push(fn(r, i));
  }
  return samples;
}

const opts = (ctx, r) => ({ logFile: ctx.logFile, env: r.env });

// create, start and delete --force of busybox `true`, and each step alone:
// wall time and CPU (user + system of the runtime's processes it waited for).
export function createStartDelete(ctx, runtimes, n) {
  const steps = { create: {}, start: {}, delete: {} };
  const cpu = { create: {}, start: {}, delete: {} };
  const totalCpu = {};
  const total = rounds(runtimes, n, (r, i) => {
    const id = `${r.tag}-csd-${i}`;
    const c = measured(r.argv(['create', '--bundle', ctx.bundle, id]), opts(ctx, r));
    const s = measured(r.argv(['start', id]), opts(ctx, r));
    const d = measured(r.argv(['delete', '--force', id]), opts(ctx, r));
    for (const [k, v] of /** @type {const} */ ([
      ['create', c],
      ['start', s],
      ['delete', d],
    ])) {
      append(steps[k], r.name, v.ms);
      append(cpu[k], r.name, v.cpuMs);
    }
    append(totalCpu, r.name, c.cpuMs + s.cpuMs + d.cpuMs);
    return c.ms + s.ms + d.ms;
  });
  return {
    total: mapValues(total, summarize),
    steps: mapValues(steps, (byRuntime) => mapValues(byRuntime, summarize)),
    cpu: { total: mapValues(totalCpu, summarize), steps: mapValues(cpu, (byRuntime) => mapValues(byRuntime, summarize)) },
  };
}

// `run` in the foreground: create, start, wait for exit, delete; wall and CPU.
export function runForeground(ctx, runtimes, n) {
  const cpu = {};
  const wall = rounds(runtimes, n, (r, i) => {
    const m = measured(r.argv(['run', '--bundle', ctx.bundle, `${r.tag}-run-${i}`]), opts(ctx, r));
    append(cpu, r.name, m.cpuMs);
    return m.ms;
  });
  return { wall: mapValues(wall, summarize), cpu: mapValues(cpu, summarize) };
}

// `kill KILL` of a running container (busybox sleep started with run -d),
// then delete, which is not measured here.
export function killRunning(ctx, runtimes, n) {
  return mapValues(
    rounds(runtimes, n, (r, i) => {
      const id = `${r.tag}-kill-${i}`;
      timed(r.argv(['run', '--detach', '--bundle', ctx.sleepBundle, id]), opts(ctx, r));
      try {
        return timed(r.argv(['kill', id, 'KILL']), opts(ctx, r));
      } finally {
        quiet(r.argv(['delete', '--force', id]));
      }
    }),
    summarize,
  );
}

// The start-up floor: what a process costs before it does any work (a static
// binary that exits, a Bun executable that does nothing), and each runtime's
// commands that do nothing: --version, list on an empty root, and state,
// kill and delete of a container that does not exist (an error, as fast as
// the command can give one).
export function startupFloor(ctx, runtimes, floors, n) {
  /** @type {Array<[string, string[], number[]]>} */
  const idle = [
    ['--version', ['--version'], [0]],
    ['list (no containers)', ['list'], [0]],
    ['state (no such container)', ['state', 'bench-none'], [1]],
    ['kill (no such container)', ['kill', 'bench-none', 'KILL'], [1]],
    ['delete (no such container)', ['delete', 'bench-none'], [1]],
  ];
  const sample = (argv, allow) => {
    const m = [];
    for (let i = 0; i < n; i++) m.push(measured(argv, { logFile: ctx.logFile, allow }));
    return {
      ms: summarize(m.map((x) => x.ms)),
      cpuMs: summarize(m.map((x) => x.cpuMs)),
      minflt: summarize(m.map((x) => x.minflt)),
      rssMiB: summarize(m.map((x) => x.rssKiB / 1024)),
    };
  };
  const out = { floors: {}, commands: {} };
  for (const [label, argv] of floors) out.floors[label] = sample(argv, [0]);
  for (const [label, args, allow] of idle) {
    out.commands[label] = {};
    for (let i = 0; i < n; i++) {
      for (const r of rotated(runtimes, i)) {
        const m = measured(r.argv(args), { logFile: ctx.logFile, allow });
        if (!out.commands[label][r.name]) out.commands[label][r.name] = { ms: [], cpuMs: [], minflt: [] };
        const slot = out.commands[label][r.name];
        slot.ms.push(m.ms);
        slot.cpuMs.push(m.cpuMs);
        slot.minflt.push(m.minflt);
      }
    }
    for (const r of runtimes) out.commands[label][r.name] = mapValues(out.commands[label][r.name], summarize);
  }
  return out;
}
// `exec true` into a running container (busybox sleep), and `state` of a
// created one; both keep their containers for the whole measurement.
export function execAndState(ctx, runtimes, n) {
  for (const r of runtimes) {
    timed(r.argv(['run', '--detach', '--bundle', ctx.sleepBundle, `${r.tag}-exec`]), opts(ctx, r));
    timed(r.argv(['create', '--bundle', ctx.bundle, `${r.tag}-state`]), opts(ctx, r));
  }
  try {
    const exec = rounds(runtimes, n, (r) => timed(r.argv(['exec', `${r.tag}-exec`, 'true']), opts(ctx, r)));
    const state = rounds(runtimes, n, (r) => timed(r.argv(['state', `${r.tag}-state`]), opts(ctx, r)));
    return { exec: mapValues(exec, summarize), state: mapValues(state, summarize) };
  } finally {
    for (const r of runtimes) {
      quiet(r.argv(['delete', '--force', `${r.tag}-exec`]));
      quiet(r.argv(['delete', '--force', `${r.tag}-state`]));
    }
  }
}

// Resident memory: of init while it waits for start (VmRSS of the pid the
// runtime reports), and the peak RSS of the CLI process for create and run.
// For kago's create that is the Bun executable: the launcher execs dist/kago
// in the same process, and the peak a process reports survives its execs.
export function memory(ctx, runtimes, n) {
  const init = {};
  const cliCreate = {};
  const cliRun = {};
  for (let i = 0; i < n; i++) {
    for (const r of rotated(runtimes, i)) {
      const id = `${r.tag}-mem-${i}`;
      const pidFile = join(ctx.scratch, `${r.name}-${id}.pid`);
      try {
        append(cliCreate, r.name, measured(r.argv(['create', '--bundle', ctx.bundle, '--pid-file', pidFile, id]), opts(ctx, r)).rssKiB);
        append(init, r.name, vmRssKiB(Number(readFileSync(pidFile, 'utf8').trim())));
      } finally {
        quiet(r.argv(['delete', '--force', id]));
      }
      append(cliRun, r.name, measured(r.argv(['run', '--bundle', ctx.bundle, `${r.tag}-memrun-${i}`]), opts(ctx, r)).rssKiB);
    }
  }
  const mib = (xs) => summarize(xs.map((k) => k / 1024));
  return { initRss: mapValues(init, mib), cliCreatePeak: mapValues(cliCreate, mib), cliRunPeak: mapValues(cliRun, mib) };
}

// The same steps with only the launcher differing (the Bun executable, the
// Node host with and without its compile cache).
export function launcherComparison(ctx, variants, n) {
  const state = (() => {
    for (const v of variants) timed(v.argv(['create', '--bundle', ctx.bundle, `${v.tag}-lv`]), opts(ctx, v));
    try {
      return rounds(variants, n, (v) => timed(v.argv(['state', `${v.tag}-lv`]), opts(ctx, v)));
    } finally {
      for (const v of variants) quiet(v.argv(['delete', '--force', `${v.tag}-lv`]));
    }
  })();
  const version = rounds(variants, n, (v) => timed(v.argv(['--version']), opts(ctx, v)));
  const run = rounds(variants, n, (v, i) => timed(v.argv(['run', '--bundle', ctx.bundle, `${v.tag}-lvrun-${i}`]), opts(ctx, v)));
  const csd = rounds(variants, n, (v, i) => {
    const id = `${v.tag}-lvcsd-${i}`;
    return (
      timed(v.argv(['create', '--bundle', ctx.bundle, id]), opts(ctx, v)) +
      timed(v.argv(['start', id]), opts(ctx, v)) +
      timed(v.argv(['delete', '--force', id]), opts(ctx, v))
    );
  });
  return {
    version: mapValues(version, summarize),
    state: mapValues(state, summarize),
    createStartDelete: mapValues(csd, summarize),
    run: mapValues(run, summarize),
  };
}

export function mapValues(obj, fn) {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

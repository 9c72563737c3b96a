// Reads a Chrome-format CPU profile (.cpuprofile: nodes with callFrames,
// samples, timeDeltas), as Bun's --cpu-prof and node --cpu-prof both write,
// and answers "how long was spent inside function F", counting a sample once
// per function however deep F recurses. Blocking syscalls made through koffi
// show up as samples of the JS function that made them (under a native frame),
// which is what lets waiting be attributed.
import { readFileSync } from 'node:fs';

// Per probe label: inclusive ms, or null when no frame of the profile matched
// (the function was renamed, did not run, or ran between two samples); a
// matched function with no time of its own still counts its callees.
export function inclusiveTimes(file, probes) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  p.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const out = Object.fromEntries(probes.map(([label]) => [label, null]));
  for (const n of p.nodes) for (const [label, match] of probes) if (out[label] === null && match(n.callFrame)) out[label] = 0;
  for (const [id, us] of selfUs) {
    const hit = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      for (const [label, match] of probes) if (!hit.has(label) && match(f)) hit.add(label);
    }
    for (const label of hit) out[label] += us / 1000;
  }
  out.total = (p.endTime - p.startTime) / 1000;
  return out;
}

// kago's own code: the Bun executable's embedded module (file:///$bunfs/root/
// kago, the core's loader included) or the Node bundles.
const KAGO_URL = /(\/\$bunfs\/root\/kago|\/kago\.cjs|\/core\.cjs)$/;

// Any frame of kago's own code, whatever the function.
export const kagoCode = (f) => KAGO_URL.test(f.url);

// A probe matching a named function of kago's (the bundlers keep names:
// Bun builds with --minify-syntax only; a clash gets a digit, as libc.ts's
// `load` became `load2`, so probe names that are unique in the host).
export const fn = (name) => (f) => f.functionName === name && KAGO_URL.test(f.url);

// Loading a built-in module (require, process.getBuiltinModule): Bun shows
// the module's top level as a function named after it (`node:fs` at
// node:fs:0), Node as an anonymous function at line 0 of that url.
export const anyBuiltinModule = (f) => f.url.startsWith('node:') && f.lineNumber === 0 && (f.functionName === f.url || f.functionName === '');

// Reads a V8 CPU profile (node --cpu-prof) and answers "how long was spent
// inside function F", counting a sample once per function however deep F
// recurses. Blocking syscalls made through koffi show up as samples of the JS
// function that made them, which is what lets waiting be attributed.
import { readFileSync } from 'node:fs';

export function inclusiveTimes(file, probes) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const out = Object.fromEntries(probes.map(([label]) => [label, 0]));
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

// A probe matching a named function of one of kago's bundles.
export const fn = (name, bundle = 'kago.cjs') => (f) => f.functionName === name && f.url.endsWith(bundle);
export const moduleTopLevel = (suffix) => (f) => f.functionName === '' && f.lineNumber === 0 && f.url.endsWith(suffix);

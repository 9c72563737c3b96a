// The report: a Markdown table for people, the JSON for tools, and an SVG
// chart drawn directly (no plotting library: bars, whiskers and text).
import { fmt, fmtSpread, ratio } from './stats.mjs';

const COLORS = { kago: '#3b6fb6', runc: '#c8553d', crun: '#5b8c5a' };

// The performance targets: kago's median against runc's (and crun's, as a
// stretch), as a ratio with its limit; higher is better only for throughput.
export function targets(r) {
  const med = (m, name) => m?.[name]?.median;
  const out = [];
  const against = (label, m, limit, unit, { higherIsBetter = false, digits = 1 } = {}) => {
    for (const ref of ['runc', 'crun']) {
      const k = med(m, 'kago'),
        o = med(m, ref);
      const q = ratio(k, o);
      const met = Number.isFinite(q) && (higherIsBetter ? q >= limit : q <= limit);
      const sign = higherIsBetter ? '≥' : '≤';
      out.push([
        `${label} ${sign} ${limit}× ${ref}${ref === 'crun' ? ' (stretch)' : ''}`,
        met,
        `${fmt(q, 2)}× (${fmt(k, digits)} vs ${fmt(o, digits)} ${unit})`,
      ]);
    }
  };
  const steps = r.lifecycle.steps;
  against('create+start+delete', r.lifecycle.total, 1.0, 'ms');
  against('run', r.run.wall, 1.0, 'ms');
  against('start', steps.start, 1.2, 'ms');
  against('delete', steps.delete, 1.2, 'ms');
  against('state', r.execState.state, 1.2, 'ms');
  if (r.kill) against('kill', r.kill, 1.2, 'ms');
  against('CPU per create+start+delete', r.lifecycle.cpu.total, 1.0, 'CPU ms');
  against('CPU per run', r.run.cpu, 1.0, 'CPU ms');
  if (r.concurrency?.[32]) against('32 concurrent runs, containers/s', r.concurrency[32], 1.0, '/s', { higherIsBetter: true });
  against('peak RSS of create', r.memory.cliCreatePeak, 2.0, 'MiB', { digits: 2 });
  out.push([
    'waiting init RSS ≤ crun',
    med(r.memory.initRss, 'kago') <= med(r.memory.initRss, 'crun'),
    `${fmt(med(r.memory.initRss, 'kago'), 2)} vs ${fmt(med(r.memory.initRss, 'crun'), 2)} MiB`,
  ]);
  const s = r.seccomp;
  if (s && !s.error) {
    out.push(['seccomp compile (Docker default) ≤ 1 ms', s.kagoWasmMs <= 1, `${fmt(s.kagoWasmMs, 3)} ms (wasm)`]);
    out.push(['seccomp compile ≥ 10× faster than libseccomp', s.speedup >= 10, `${fmt(s.speedup)}× (libseccomp ${fmt(s.libseccompMs, 2)} ms)`]);
  }
  return out.map(([name, met, detail]) => ({ name, met: met === true, detail }));
}

// The start-up floor: the floors alone, then each runtime's idle commands.
function startupTables(st, names) {
  const lines = [
    '### Start-up floor: processes that do nothing',
    '',
    row(['', 'wall ms', 'CPU ms', 'minor faults', 'peak RSS MiB']),
    row(Array(5).fill('---')),
  ];
  for (const [label, m] of Object.entries(st.floors))
    lines.push(row([label, fmtSpread(m.ms), fmtSpread(m.cpuMs), fmt(m.minflt.median, 0), fmt(m.rssMiB.median, 1)]));
  lines.push(
    '',
    comparisonTable(
      'Start-up floor: each command doing nothing (wall ms)',
      Object.entries(st.commands).map(([l, m]) => [l, mapField(m, 'ms')]),
      names,
      'ms',
    ),
  );
  lines.push(
    '',
    comparisonTable(
      'Start-up floor: CPU ms of the same',
      Object.entries(st.commands).map(([l, m]) => [l, mapField(m, 'cpuMs')]),
      names,
      'CPU ms',
    ),
  );
  lines.push(
    '',
    comparisonTable(
      'Start-up floor: minor page faults of the same',
      Object.entries(st.commands).map(([l, m]) => [l, mapField(m, 'minflt')]),
      names,
      'faults',
      0,
    ),
  );
  return lines.join('\n');
}

function mapField(byRuntime, field) {
  return Object.fromEntries(Object.entries(byRuntime).map(([k, v]) => [k, v[field]]));
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

function comparisonTable(title, metrics, names, unit, digits = 1) {
  const lines = [`### ${title}`, '', row(['', ...names.map((n) => `${n} ${unit}`), 'kago/runc', 'kago/crun']), row(Array(names.length + 3).fill('---'))];
  for (const [label, m] of metrics) {
    if (!m) continue;
    lines.push(
      row([label, ...names.map((n) => fmtSpread(m[n], digits)), fmt(ratio(m.kago?.median, m.runc?.median), 2), fmt(ratio(m.kago?.median, m.crun?.median), 2)]),
    );
  }
  return lines.join('\n');
}

// A step inside the one above is indented by two spaces per level in its
// label; Markdown drops leading spaces, so levels show as arrows.
function nested(label) {
  const depth = (label.length - label.trimStart().length) / 2;
  return depth ? `${'\u00a0\u00a0'.repeat(depth - 1)}↳ ${label.trimStart()}` : label;
}

function simpleTable(title, obj, unit, digits = 1) {
  const lines = [`### ${title}`, '', row(['', unit]), row(['---', '---'])];
  for (const [k, v] of Object.entries(obj)) lines.push(row([k, fmtSpread(v, digits)]));
  return lines.join('\n');
}

export function markdown(r) {
  const names = ['kago', 'runc', 'crun'];
  const out = [
    `# kago benchmark ${r.meta.timestamp}`,
    '',
    `${r.meta.host}; ${r.meta.versions.join('; ')}; ${r.meta.rounds} alternating rounds; medians with the 10th–90th percentile in parentheses.`,
    r.meta.crunWrapped
      ? `crun runs inside \`unshare -m\` with the cgroup2 mount removed (hybrid host); that wrapper alone costs ${fmtSpread(r.wrapper)} ms and is included in crun's times.`
      : '',
    '',
    '## Targets',
    '',
    row(['target', 'met', 'figures']),
    row(['---', '---', '---']),
    ...r.targets.map((t) => row([t.name, t.met ? 'met' : 'NOT met', t.detail])),
    '',
  ];
  out.push(
    comparisonTable(
      'Lifecycle (ms)',
      [
        ['create+start+delete', r.lifecycle.total],
        ['  create', r.lifecycle.steps.create],
        ['  start', r.lifecycle.steps.start],
        ['  delete', r.lifecycle.steps.delete],
        ['run (foreground)', r.run.wall],
        ['exec (true)', r.execState.exec],
        ['state', r.execState.state],
        ['kill KILL (running)', r.kill],
      ],
      names,
      'ms',
    ),
    '',
  );
  out.push(
    comparisonTable(
      "CPU per container (user + system ms of the runtime's processes, from wait4)",
      [
        ['create+start+delete', r.lifecycle.cpu.total],
        ['  create', r.lifecycle.cpu.steps.create],
        ['  start', r.lifecycle.cpu.steps.start],
        ['  delete', r.lifecycle.cpu.steps.delete],
        ['run (foreground)', r.run.cpu],
      ],
      names,
      'CPU ms',
    ),
    '',
  );
  if (r.startup) out.push(startupTables(r.startup, names), '');
  out.push(
    comparisonTable(
      'Memory (MiB)',
      [
        ['waiting init VmRSS', r.memory.initRss],
        ['CLI peak RSS, create', r.memory.cliCreatePeak],
        ['CLI peak RSS, run', r.memory.cliRunPeak],
      ],
      names,
      'MiB',
      2,
    ),
    '',
  );
  const conc = Object.entries(r.concurrency).map(([n, m]) => [`N = ${n}`, m]);
  out.push(
    conc.length
      ? comparisonTable('Concurrent runs (containers/s; higher is better)', conc, names, '/s')
      : '### Concurrent runs: not measured (--no-concurrency)',
    '',
  );
  if (r.seccomp?.rows) {
    out.push(
      '### Seccomp, Docker default profile (bench/seccomp-table.mjs)',
      '',
      row(['filter', 'instructions', 'mean executed', 'max executed', 'compile ms']),
      row(Array(5).fill('---')),
    );
    for (const x of r.seccomp.rows)
      out.push(
        row([
          x.name,
          x.instructions,
          x.meanExecuted.join(' / '),
          x.maxExecuted,
          `${fmt(x.compileMs, 3)}${Number.isFinite(x.nativeMs) ? ` (native ${fmt(x.nativeMs, 3)})` : ''}`,
        ]),
      );
    out.push('');
  } else if (r.seccomp?.error) out.push(`Seccomp table failed: ${r.seccomp.error}`, '');
  const ip = r.inProcess;
  out.push(
    '### Core (wasm), in one process',
    '',
    row(['step', 'ms']),
    row(['---', '---']),
    row(['compile the .wasm (new WebAssembly.Module)', fmtSpread(ip.wasmCompileMs, 2)]),
    row(['load the core (emnapi + WASI + instance)', fmtSpread(ip.coreInstantiateMs, 2)]),
    row(['validate the bench config.json', fmtSpread(ip.validateBundleConfigMs, 3)]),
  );
  if (ip.validateSpecExample)
    out.push(row([`validate runtime-spec spec-example.json (${ip.validateSpecExample.errors} errors)`, fmtSpread(ip.validateSpecExample.ms, 3)]));
  out.push('', simpleTable("Where kago's time goes: whole processes", r.breakdown.processes, 'ms'), '');
  const prof = r.breakdown.profile;
  const labels = [...new Set(Object.values(prof).flatMap((m) => Object.keys(m)))];
  out.push(
    "### Where kago's time goes: CPU profiles of dist/kago (inclusive ms, median; the profiler slows everything)",
    '',
    "Bun's `--cpu-prof` through `BUN_OPTIONS`, one sample per 250 µs. Empty: that command never ran the function, or no sample fell inside it.",
    '',
    row(['step', ...Object.keys(prof)]),
    row(Array(Object.keys(prof).length + 1).fill('---')),
  );
  for (const l of labels) out.push(row([nested(l), ...Object.values(prof).map((m) => (m[l] ? fmt(m[l].median) : ''))]));
  const unseen = labels.filter((l) => Object.values(prof).every((m) => !m[l]));
  if (unseen.length)
    out.push(
      '',
      `No frame matched in any command: ${unseen.map((l) => `"${l.trim()}"`).join(', ')} (renamed or no longer called in the host, or never sampled).`,
    );
  out.push('');
  if (r.launchers) {
    const variants = Object.keys(r.launchers.run);
    const lines = ['### Launchers (ms): the same kago host started differently', '', row(['', ...variants]), row(Array(variants.length + 1).fill('---'))];
    for (const [k, m] of Object.entries(r.launchers)) lines.push(row([k, ...variants.map((v) => fmtSpread(m[v]))]));
    out.push(lines.join('\n'), '');
  }
  return out.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

// One panel per metric, its own scale; a bar for the median and a whisker
// for the 10th–90th percentile of each runtime.
export function svg(r) {
  const panels = [
    ['create+start+delete (ms)', r.lifecycle.total],
    ['run (ms)', r.run.wall],
    ['CPU per create+start+delete (ms)', r.lifecycle.cpu.total],
    ['exec (ms)', r.execState.exec],
    ['state (ms)', r.execState.state],
    ['waiting init RSS (MiB)', r.memory.initRss],
    ['CLI peak RSS, create (MiB)', r.memory.cliCreatePeak],
    ...Object.entries(r.concurrency).map(([n, m]) => [`${n} concurrent runs (containers/s)`, m]),
  ];
  const names = ['kago', 'runc', 'crun'];
  const W = 720,
    left = 70,
    barW = 560,
    bar = 16,
    gap = 6,
    head = 22;
  const panelH = head + names.length * (bar + gap) + 14;
  const H = 40 + panels.length * panelH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">kago vs runc vs crun — ${esc(r.meta.timestamp)} (median, whisker 10–90th pct)</text>`,
  ];
  panels.forEach(([title, m], i) => {
    const y0 = 40 + i * panelH;
    const max = Math.max(...names.map((n) => m?.[n]?.p90 ?? 0)) || 1;
    parts.push(`<text x="10" y="${y0 + 14}" font-weight="bold">${esc(title)}</text>`);
    names.forEach((n, j) => {
      const s = m?.[n];
      const y = y0 + head + j * (bar + gap);
      parts.push(`<text x="${left - 8}" y="${y + 12}" text-anchor="end">${n}</text>`);
      if (!s) return;
      const x = (v) => left + (v / max) * barW;
      parts.push(`<rect x="${left}" y="${y}" width="${x(s.median) - left}" height="${bar}" fill="${COLORS[n]}"/>`);
      parts.push(`<line x1="${x(s.p10)}" x2="${x(s.p90)}" y1="${y + bar / 2}" y2="${y + bar / 2}" stroke="black"/>`);
      parts.push(`<text x="${Math.min(x(s.p90), left + barW - 40) + 6}" y="${y + 12}">${fmt(s.median, s.median < 10 ? 2 : 1)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

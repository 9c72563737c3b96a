// The page: paste a document, see its problems, compile and inspect the
// filter, ask about one syscall. Everything runs in the core's WebAssembly;
// window.kago exposes the same functions for automation.
import {
  analyzeFilter,
  compareFilters,
  DOCKER_DEFAULT_CAPABILITIES,
  disassemblyText,
  KagoProblemsError,
  loadKago,
  type Kago,
  type Problem,
} from '../../lib/browser.ts';
import type { SeccompReport } from '../../wasm/seccomp.ts';
import { actionChart, actionColour } from './chart.ts';
import { detectKind, KIND_LABELS, type DocumentKind } from './detect.ts';
import { sampleProfile } from './sample.ts';

// What a Docker container gets without --cap-add/--cap-drop.
const DOCKER_CAPS = DOCKER_DEFAULT_CAPABILITIES.join(' ');
const DOCKER_ARCHES = ['amd64', 'arm64', '386', 'arm', 'ppc64le', 's390x', 'riscv64', 'loong64', 'mips64le'];

function $<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  e.append(...children);
  return e;
}

let kago: Kago | null = null;
let loadMs: number | null = null;
let current: { bpf: Uint8Array; arches: string[] } | null = null;

function need(): Kago {
  if (kago === null) throw new Error('the kago core is not loaded yet: await window.kago.ready');
  return kago;
}

const ready = (async () => {
  const start = performance.now();
  kago = await loadKago(new URL('./kago-core.wasm', import.meta.url));
  loadMs = performance.now() - start;
  const status = $('status');
  status.textContent = `core loaded in ${loadMs.toFixed(1)} ms`;
  status.classList.add('ok');
  $<HTMLButtonElement>('analyze').disabled = false;
})();

// For automation (and the page's own tests): the library's functions.
const api = {
  ready,
  DOCKER_DEFAULT_CAPABILITIES,
  get loadMs() {
    return loadMs;
  },
  validate: (text: string) => need().validate(text),
  compileSeccomp: (text: string) => need().compileSeccomp(text),
  simulate: (bpf: Uint8Array, arch: string, syscall: string | number, args?: (bigint | number)[]) => need().simulate(bpf, arch, syscall, args),
  explain: (bpf: Uint8Array, arch: string, syscall: string | number, args?: (bigint | number)[]) => need().explain(bpf, arch, syscall, args),
  dockerProfileToOci: (text: string, options: { arch: string; capabilities?: string[]; kernel?: string }) => need().dockerProfileToOci(text, options),
  syscallNumber: (arch: string, name: string) => need().syscallNumber(arch, name),
  compareFilters: (bpf: Uint8Array, baseline: Uint8Array, arches: string[]) => compareFilters(need(), bpf, baseline, arches),
};
declare global {
  interface Window {
    kago: typeof api;
  }
}
window.kago = api;

const input = $<HTMLTextAreaElement>('input');

function showKind(): DocumentKind {
  const kind = input.value.trim() === '' ? 'unknown' : detectKind(input.value);
  const badge = $('kind');
  badge.textContent = input.value.trim() === '' ? '' : KIND_LABELS[kind];
  badge.dataset.kind = kind;
  $('docker-options').hidden = kind !== 'docker-seccomp';
  return kind;
}

// Selects the line a problem is about, so it can be seen in the text.
function reveal(line: number): void {
  const lines = input.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  input.focus();
  input.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  const lineHeight = parseFloat(getComputedStyle(input).lineHeight) || 18;
  input.scrollTop = Math.max(0, (line - 4) * lineHeight);
}

function showProblems(problems: readonly Problem[], prefix = ''): void {
  const list = $('problems');
  list.replaceChildren();
  for (const p of problems) {
    const where = p.line !== undefined ? `${p.line}:${p.column ?? 1}` : '';
    const item = h(
      'li',
      { class: p.severity },
      h('span', { class: 'sev', text: p.severity }),
      h('code', { class: 'ptr', text: `${prefix}${p.pointer}` || '/' }),
      h('span', { class: 'msg', text: p.message }),
      h('span', { class: 'pos', text: where }),
    );
    if (p.line !== undefined) {
      const line = p.line;
      item.classList.add('clickable');
      item.title = 'show in the text';
      item.addEventListener('click', () => reveal(line));
    }
    list.append(item);
  }
  list.hidden = problems.length === 0;
}

function addProblemNote(text: string, cls: 'ok' | 'error'): void {
  const list = $('problems');
  list.append(h('li', { class: cls, text }));
  list.hidden = false;
}

function summaryRow(dl: HTMLElement, term: string, value: string): void {
  dl.append(h('dt', { text: term }), h('dd', { text: value }));
}

function renderFilter(bpf: Uint8Array, report: SeccompReport, converted: Record<string, unknown> | null): void {
  const k = need();
  const arches = (report.arches ?? []).map((a) => a.name);
  current = { bpf, arches };
  const analyses = analyzeFilter(k, bpf, arches);
  const dl = $('summary');
  dl.replaceChildren();
  summaryRow(dl, 'instructions', `${bpf.length / 8} (${bpf.length} bytes)`);
  summaryRow(dl, 'default action', report.defaultAction?.name ?? '?');
  summaryRow(dl, 'flags', report.flagNames?.length ? report.flagNames.join(', ') : 'none');
  const all = analyses.flatMap((a) => a.outcomes);
  const mean = all.reduce((n, o) => n + o.executed, 0) / (all.length || 1);
  const max = all.reduce((n, o) => Math.max(n, o.executed), 0);
  summaryRow(dl, 'evaluation cost', `${mean.toFixed(1)} instructions on average, ${max} at most`);

  const table = $<HTMLTableElement>('arch-table');
  const actions = [...new Set(analyses.flatMap((a) => Object.keys(a.counts)))].sort();
  const head = h(
    'tr',
    {},
    h('th', { text: 'architecture' }),
    h('th', { text: 'syscalls' }),
    ...actions.map((a) => h('th', {}, h('i', { class: 'dot' }), a.replace('SCMP_ACT_', '').toLowerCase())),
    h('th', { text: 'conditional' }),
    h('th', { text: 'mean / max cost' }),
  );
  head.querySelectorAll('i.dot').forEach((dot, i) => {
    (dot as HTMLElement).style.background = actionColour(actions[i] ?? '');
  });
  const rows = analyses.map((a) => {
    const stats = report.arches?.find((s) => s.name === a.arch);
    return h(
      'tr',
      {},
      h('td', { text: a.arch.replace('SCMP_ARCH_', '') }),
      h('td', { text: String(a.outcomes.length) }),
      ...actions.map((act) => h('td', { text: String(a.counts[act] ?? 0) })),
      h('td', { text: String(stats?.conditional ?? 0) }),
      h('td', { text: `${a.meanExecuted.toFixed(1)} / ${a.maxExecuted}` }),
    );
  });
  table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows));
  $('chart').replaceChildren(actionChart(analyses));

  const archSelect = $<HTMLSelectElement>('q-arch');
  archSelect.replaceChildren(
    ...arches.map((a) => {
      const o = h('option', { text: a.replace('SCMP_ARCH_', '') });
      o.value = a;
      return o;
    }),
  );
  $('disasm').textContent = disassemblyText(bpf);
  $('converted-box').hidden = converted === null;
  $('converted').textContent = converted === null ? '' : JSON.stringify(converted, null, 2);
  $('answer').replaceChildren();
  $('comparison').replaceChildren();
  $('results').hidden = false;
}

function analyze(): void {
  const k = need();
  const kind = showKind();
  const text = input.value;
  $('results').hidden = true;
  current = null;
  try {
    if (kind === 'config') {
      const problems = k.validate(text);
      showProblems(problems);
      if (problems.some((p) => p.severity === 'error')) return;
      const { bpf, report } = k.compileSeccompReport(text);
      if (!report.seccomp) {
        addProblemNote('valid config.json; it has no linux.seccomp, so there is no filter to show', 'ok');
        return;
      }
      if (problems.length === 0) addProblemNote('valid config.json', 'ok');
      renderFilter(bpf, report, null);
    } else if (kind === 'docker-seccomp') {
      const options = {
        arch: $<HTMLSelectElement>('d-arch').value,
        capabilities: $<HTMLInputElement>('d-caps')
          .value.split(/[\s,]+/)
          .filter(Boolean),
        kernel: $<HTMLInputElement>('d-kernel').value.trim(),
      };
      const converted = k.dockerProfileToOci(text, options);
      if (converted === null) {
        showProblems([]);
        addProblemNote('this profile disables seccomp (no defaultAction and no syscalls)', 'ok');
        return;
      }
      const { bpf, report } = k.compileSeccompReport(converted);
      showProblems(report.problems, 'converted profile: ');
      renderFilter(bpf, report, converted);
    } else {
      const { bpf, report } = k.compileSeccompReport(text);
      showProblems(report.problems);
      renderFilter(bpf, report, null);
    }
  } catch (e) {
    if (e instanceof KagoProblemsError) showProblems(e.problems);
    else {
      showProblems([]);
      addProblemNote(e instanceof Error ? e.message : String(e), 'error');
    }
  }
}

function parseArgs(text: string): bigint[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const negative = s.startsWith('-');
      const body = negative ? s.slice(1) : s;
      const v = BigInt(/^0o/i.test(body) || /^0x/i.test(body) || /^0b/i.test(body) ? body : body.replace(/^0(?=\d)/, '0o'));
      return BigInt.asUintN(64, negative ? -v : v);
    });
}

function ask(event: Event): void {
  event.preventDefault();
  const k = need();
  const out = $('answer');
  if (current === null) return;
  const raw = $<HTMLInputElement>('q-syscall').value.trim();
  const syscall = /^\d+$/.test(raw) ? Number(raw) : raw;
  try {
    const why = k.explain(current.bpf, $<HTMLSelectElement>('q-arch').value, syscall, parseArgs($<HTMLInputElement>('q-args').value));
    const verdict = why.errno !== undefined ? `${why.action}  errno ${why.errno}` : why.action;
    const name = why.syscall ?? `#${why.nr}`;
    out.replaceChildren(
      h('p', { class: 'verdict' }, h('i', { class: 'dot' }), h('strong', { text: verdict }), ` for ${name} (nr ${why.nr}) after ${why.executed} instructions`),
      h('pre', { class: 'path', text: why.steps.map((s) => `${String(s.index).padStart(4, '0')}  ${s.text}`).join('\n') }),
    );
    (out.querySelector('i.dot') as HTMLElement).style.background = actionColour(why.action);
    out.dataset.action = why.action;
  } catch (e) {
    out.replaceChildren(h('p', { class: 'error', text: e instanceof Error ? e.message : String(e) }));
    out.dataset.action = '';
  }
}

// OCI architecture -> Docker's name for it, to convert Docker's profile for the profile's first architecture.
const DOCKER_ARCH_OF: Readonly<Record<string, string>> = {
  SCMP_ARCH_X86_64: 'amd64',
  SCMP_ARCH_AARCH64: 'arm64',
  SCMP_ARCH_X86: '386',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_RISCV64: 'riscv64',
  SCMP_ARCH_LOONGARCH64: 'loong64',
};

async function compareWithDocker(): Promise<void> {
  const k = need();
  const out = $('comparison');
  if (current === null) return;
  const shown = current;
  try {
    const text = await (await fetch(new URL('./docker-default.json', import.meta.url))).text();
    const docker = k.dockerProfileToOci(text, {
      arch: DOCKER_ARCH_OF[shown.arches[0] ?? ''] ?? 'amd64',
      capabilities: DOCKER_CAPS.split(' '),
      kernel: $<HTMLInputElement>('d-kernel').value.trim() || '6.1',
    });
    if (docker === null) throw new Error("Docker's default profile turned seccomp off");
    const results = compareFilters(k, shown.bpf, k.compileSeccomp(docker), shown.arches);
    out.replaceChildren(
      ...results.map((r) =>
        h(
          'div',
          { class: 'arch-comparison' },
          h('h3', { text: r.arch.replace('SCMP_ARCH_', '') }),
          h('p', {
            class: 'counts',
            text:
              `allows ${r.both.length + r.beyondBaseline.length} syscalls: ${r.both.length} that Docker's default allows too, ` +
              `${r.beyondBaseline.length} that it refuses; refuses ${r.removed.length} that Docker's default allows`,
          }),
          h(
            'ul',
            { class: 'beyond' },
            ...r.beyondBaseline.map((e) =>
              h(
                'li',
                {},
                h('code', { text: e.syscall ?? `#${e.nr}` }),
                ` Docker's default: ${e.errno !== undefined ? `${e.action} errno ${e.errno}` : e.action} after ${e.executed} instructions`,
              ),
            ),
          ),
          h(
            'details',
            {},
            h('summary', { text: `the ${r.removed.length} syscalls Docker's default allows and this profile refuses` }),
            h('p', { class: 'removed', text: r.removed.join(' ') }),
          ),
        ),
      ),
    );
  } catch (e) {
    out.replaceChildren(h('p', { class: 'error', text: e instanceof Error ? e.message : String(e) }));
  }
}

function setup(): void {
  $('d-caps').setAttribute('value', DOCKER_CAPS);
  $<HTMLSelectElement>('d-arch').replaceChildren(...DOCKER_ARCHES.map((a) => h('option', { text: a })));
  input.addEventListener('input', () => showKind());
  $('example').addEventListener('click', () => {
    input.value = sampleProfile;
    showKind();
    if (kago !== null) analyze();
  });
  $<HTMLInputElement>('file').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file === undefined) return;
    input.value = await file.text();
    showKind();
    if (kago !== null) analyze();
  });
  $('analyze').addEventListener('click', analyze);
  $('ask').addEventListener('submit', ask);
  $('compare').addEventListener('click', () => void compareWithDocker());
}

setup();
ready.catch((e: unknown) => {
  const status = $('status');
  status.textContent = `the core failed to load: ${e instanceof Error ? e.message : String(e)}`;
  status.classList.add('error');
});

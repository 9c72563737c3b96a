// A hand-made SVG chart: one stacked bar per architecture, the share of its
// syscalls each action gets (arguments 0).
import type { ArchAnalysis } from '../../lib/analyze.ts';

const SVG = 'http://www.w3.org/2000/svg';

export const ACTION_COLOURS: Readonly<Record<string, string>> = {
  SCMP_ACT_ALLOW: '#2f9e44',
  SCMP_ACT_LOG: '#74b816',
  SCMP_ACT_ERRNO: '#f08c00',
  SCMP_ACT_TRACE: '#7048e8',
  SCMP_ACT_NOTIFY: '#1c7ed6',
  SCMP_ACT_TRAP: '#e64980',
  SCMP_ACT_KILL_THREAD: '#c92a2a',
  SCMP_ACT_KILL_PROCESS: '#862e2e',
};

export function actionColour(action: string): string {
  return ACTION_COLOURS[action] ?? '#868e96';
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export function actionChart(analyses: readonly ArchAnalysis[]): SVGSVGElement {
  const labelWidth = 190;
  const barWidth = 520;
  const row = 30;
  const legendHeight = 28;
  const height = analyses.length * row + legendHeight + 8;
  const svg = el('svg', { viewBox: `0 0 ${labelWidth + barWidth + 60} ${height}`, role: 'img', class: 'chart' });
  const title = el('title', {});
  title.textContent = 'Syscalls per action, per architecture';
  svg.append(title);
  const actions = [...new Set(analyses.flatMap((a) => Object.keys(a.counts)))].sort(
    (a, b) => Object.keys(ACTION_COLOURS).indexOf(a) - Object.keys(ACTION_COLOURS).indexOf(b),
  );
  analyses.forEach((a, i) => {
    const y = i * row + 4;
    const name = el('text', { x: labelWidth - 8, y: y + 16, 'text-anchor': 'end', class: 'chart-label' });
    name.textContent = a.arch.replace('SCMP_ARCH_', '');
    svg.append(name);
    const total = a.outcomes.length || 1;
    let x = labelWidth;
    for (const action of actions) {
      const n = a.counts[action] ?? 0;
      if (n === 0) continue;
      const w = (n / total) * barWidth;
      const rect = el('rect', { x, y, width: Math.max(w, 1), height: row - 10, fill: actionColour(action), rx: 2 });
      const tip = el('title', {});
      tip.textContent = `${a.arch}: ${n} ${action.replace('SCMP_ACT_', '')}`;
      rect.append(tip);
      svg.append(rect);
      x += w;
    }
    const count = el('text', { x: labelWidth + barWidth + 6, y: y + 16, class: 'chart-count' });
    count.textContent = String(a.outcomes.length);
    svg.append(count);
  });
  let lx = labelWidth;
  const ly = analyses.length * row + 14;
  for (const action of actions) {
    svg.append(el('rect', { x: lx, y: ly, width: 12, height: 12, fill: actionColour(action), rx: 2 }));
    const t = el('text', { x: lx + 16, y: ly + 10, class: 'chart-legend' });
    t.textContent = action.replace('SCMP_ACT_', '');
    svg.append(t);
    lx += 30 + t.textContent.length * 7;
  }
  return svg;
}

// `kago create --dry-run`: the plan as a person reads it.
import type { PlanOp } from './format.gen.ts';
import type { Plan } from './types.ts';

function formatValue(name: string, v: unknown): string {
  if (typeof v === 'number') {
    if (name === 'mode' || name === 'mask') return `0o${v.toString(8)}`;
    if (name === 'flags' && v !== 0) return `0x${v.toString(16)}`;
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return JSON.stringify(v);
}

export function formatOp(op: PlanOp): string {
  const args = Object.entries(op)
    .filter(([k]) => k !== 'op')
    .map(([k, v]) => `${k}=${formatValue(k, v)}`);
  return `${op.op}(${args.join(', ')})`;
}

export function showPlan(plan: Plan): string {
  const lines: string[] = [];
  let stage = '';
  plan.ops.forEach((p, i) => {
    if (p.stage !== stage) {
      stage = p.stage;
      lines.push(`# ${stage} process`);
    }
    lines.push(`${String(i).padStart(3)}  ${formatOp(p.op)}  # ${p.what}`);
  });
  return `${lines.join('\n')}\n`;
}

// Order statistics: medians and the spread around them. Means are avoided on
// purpose: one descheduled run on a shared machine would move them.

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p10: quantile(s, 0.1),
    p90: quantile(s, 0.9),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
  };
}

export function fmt(x, digits = 1) {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

// "12.3 (11.0–14.2)": median with the 10th–90th percentile range.
export function fmtSpread(s, digits = 1) {
  if (!s?.n) return 'n/a';
  return `${fmt(s.median, digits)} (${fmt(s.p10, digits)}–${fmt(s.p90, digits)})`;
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN;
}

// Appends x to the list at obj[key], making the list on first use.
export function append(obj, key, x) {
  if (!obj[key]) obj[key] = [];
  obj[key].push(x);
}

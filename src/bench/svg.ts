// Minimal SVG charts for benchmark results (no dependencies): bars with min–max whiskers, and
// lines with points. Plain text out, so the charts diff and render on GitHub.

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly min?: number;
  readonly max?: number;
}

export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

const W = 720;
const H = 400;
const M = { top: 40, right: 150, bottom: 70, left: 80 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number): string => (Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 100) / 100));

/** Round-number ticks from 0 to at least max. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(Math.round(v * 1e9) / 1e9);
  return ticks;
}

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(18 ${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks: readonly number[], y: (v: number) => number): string[] {
  const out: string[] = [];
  for (const t of ticks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="black"/>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="black"/>`);
  return out;
}

/** Vertical bars (median) with min–max whiskers. */
export function barChart(title: string, yLabel: string, bars: readonly Bar[]): string {
  const top = Math.max(1, ...bars.map((b) => Math.max(b.value, b.max ?? 0)));
  const ticks = niceTicks(top);
  const yMax = ticks[ticks.length - 1]!;
  const y = (v: number): number => M.top + (H - M.top - M.bottom) * (1 - v / yMax);
  const slot = (W - M.left - M.right) / Math.max(1, bars.length);
  const body = yAxis(ticks, y);
  bars.forEach((b, i) => {
    const cx = M.left + slot * (i + 0.5);
    const bw = Math.min(60, slot * 0.6);
    body.push(`<rect x="${cx - bw / 2}" y="${y(b.value)}" width="${bw}" height="${y(0) - y(b.value)}" fill="${COLORS[0]}"/>`);
    if (b.min !== undefined && b.max !== undefined) {
      body.push(`<line x1="${cx}" x2="${cx}" y1="${y(b.min)}" y2="${y(b.max)}" stroke="black"/>`);
      for (const v of [b.min, b.max]) body.push(`<line x1="${cx - 6}" x2="${cx + 6}" y1="${y(v)}" y2="${y(v)}" stroke="black"/>`);
    }
    body.push(`<text x="${cx}" y="${y(b.value) - 6}" text-anchor="middle">${fmt(b.value)}</text>`);
    body.push(`<text x="${cx}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${esc(b.label)}</text>`);
  });
  return frame(title, '', yLabel, body);
}

/** Lines through points (x ascending), one colour per series, with a legend on the right. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const all = series.flatMap((s) => s.points);
  const xTicks = niceTicks(Math.max(1, ...all.map((p) => p.x)));
  const yTicks = niceTicks(Math.max(1, ...all.map((p) => p.y)));
  const xMax = xTicks[xTicks.length - 1]!;
  const yMax = yTicks[yTicks.length - 1]!;
  const x = (v: number): number => M.left + (W - M.left - M.right) * (v / xMax);
  const y = (v: number): number => M.top + (H - M.top - M.bottom) * (1 - v / yMax);
  const body = yAxis(yTicks, y);
  for (const t of xTicks) body.push(`<text x="${x(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')}"/>`);
    for (const p of pts) body.push(`<circle cx="${x(p.x)}" cy="${y(p.y)}" r="3.5" fill="${color}"/>`);
    const ly = M.top + 10 + i * 20;
    body.push(`<rect x="${W - M.right + 12}" y="${ly - 8}" width="12" height="12" fill="${color}"/>`);
    body.push(`<text x="${W - M.right + 30}" y="${ly + 2}">${esc(s.name)}</text>`);
  });
  return frame(title, xLabel, yLabel, body);
}

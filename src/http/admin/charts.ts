// Inline SVG charts for the dashboard, drawn on the server: no script, no library. Each chart is an
// image with a text label for screen readers and a <title> per bar or point (the browser's tooltip).
import { html, type SafeHtml } from "../../lib/html.ts";

export interface ChartSeries {
  name: string;
  values: readonly number[];
  color: string;
}

const W = 720;
const H = 220;
const PAD = { left: 70, right: 10, top: 10, bottom: 28 };

/** A round upper bound for the axis (1, 2, 5 × 10^n) at or above `v`. */
function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function axis(min: number, max: number, label: (v: number) => string, y: (v: number) => number): SafeHtml {
  const ticks = [min, min + (max - min) / 2, max].filter((v, i, a) => a.indexOf(v) === i);
  if (min < 0 && max > 0 && !ticks.includes(0)) ticks.push(0);
  return html`${ticks.map(
    (t) => html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="${t === 0 ? "#8a94a3" : "#e5e9ef"}"/><text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#6b7685">${label(t)}</text>`,
  )}`;
}

function dayLabels(days: readonly string[], x: (i: number) => number): SafeHtml {
  // First, middle and last day: enough to read the time axis without crowding it.
  const picks = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])];
  return html`${picks.map((i) => html`<text x="${x(i).toFixed(1)}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#6b7685">${days[i]!.slice(5)}</text>`)}`;
}

function legend(series: readonly ChartSeries[]): SafeHtml {
  return html`<p class="legend">${series.map((s) => html`<span><svg viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${s.color}"/></svg>${s.name}</span>`)}</p>`;
}

/** Stacked columns, one per day (counts). */
export function stackedColumns(o: { title: string; days: readonly string[]; series: readonly ChartSeries[]; unit: string }): SafeHtml {
  const totals = o.days.map((_, i) => o.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const max = niceCeil(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / o.days.length;
  const x = (i: number) => PAD.left + slot * (i + 0.5);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const bars = o.days.map((day, i) => {
    let base = 0;
    return o.series.map((s) => {
      const v = s.values[i] ?? 0;
      if (v === 0) return html``;
      const top = y(base + v);
      const r = html`<rect x="${(x(i) - slot * 0.35).toFixed(1)}" y="${top.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(y(base) - top).toFixed(1)}" fill="${s.color}"><title>${day}: ${v} ${s.name}</title></rect>`;
      base += v;
      return r;
    });
  });
  const summary = `${o.title}: ${o.series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + b, 0)}`).join(", ") || `no ${o.unit}`}`;
  return html`<figure><svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${summary}">${axis(0, max, (v) => String(Math.round(v)), y)}${bars}${dayLabels(o.days, x)}</svg>${legend(o.series)}</figure>`;
}

/** Lines, one point per day (money in minor units; `label` formats an axis value). */
export function lines(o: { title: string; days: readonly string[]; series: readonly ChartSeries[]; label: (minor: number) => string }): SafeHtml {
  const all = o.series.flatMap((s) => s.values);
  const max = niceCeil(Math.max(0, ...all));
  const lowest = Math.min(0, ...all);
  const min = lowest < 0 ? -niceCeil(-lowest) : 0;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = o.days.length > 1 ? plotW / (o.days.length - 1) : 0;
  const x = (i: number) => PAD.left + step * i;
  const y = (v: number) => PAD.top + plotH - ((v - min) / (max - min)) * plotH;
  const paths = o.series.map((s) => {
    const d = s.values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const dots = s.values.map((v, i) => (v === 0 ? html`` : html`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${o.days[i]!}: ${s.name} ${o.label(v)}</title></circle>`));
    return html`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}`;
  });
  const summary = `${o.title}: ${o.series.map((s) => `${s.name} ${o.label(s.values.reduce((a, b) => a + b, 0))}`).join(", ")}`;
  return html`<figure><svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${summary}">${axis(min, max, o.label, y)}${paths}${dayLabels(o.days, x)}</svg>${legend(o.series)}</figure>`;
}

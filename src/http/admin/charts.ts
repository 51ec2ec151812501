// Inline SVG charts for the dashboard, drawn on the server: no script, no library. Each chart is an
// image with a text label for screen readers and a <title> per bar or point (the browser's tooltip).
// Axes have round steps (1, 2, 5 × 10^n); counts get whole-number steps only, so an axis never
// reads "0, 1, 1". Numbers and days are written in the page's language (Intl).
import { html, type SafeHtml } from "../../lib/html.ts";
import { intlTag, type Locale } from "../../i18n/locales.ts";

export interface ChartSeries {
  name: string;
  values: readonly number[];
  color: string;
}

const W = 720;
const H = 220;
const PAD = { left: 80, right: 10, top: 10, bottom: 28 };

/** A round step (1, 2, 5 × 10^n) at or above `v`; at least 1 when `integer`. */
export function niceStep(v: number, integer: boolean): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  let step = 10 * p;
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= v) {
      step = m * p;
      break;
    }
  }
  return integer ? Math.max(1, Math.round(step)) : step;
}

/**
 * The ticks of an axis from `min` (≤ 0) to at least `max`: about four round steps, 0 always among
 * them. With `integer`, every tick is a whole number and distinct (max 1 → 0, 1).
 */
export function axisTicks(min: number, max: number, integer: boolean): number[] {
  const span = Math.max(max, 0) - Math.min(min, 0);
  const step = niceStep(span / 4, integer);
  const lo = Math.floor(Math.min(min, 0) / step) * step;
  const hi = Math.max(step, Math.ceil(Math.max(max, 0) / step) * step);
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

function axis(ticks: readonly number[], label: (v: number) => string, y: (v: number) => number): SafeHtml {
  return html`${ticks.map(
    (t) => html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="${t === 0 ? "#8a94a3" : "#e5e9ef"}"/><text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#5a6472">${label(t)}</text>`,
  )}`;
}

/** A day ("2026-12-07") as a short date in the page's language: "Dec 7" / "7 дек.". */
export function shortDay(day: string, l: Locale): string {
  const d = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : new Intl.DateTimeFormat(intlTag(l), { day: "numeric", month: "short", timeZone: "UTC" }).format(d);
}

function dayLabels(days: readonly string[], x: (i: number) => number, l: Locale): SafeHtml {
  // First, middle and last day: enough to read the time axis without crowding it.
  const picks = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])];
  return html`${picks.map((i) => html`<text x="${x(i).toFixed(1)}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#5a6472">${shortDay(days[i]!, l)}</text>`)}`;
}

function legend(series: readonly ChartSeries[]): SafeHtml {
  return html`<p class="legend">${series.map((s) => html`<span><svg viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${s.color}"/></svg>${s.name}</span>`)}</p>`;
}

/** Stacked columns, one per day (counts: whole-number axis). `empty` is the summary when nothing is drawn. */
export function stackedColumns(o: { title: string; days: readonly string[]; series: readonly ChartSeries[]; locale: Locale; count: (n: number) => string; empty: string }): SafeHtml {
  const num = new Intl.NumberFormat(intlTag(o.locale), { maximumFractionDigits: 0 });
  const totals = o.days.map((_, i) => o.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const ticks = axisTicks(0, Math.max(0, ...totals), true);
  const max = ticks[ticks.length - 1]!;
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
      const r = html`<rect x="${(x(i) - slot * 0.35).toFixed(1)}" y="${top.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(y(base) - top).toFixed(1)}" fill="${s.color}"><title>${shortDay(day, o.locale)}: ${s.name} ${num.format(v)}</title></rect>`;
      base += v;
      return r;
    });
  });
  const summary = `${o.title}: ${o.series.map((s) => `${s.name} ${o.count(s.values.reduce((a, b) => a + b, 0))}`).join(", ") || o.empty}`;
  return html`<figure><svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${summary}">${axis(ticks, (v) => num.format(v), y)}${bars}${dayLabels(o.days, x, o.locale)}</svg>${legend(o.series)}</figure>`;
}

/** Lines, one point per day (money in minor units; `label` formats an axis value, `total` a series' sum). */
export function lines(o: { title: string; days: readonly string[]; series: readonly ChartSeries[]; locale: Locale; label: (minor: number) => string; total?: (minor: number) => string }): SafeHtml {
  const all = o.series.flatMap((s) => s.values);
  const ticks = axisTicks(Math.min(0, ...all), Math.max(0, ...all), false);
  const min = ticks[0]!;
  const max = ticks[ticks.length - 1]!;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = o.days.length > 1 ? plotW / (o.days.length - 1) : 0;
  const x = (i: number) => PAD.left + step * i;
  const y = (v: number) => PAD.top + plotH - ((v - min) / (max - min)) * plotH;
  const total = o.total ?? o.label;
  const paths = o.series.map((s) => {
    const d = s.values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const dots = s.values.map((v, i) => (v === 0 ? html`` : html`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${shortDay(o.days[i]!, o.locale)}: ${s.name} ${total(v)}</title></circle>`));
    return html`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}`;
  });
  const summary = `${o.title}: ${o.series.map((s) => `${s.name} ${total(s.values.reduce((a, b) => a + b, 0))}`).join(", ")}`;
  return html`<figure><svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${summary}">${axis(ticks, o.label, y)}${paths}${dayLabels(o.days, x, o.locale)}</svg>${legend(o.series)}</figure>`;
}

import { type Html, html } from "./html.ts";

// Charts as inline SVG drawn on the server: no script and no style attribute, so the strict
// Content-Security-Policy holds. Colours, strokes and fills come from classes (app.css, the
// .chart rules: CSS variables that change in dark mode); each series also has its own dash
// pattern and marker shape, and its name in the legend, so no series is told apart by colour
// alone. The SVG scales with its viewBox; at most six labels on the time axis keep it legible on
// a phone. Every chart has role="img" with a title and a description, a data table in a
// <details> as its text alternative, and a link to its data as CSV.

const W = 400;
const H = 220;
const PAD = { left: 52, right: 12, top: 12, bottom: 30 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const MAX_X_LABELS = 6;

/** Dash patterns of series 1, 2 and 3: solid, dashed, dotted (the marker shapes follow suit). */
const DASH = ["", "6 4", "2 3"] as const;

export interface LineSeries {
  name: string;
  values: (number | null)[];
}

export interface ChartFrame {
  id: string;
  title: string;
  description: string;
  csvHref: string;
}

export interface LineChart extends ChartFrame {
  /** One per point, in order ('YYYY-MM-DD'). */
  labels: string[];
  series: LineSeries[];
  format: (v: number) => string;
  /** The heading of the table's first column ("Day", "Week of"). */
  labelHeading: string;
  /** Fixed bounds of the value axis (CSAT 1–5, NPS −100–100); else from 0 to a round maximum. */
  min?: number;
  max?: number;
  /** How many steps the fixed bounds are split in (default 4). */
  ticks?: number;
}

export interface BarChart extends ChartFrame {
  bars: { label: string; value: number }[];
  format: (v: number) => string;
  labelHeading: string;
  valueHeading: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** '2026-01-05' → 'Jan 5'. */
export function shortDay(day: string): string {
  const [, m, d] = day.split("-");
  return `${MONTHS[Number(m) - 1] ?? ""} ${Number(d)}`;
}

/** A step of 1, 2 or 5 times a power of ten, at or above `v`. */
function niceStep(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p + 1e-9) return m * p;
  return 10 * p;
}

/** The value axis: fixed bounds split in `ticks`, or from 0 up to a round step above the largest value. */
function valueAxis(values: number[], c: { min?: number; max?: number; ticks?: number }) {
  if (c.min !== undefined && c.max !== undefined) {
    const n = c.ticks ?? 4;
    const step = (c.max - c.min) / n;
    return {
      min: c.min,
      max: c.max,
      ticks: Array.from({ length: n + 1 }, (_, k) => (c.min as number) + k * step),
    };
  }
  const min = Math.min(0, ...values);
  const top = Math.max(0, ...values);
  const step = niceStep((top - min) / 4 || 1);
  const max = Math.max(step, Math.ceil(top / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + 1e-9; v += step) ticks.push(Number(v.toFixed(6)));
  return { min: ticks[0] ?? min, max, ticks };
}

const fixed = (n: number) => Number(n.toFixed(1));

function figure(frame: ChartFrame, svg: Html, legend: Html, table: Html): Html {
  const { id, title } = frame;
  return html`<figure class="chart" aria-labelledby="${id}-caption">
<figcaption id="${id}-caption"><span class="chart-title">${title}</span> <a class="chart-csv" href="${frame.csvHref}" download>Download CSV<span class="visually-hidden"> of ${title}</span></a></figcaption>
${svg}
${legend}
<details class="chart-data"><summary>Data table<span class="visually-hidden">: ${title}</span></summary>${table}</details>
</figure>`;
}

function svgOpen(frame: ChartFrame, body: Html): Html {
  const { id } = frame;
  return html`<svg class="chart-svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false"><title id="${id}-title">${frame.title}</title><desc id="${id}-desc">${frame.description}</desc>${body}</svg>`;
}

function marker(series: number, x: number, y: number): Html {
  if (series === 1) {
    return html`<rect class="mark mark-${series + 1}" x="${fixed(x - 2.5)}" y="${fixed(y - 2.5)}" width="5" height="5"/>`;
  }
  if (series === 2) {
    return html`<path class="mark mark-${series + 1}" d="M${fixed(x)} ${fixed(y - 3.2)}L${fixed(x + 3.2)} ${fixed(y + 2.6)}L${fixed(x - 3.2)} ${fixed(y + 2.6)}Z"/>`;
  }
  return html`<circle class="mark mark-${series + 1}" cx="${fixed(x)}" cy="${fixed(y)}" r="2.6"/>`;
}

/** A small sample of a series' line and marker, for the legend. */
function swatch(i: number): Html {
  const dash = DASH[i % DASH.length];
  return html`<svg class="swatch" viewBox="0 0 28 10" aria-hidden="true" focusable="false"><line class="line line-${i + 1}" x1="1" y1="5" x2="27" y2="5"${dash ? html` stroke-dasharray="${dash}"` : ""}/>${marker(i % 3, 14, 5)}</svg>`;
}

function legendOf(names: string[]): Html {
  return names.length > 1
    ? html`<ul class="chart-legend">${names.map((n, i) => html`<li>${swatch(i)}${n}</li>`)}</ul>`
    : html``;
}

/** Indices of the points whose labels the time axis shows: evenly spaced, first and last included. */
function labelIndices(n: number): number[] {
  if (n <= MAX_X_LABELS) return [...Array(n).keys()];
  const step = (n - 1) / (MAX_X_LABELS - 1);
  return [...new Set(Array.from({ length: MAX_X_LABELS }, (_, i) => Math.round(i * step)))];
}

export function lineChart(c: LineChart): Html {
  const n = c.labels.length;
  const all = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const { min, max, ticks } = valueAxis(all, c);
  const span = max - min || 1;
  const x = (i: number) => PAD.left + (n <= 1 ? PLOT_W / 2 : (i * PLOT_W) / (n - 1));
  const y = (v: number) => PAD.top + PLOT_H - ((v - min) / span) * PLOT_H;
  const grid = ticks.map(
    (v) =>
      html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${fixed(y(v))}" y2="${fixed(y(v))}"/><text class="tick" x="${PAD.left - 6}" y="${fixed(y(v) + 4)}" text-anchor="end">${c.format(v)}</text>`,
  );
  const shown = labelIndices(n);
  const xLabels = shown.map(
    (i, k) =>
      html`<text class="tick${k === 0 || k === shown.length - 1 || k === Math.floor((shown.length - 1) / 2) ? "" : " tick-optional"}" x="${fixed(x(i))}" y="${H - 10}" text-anchor="${i === 0 && n > 1 ? "start" : i === n - 1 && n > 1 ? "end" : "middle"}">${shortDay(c.labels[i] ?? "")}</text>`,
  );
  const showMarks = n <= 31;
  const lines = c.series.map((s, si) => {
    // A gap (no value) breaks the line; a lone point is still drawn as its marker.
    const runs: [number, number][][] = [];
    let run: [number, number][] = [];
    s.values.forEach((v, i) => {
      if (v === null) {
        if (run.length) runs.push(run);
        run = [];
      } else run.push([x(i), y(v)]);
    });
    if (run.length) runs.push(run);
    const dash = DASH[si % DASH.length];
    const paths = runs
      .filter((r) => r.length > 1)
      .map(
        (r) =>
          html`<polyline class="line line-${si + 1}" points="${r.map(([px, py]) => `${fixed(px)},${fixed(py)}`).join(" ")}"${dash ? html` stroke-dasharray="${dash}"` : ""}/>`,
      );
    const marks = runs.flatMap((r) =>
      showMarks || r.length === 1 ? r.map(([px, py]) => marker(si % 3, px, py)) : [],
    );
    return html`<g class="series series-${si + 1}">${paths}${marks}</g>`;
  });
  const axis = html`<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${fixed(y(min))}" y2="${fixed(y(min))}"/>`;
  const svg = svgOpen(c, html`<g aria-hidden="true">${grid}${axis}${xLabels}${lines}</g>`);
  const table = html`<table class="data-table"><thead><tr><th scope="col">${c.labelHeading}</th>${c.series.map((s) => html`<th scope="col">${s.name}</th>`)}</tr></thead>
<tbody>${c.labels.map((l, i) => html`<tr><th scope="row">${l}</th>${c.series.map((s) => html`<td class="num">${s.values[i] === null || s.values[i] === undefined ? "–" : c.format(s.values[i] as number)}</td>`)}</tr>`)}</tbody></table>`;
  return figure(c, svg, legendOf(c.series.map((s) => s.name)), table);
}

/** Horizontal bars, each with its label and value written beside it. */
export function barChart(c: BarChart): Html {
  const rows = c.bars.length || 1;
  const rowH = 26;
  const h = Math.max(60, rows * rowH + 12);
  const labelW = 130;
  const max = Math.max(1, ...c.bars.map((b) => b.value));
  const barW = (v: number) => Math.max(v > 0 ? 1 : 0, ((W - labelW - 70) * v) / max);
  const body = c.bars.length
    ? c.bars.map((b, i) => {
        const top = 6 + i * rowH;
        const label = b.label.length > 20 ? `${b.label.slice(0, 19)}…` : b.label;
        return html`<text class="tick bar-label" x="${labelW - 8}" y="${top + 15}" text-anchor="end">${label}</text><rect class="bar bar-${(i % 3) + 1}" x="${labelW}" y="${top + 3}" width="${fixed(barW(b.value))}" height="${rowH - 10}"/><text class="tick bar-value" x="${fixed(labelW + barW(b.value) + 6)}" y="${top + 15}">${c.format(b.value)}</text>`;
      })
    : html`<text class="tick" x="${W / 2}" y="34" text-anchor="middle">No data in this range</text>`;
  const svg = html`<svg class="chart-svg" viewBox="0 0 ${W} ${h}" role="img" aria-labelledby="${c.id}-title ${c.id}-desc" focusable="false"><title id="${c.id}-title">${c.title}</title><desc id="${c.id}-desc">${c.description}</desc><g aria-hidden="true">${body}</g></svg>`;
  const table = html`<table class="data-table"><thead><tr><th scope="col">${c.labelHeading}</th><th scope="col">${c.valueHeading}</th></tr></thead>
<tbody>${c.bars.map((b) => html`<tr><th scope="row">${b.label}</th><td class="num">${c.format(b.value)}</td></tr>`)}</tbody></table>`;
  return figure(c, svg, html``, table);
}

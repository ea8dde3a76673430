import type { Dashboard } from "../../analytics/dashboard.ts";
import type { PeriodSummary } from "../../analytics/metrics.ts";
import { PRESETS, presetRange } from "../../analytics/range.ts";
import type { FieldErrors } from "../../errors.ts";
import { barChart, lineChart } from "../../web/charts.ts";
import { describedBy, errorSummary, fieldError } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";

// /app/insights: the range form, the KPI tiles with their change against the previous period,
// and the charts (web/charts.ts), each with its data table and CSV.

export interface RangeForm {
  from: string;
  to: string;
  compare: boolean;
  today: string;
}

const pct = (v: number | null) => (v === null ? "–" : `${Math.round(v * 100)}%`);
const one = (v: number | null) => (v === null ? "–" : v.toFixed(1));
const int = (v: number) => v.toLocaleString("en-US");

/** Seconds as a person reads them: 45 s, 12 min, 5.5 h, 2.1 d. */
export function duration(s: number | null): string {
  if (s === null) return "–";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

const hours = (v: number) => `${Number(v.toFixed(1))} h`;
const toHours = (s: number | null) => (s === null ? null : s / 3600);

const query = (from: string, to: string, compare: boolean) =>
  `from=${from}&to=${to}${compare ? "&compare=previous" : ""}`;

const LABELS = { from: "From", to: "To", compare: "Compare" };

export function rangeForm(f: RangeForm, errors?: FieldErrors): Html {
  const presets = PRESETS.map((p) => {
    const r = presetRange(f.today, p.days);
    const current = r.from === f.from && r.to === f.to;
    return html`<li><a href="/app/insights?${query(r.from, r.to, f.compare)}"${current ? html` aria-current="true"` : ""}>${p.label}</a></li>`;
  });
  return html`<form method="get" action="/app/insights" class="card insights-range" aria-labelledby="range-title">
<h2 id="range-title" class="visually-hidden">Date range</h2>
${errorSummary(LABELS, errors)}
<ul class="insights-presets" aria-label="Quick ranges">${presets}</ul>
<div class="insights-fields">
  <div class="field"><label for="from">From</label>${fieldError(LABELS, errors, "from")}<input type="date" id="from" name="from" value="${f.from}" required${describedBy(errors, "from")}></div>
  <div class="field"><label for="to">To</label>${fieldError(LABELS, errors, "to")}<input type="date" id="to" name="to" value="${f.to}" required${describedBy(errors, "to")}></div>
  <div class="field check"><input type="checkbox" id="compare" name="compare" value="previous"${f.compare ? html` checked` : ""}><label for="compare">Compare with the previous period</label></div>
  <button type="submit" class="primary">Show</button>
</div>
<p class="hint">Days are in the workspace's time zone. At most 366 days.</p>
</form>`;
}

type Direction = "up" | "down" | "same";

/** The change from the previous period, in words and an arrow (never colour alone). */
function delta(now: number | null, before: number | null, kind: "count" | "points" | "value" | "time"): Html {
  if (now === null || before === null) return html`<p class="delta">No comparison</p>`;
  const diff = now - before;
  const dir: Direction = Math.abs(diff) < 1e-9 ? "same" : diff > 0 ? "up" : "down";
  const arrow = dir === "up" ? "▲" : dir === "down" ? "▼" : "＝";
  let text: string;
  if (dir === "same") text = "no change";
  else if (kind === "points") text = `${dir} ${Math.abs(diff).toFixed(diff % 1 === 0 ? 0 : 1)} points`;
  else if (kind === "value") text = `${dir} ${Math.abs(diff).toFixed(1)}`;
  else if (before === 0) text = `${dir} from 0`;
  else text = `${dir} ${Math.round((Math.abs(diff) / Math.abs(before)) * 100)}%`;
  const was = kind === "time" ? duration(before) : kind === "count" ? int(before) : before.toFixed(1);
  return html`<p class="delta delta-${dir}"><span aria-hidden="true">${arrow}</span> ${text} <span class="meta">(was ${was})</span></p>`;
}

function tile(label: string, value: string, sub: string, change: Html | null): Html {
  return html`<li class="kpi"><p class="kpi-label">${label}</p><p class="kpi-value">${value}</p><p class="kpi-sub meta">${sub}</p>${change ?? ""}</li>`;
}

export function kpiTiles(s: PeriodSummary, p: PeriodSummary | null): Html {
  const d = (now: number | null, before: number | null | undefined, kind: Parameters<typeof delta>[2]) =>
    p ? delta(now, before ?? null, kind) : null;
  return html`<section aria-labelledby="kpi-title"><h2 id="kpi-title" class="visually-hidden">Key figures</h2><ul class="kpis">
${tile("Created", int(s.created), "tickets", d(s.created, p?.created, "count"))}
${tile("Resolved", int(s.resolved), "resolved or closed", d(s.resolved, p?.resolved, "count"))}
${tile("Backlog", int(s.backlog), "open at the end", d(s.backlog, p?.backlog, "count"))}
${tile("First response", duration(s.firstResponse.median), `median; 90% within ${duration(s.firstResponse.p90)}`, d(s.firstResponse.median, p?.firstResponse.median, "time"))}
${tile("CSAT", s.csat.average === null ? "–" : `${s.csat.average.toFixed(2)} / 5`, `${int(s.csat.count)} answers, ${pct(s.csat.satisfiedRate)} satisfied`, d(s.csat.average, p?.csat.average, "value"))}
${tile("NPS", s.nps.score === null ? "–" : Math.round(s.nps.score).toString(), `${int(s.nps.count)} answers`, d(s.nps.score, p?.nps.score, "points"))}
${tile("CES", s.ces.average === null ? "–" : `${s.ces.average.toFixed(1)} / 7`, `${int(s.ces.count)} answers`, d(s.ces.average, p?.ces.average, "value"))}
${tile("Deflection", pct(s.deflection.rate), `of ${int(s.deflection.visits)} visits with suggestions`, d(s.deflection.rate === null ? null : s.deflection.rate * 100, p?.deflection.rate === null || p?.deflection.rate === undefined ? null : p.deflection.rate * 100, "points"))}
</ul></section>`;
}

export function chartsOf(d: Dashboard): Html {
  const csv = (chart: string) => `/api/workspace/analytics/${chart}.csv?from=${d.from}&to=${d.to}`;
  const days = d.series.days.map((x) => x.day);
  const buckets = d.series.buckets;
  const starts = buckets.map((b) => b.start);
  const per = d.series.bucket === "week" ? "per week" : "per day";
  const bucketHeading = d.series.bucket === "week" ? "Week of" : "Day";
  const span = `${d.from} to ${d.to}`;
  const s = d.summary;
  return html`<div class="charts">
${lineChart({
  id: "chart-created",
  title: "Tickets created and resolved per day",
  description: `${span}: ${int(s.created)} created, ${int(s.resolved)} resolved. Created is the solid line, resolved the dashed line.`,
  csvHref: csv("created-resolved"),
  labels: days,
  labelHeading: "Day",
  series: [
    { name: "Created", values: d.series.days.map((x) => x.created) },
    { name: "Resolved", values: d.series.days.map((x) => x.resolved) },
  ],
  format: (v) => int(Math.round(v)),
})}
${lineChart({
  id: "chart-backlog",
  title: "Backlog at the end of each day",
  description: `${span}: open tickets at the end of each day, ${int(s.backlog)} at the end of the range.`,
  csvHref: csv("backlog"),
  labels: days,
  labelHeading: "Day",
  series: [{ name: "Open tickets", values: d.series.days.map((x) => x.backlog) }],
  format: (v) => int(Math.round(v)),
})}
${lineChart({
  id: "chart-first-response",
  title: `First response time ${per} (hours)`,
  description: `Of the tickets resolved, ${span}: median ${duration(s.firstResponse.median)}, 90th percentile ${duration(s.firstResponse.p90)}. Median solid, 90th percentile dashed.`,
  csvHref: csv("response-times"),
  labels: starts,
  labelHeading: bucketHeading,
  series: [
    { name: "Median", values: buckets.map((b) => toHours(b.firstResponse.median)) },
    { name: "90th percentile", values: buckets.map((b) => toHours(b.firstResponse.p90)) },
  ],
  format: hours,
})}
${lineChart({
  id: "chart-resolution",
  title: `Resolution time ${per} (hours)`,
  description: `${span}: median ${duration(s.resolution.median)}, 90th percentile ${duration(s.resolution.p90)}. Median solid, 90th percentile dashed.`,
  csvHref: csv("response-times"),
  labels: starts,
  labelHeading: bucketHeading,
  series: [
    { name: "Median", values: buckets.map((b) => toHours(b.resolution.median)) },
    { name: "90th percentile", values: buckets.map((b) => toHours(b.resolution.p90)) },
  ],
  format: hours,
})}
${lineChart({
  id: "chart-csat",
  title: `CSAT ${per} (1 to 5)`,
  description: `${span}: average ${one(s.csat.average)} from ${int(s.csat.count)} answers.`,
  csvHref: csv("satisfaction"),
  labels: starts,
  labelHeading: bucketHeading,
  series: [{ name: "CSAT average", values: buckets.map((b) => b.csat.average) }],
  format: (v) => v.toFixed(0),
  min: 1,
  max: 5,
})}
${lineChart({
  id: "chart-nps",
  title: `NPS ${per} (−100 to 100)`,
  description: `${span}: NPS ${s.nps.score === null ? "not known" : Math.round(s.nps.score)} from ${int(s.nps.count)} answers: ${s.nps.promoters} promoters, ${s.nps.passives} passives, ${s.nps.detractors} detractors.`,
  csvHref: csv("satisfaction"),
  labels: starts,
  labelHeading: bucketHeading,
  series: [{ name: "NPS", values: buckets.map((b) => b.nps.score) }],
  format: (v) => Math.round(v).toString(),
  min: -100,
  max: 100,
})}
${lineChart({
  id: "chart-ces",
  title: `CES ${per} (1 to 7)`,
  description: `${span}: average ${one(s.ces.average)} from ${int(s.ces.count)} answers.`,
  csvHref: csv("satisfaction"),
  labels: starts,
  labelHeading: bucketHeading,
  series: [{ name: "CES average", values: buckets.map((b) => b.ces.average) }],
  format: (v) => v.toFixed(0),
  min: 1,
  max: 7,
  ticks: 6,
})}
${lineChart({
  id: "chart-deflection",
  title: `Deflection rate ${per} (%)`,
  description: `${span}: ${pct(s.deflection.rate)} of ${int(s.deflection.visits)} portal visits shown suggestions sent no ticket.`,
  csvHref: csv("deflection"),
  labels: starts,
  labelHeading: bucketHeading,
  series: [
    {
      name: "Deflection rate",
      values: buckets.map((b) => (b.deflection.rate === null ? null : b.deflection.rate * 100)),
    },
  ],
  format: (v) => `${Math.round(v)}%`,
  min: 0,
  max: 100,
})}
${barChart({
  id: "chart-channels",
  title: "Tickets created by channel",
  description: `${span}: ${s.byChannel.map((c) => `${c.channel} ${c.created}`).join(", ") || "none"}.`,
  csvHref: csv("channels"),
  bars: s.byChannel.map((c) => ({ label: c.channel, value: c.created })),
  format: (v) => int(v),
  labelHeading: "Channel",
  valueHeading: "Created",
})}
${barChart({
  id: "chart-types",
  title: "Tickets created by type",
  description: `${span}: ${s.byType.map((t) => `${t.type} ${t.created}`).join(", ") || "none"}.`,
  csvHref: csv("types"),
  bars: s.byType.map((t) => ({ label: t.type, value: t.created })),
  format: (v) => int(v),
  labelHeading: "Type",
  valueHeading: "Created",
})}
</div>
${agentTable(s, csv("agents"))}`;
}

function agentTable(s: PeriodSummary, href: string): Html {
  return html`<section class="card" aria-labelledby="agents-title">
<h2 id="agents-title">Per agent</h2>
<p><a href="${href}" download>Download CSV<span class="visually-hidden"> of per agent</span></a></p>
${
  s.byAgent.length
    ? html`<div class="table-scroll"><table class="agents-table"><thead><tr><th scope="col">Agent</th><th scope="col">Resolved</th><th scope="col">CSAT</th><th scope="col">CSAT answers</th><th scope="col">Median first response</th></tr></thead>
<tbody>${s.byAgent.map((a) => html`<tr><th scope="row">${bdi(a.name)}</th><td class="num" data-label="Resolved">${int(a.resolved)}</td><td class="num" data-label="CSAT">${a.csatAverage === null ? "–" : a.csatAverage.toFixed(2)}</td><td class="num" data-label="CSAT answers">${int(a.csatCount)}</td><td class="num" data-label="Median first response">${duration(a.firstResponseMedian)}</td></tr>`)}</tbody></table></div>`
    : html`<p class="meta">No ticket was resolved and no survey answered in this range.</p>`
}
</section>`;
}

export function insightsNav(): Html {
  return html`<nav class="views" aria-label="Insights"><a href="/app/insights" aria-current="page">Dashboard</a><a href="/app/insights/reports">Monthly reports</a><a href="/app/kb/insights">Knowledge base insights</a></nav>`;
}

export function insightsMain(form: RangeForm, d: Dashboard | null, errors?: FieldErrors): Html {
  return html`<h1>Insights</h1>
${insightsNav()}
${rangeForm(form, errors)}
${
  d
    ? html`<p class="insights-period">${d.from} to ${d.to}${d.previous ? html`, compared with ${d.previous.from} to ${d.previous.to}` : ""} <span class="meta">(${d.timeZone})</span></p>
${kpiTiles(d.summary, d.previous)}
${chartsOf(d)}`
    : ""
}`;
}

import type { DailySeries, PeriodSummary } from "./metrics.ts";

// CSV of each chart's data: a header row, RFC 4180 quoting (a field with a comma, a quote or a
// line break is quoted, quotes doubled, lines end in CRLF), and text that a spreadsheet would
// run as a formula (starting with =, +, -, @, a tab or a carriage return) prefixed with '.

export const CHARTS = [
  "created-resolved",
  "backlog",
  "response-times",
  "satisfaction",
  "deflection",
  "channels",
  "types",
  "agents",
] as const;
export type Chart = (typeof CHARTS)[number];

export type Cell = string | number | null;

export function csvCell(v: Cell): string {
  if (v === null) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const toCsv = (rows: Cell[][]) => rows.map((r) => `${r.map(csvCell).join(",")}\r\n`).join("");

const round = (v: number | null, digits = 2) => (v === null ? null : Number(v.toFixed(digits)));

/** The rows of one chart, header first. */
export function chartRows(chart: Chart, summary: PeriodSummary, series: DailySeries): Cell[][] {
  switch (chart) {
    case "created-resolved":
      return [["day", "created", "resolved"], ...series.days.map((d) => [d.day, d.created, d.resolved])];
    case "backlog":
      return [["day", "backlog_end_of_day"], ...series.days.map((d) => [d.day, d.backlog])];
    case "response-times":
      return [
        [
          series.bucket,
          "resolved",
          "first_response_median_seconds",
          "first_response_p90_seconds",
          "resolution_median_seconds",
          "resolution_p90_seconds",
        ],
        ...series.buckets.map((b) => [
          b.start,
          b.resolved,
          b.firstResponse.median,
          b.firstResponse.p90,
          b.resolution.median,
          b.resolution.p90,
        ]),
      ];
    case "satisfaction":
      return [
        [series.bucket, "csat_average", "csat_answers", "nps", "nps_answers", "ces_average", "ces_answers"],
        ...series.buckets.map((b) => [
          b.start,
          round(b.csat.average),
          b.csat.count,
          round(b.nps.score, 1),
          b.nps.count,
          round(b.ces.average),
          b.ces.count,
        ]),
      ];
    case "deflection":
      return [
        [series.bucket, "visits_with_suggestions", "deflection_rate"],
        ...series.buckets.map((b) => [b.start, b.deflection.visits, round(b.deflection.rate, 3)]),
      ];
    case "channels":
      return [["channel", "created"], ...summary.byChannel.map((c) => [c.channel, c.created])];
    case "types":
      return [
        ["type", "created", "csat_average", "csat_answers"],
        ...summary.byType.map((t) => [t.type, t.created, round(t.csatAverage), t.csatCount]),
      ];
    case "agents":
      return [
        ["agent", "resolved", "csat_average", "csat_answers", "first_response_median_seconds"],
        ...summary.byAgent.map((a) => [
          a.name,
          a.resolved,
          round(a.csatAverage),
          a.csatCount,
          a.firstResponseMedian,
        ]),
      ];
  }
}

import { expectStatus, request } from "../lib/http.ts";
import { measure } from "../lib/load.ts";
import type { Stage } from "../lib/stage.ts";

// The insights dashboard's numbers (issue 17): GET /api/workspace/analytics over the seeded year
// (100,000 tickets, 20,000 answered surveys, 30,000 portal visits), one request at a time, so
// p50 and p99 are each request's own time; and a month compared with the month before. On SQLite
// a dashboard is kept until the database changes (analytics/dashboard.ts): each request asks for
// another range (ending 0 to RANGES − 1 days ago, in turn), more ranges than the cache keeps, so
// every answer is computed.

/** The target: p99 under this many milliseconds for the year, on SQLite. */
export const ANALYTICS_P99_MS = 200;

const DAY_MS = 86_400_000;
/** More than the dashboards the server keeps (100). */
const RANGES = 120;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export function analyticsPaths(now = Date.now(), back = 0) {
  const end = now - back * DAY_MS;
  return {
    analytics_year: `/api/workspace/analytics?from=${day(end - 364 * DAY_MS)}&to=${day(end)}`,
    analytics_month: `/api/workspace/analytics?from=${day(end - 29 * DAY_MS)}&to=${day(end)}&compare=previous`,
  };
}

/** Before measuring: the year answers with the seeded tickets and surveys in it. */
export async function checkAnalytics(base: string, cookie: string): Promise<void> {
  const paths = analyticsPaths();
  const r = await expectStatus(
    "analytics",
    request(base, "GET", paths.analytics_year, { headers: { cookie } }),
    200,
  );
  const s = (
    r.json as {
      summary: { created: number; resolved: number; csat: { count: number }; nps: { count: number } };
    }
  ).summary;
  if (s.created < 1000 || s.csat.count === 0) {
    throw new Error(
      `${paths.analytics_year}: the year looks empty (${s.created} created, ${s.csat.count} CSAT)`,
    );
  }
  console.log(
    `  the dashboard's year: ${s.created} created, ${s.resolved} resolved, ${s.csat.count} CSAT and ${s.nps.count} NPS answers; ${r.text.length} bytes of JSON`,
  );
}

export async function measureAnalytics(stage: Stage, cookie: string): Promise<void> {
  const { base, settings } = stage;
  const paths = analyticsPaths();
  const now = Date.now();
  const rows: [keyof typeof paths, string][] = [
    ["analytics_year", "analytics dashboard, 365 days (1 connection)"],
    ["analytics_month", "analytics dashboard, 30 days + previous (1 connection)"],
  ];
  for (const [key, label] of rows) {
    const turn = Array.from({ length: RANGES }, (_, back) => analyticsPaths(now, back)[key]);
    let next = 0;
    await measure(stage.rec, settings, stage.pid, key, label, {
      url: base + paths[key],
      connections: 1,
      headers: { cookie },
      requests: [
        { method: "GET", setupRequest: (req) => ({ ...req, path: turn[next++ % turn.length] as string }) },
      ],
    });
  }
}

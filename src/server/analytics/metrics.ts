import type { AgentActor, WorkspaceSystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import {
  agentNames,
  bucketingFor,
  createdByKind,
  createdPerDay,
  csatByAgent,
  csatByType,
  deflectionCounts,
  doneRows,
  openAt,
  surveyCounts,
  timePercentiles,
} from "./queries.ts";
import { addDays, localDay, mondayOf, startOfDay } from "./zone.ts";

// The numbers of a period, as the dashboard and the monthly report read them. Durations are in
// seconds; a median or percentile of nothing is null; rates are 0–1.
//
// What counts where:
// - created: tickets whose created_at is in the range; resolved: tickets resolved in it (their
//   resolved_at), or closed in it without having been resolved (closed_at).
// - backlog: open at the end of a day or range, as the times stand now: created before, not
//   resolved or closed before. A ticket reopened later counts as open from its creation until
//   its latest resolution (the first resolution's time is not kept).
// - first response and resolution times are those of the tickets resolved in the day or range:
//   a ticket counts once, when its work is done. The median is the mean of the middle two
//   values when their number is even; the 90th percentile is the nearest rank, ⌈0.9·n⌉.
// - CSAT (1–5; satisfied 4–5), NPS (0–10; % of 9–10 minus % of 0–6) and CES (1–7) are the
//   surveys answered in the range; deflection counts the portal visits whose submit form first
//   showed suggestions in the range, and is the share of them that sent no ticket.
// - Days are the workspace's (workspaces.time_zone), daylight-saving changes included.

export interface Range {
  /** Inclusive, ISO instant. */
  from: string;
  /** Exclusive, ISO instant. */
  to: string;
}

export interface Durations {
  median: number | null;
  p90: number | null;
  count: number;
}

export interface PeriodSummary {
  range: Range;
  created: number;
  resolved: number;
  /** Open (not resolved or closed) at the end of the range. */
  backlog: number;
  firstResponse: Durations;
  resolution: Durations;
  csat: { average: number | null; count: number; satisfiedRate: number | null };
  /** NPS: % promoters (9–10) − % detractors (0–6), −100…100. */
  nps: { score: number | null; count: number; promoters: number; passives: number; detractors: number };
  ces: { average: number | null; count: number };
  /** Portal visits that saw suggestions and did not submit, over visits that saw suggestions. */
  deflection: { rate: number | null; visits: number };
  byType: { type: string; created: number; csatAverage: number | null; csatCount: number }[];
  byChannel: { channel: string; created: number }[];
  byAgent: {
    agentId: string;
    name: string;
    resolved: number;
    csatAverage: number | null;
    csatCount: number;
    firstResponseMedian: number | null;
  }[];
}

export interface SeriesDay {
  /** 'YYYY-MM-DD' in the workspace's time zone. */
  day: string;
  created: number;
  resolved: number;
  /** Open at the end of the day. */
  backlog: number;
}

export interface SeriesBucket {
  /** The local day, or with weekly buckets the Monday that starts the week. */
  start: string;
  created: number;
  resolved: number;
  firstResponse: Durations;
  resolution: Durations;
  csat: { average: number | null; count: number };
  nps: { score: number | null; count: number };
  ces: { average: number | null; count: number };
  deflection: { rate: number | null; visits: number };
}

export interface DailySeries {
  timeZone: string;
  /** Days up to 90 days; weeks (Monday to Sunday) beyond, for the times and the surveys. */
  bucket: "day" | "week";
  days: SeriesDay[];
  buckets: SeriesBucket[];
}

type Actor = AgentActor | WorkspaceSystemActor;

/** The summary of one range for the actor's workspace. */
export async function periodSummary(ctx: AppContext, actor: Actor, range: Range): Promise<PeriodSummary> {
  return (await analyze(ctx, actor, range, { series: false })).summary;
}

/** The range day by day (week by week beyond 90 days) in the workspace's time zone. */
export async function dailySeries(ctx: AppContext, actor: Actor, range: Range): Promise<DailySeries> {
  return (await analyze(ctx, actor, range, { series: true })).series as DailySeries;
}

/** The workspace's time zone (workspaces.time_zone). */
export async function workspaceZone(ctx: AppContext, actor: Actor): Promise<string> {
  const row = await ctx.database.db
    .selectFrom("workspaces")
    .select("time_zone")
    .where("id", "=", actor.workspaceId)
    .executeTakeFirst();
  return row?.time_zone ?? "UTC";
}

/** Days from the local day of `from` to that of the last instant before `to`. */
export function daysOf(zone: string, range: Range): string[] {
  const first = localDay(zone, Date.parse(range.from));
  const last = localDay(zone, Date.parse(range.to) - 1);
  const days: string[] = [];
  for (let d = first; d <= last && days.length < 1000; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The range of local days [from, to] (both 'YYYY-MM-DD', inclusive) as instants. */
export function rangeOfDays(zone: string, from: string, to: string): Range {
  return {
    from: new Date(startOfDay(zone, from)).toISOString(),
    to: new Date(startOfDay(zone, addDays(to, 1))).toISOString(),
  };
}

const maxIso = (a: string, b: string) => (a > b ? a : b);
const minIso = (a: string, b: string) => (a < b ? a : b);
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
const npsOf = (high: number, low: number, n: number) => (n === 0 ? null : ((high - low) * 100) / n);

/** Both at once: the summary, and with `series` the days and buckets, from one set of reads. */
export async function analyze(
  ctx: AppContext,
  actor: Actor,
  range: Range,
  opts: { series: boolean },
): Promise<{ summary: PeriodSummary; series: DailySeries | null }> {
  const db = ctx.database.db;
  const zone = await workspaceZone(ctx, actor);
  const b = bucketingFor(ctx, zone, range);
  const days = daysOf(zone, range);
  const bucket = days.length > 90 ? "week" : "day";
  const bounds = days.map((day) => ({
    day,
    from: maxIso(new Date(startOfDay(zone, day)).toISOString(), range.from),
    to: minIso(new Date(startOfDay(zone, addDays(day, 1))).toISOString(), range.to),
  }));
  const [perDay, created, done, openBefore, surveys, deflection, byAgentCsat, byTypeCsat, names] =
    await Promise.all([
      createdPerDay(db, actor, b, bounds),
      createdByKind(db, actor, range),
      doneRows(ctx, actor, b, range),
      openAt(db, actor, range.from),
      surveyCounts(db, actor, b, range),
      deflectionCounts(ctx, actor, b, range),
      csatByAgent(db, actor, range),
      csatByType(db, actor, range),
      agentNames(db, actor),
    ]);
  // Each day's week, worked out once per day rather than once per ticket.
  const weekOf = new Map<string, string>();
  const keyOf = (day: string) => {
    if (bucket === "day") return day;
    let w = weekOf.get(day);
    if (w === undefined) {
      w = mondayOf(day);
      weekOf.set(day, w);
    }
    return w;
  };
  const all = timePercentiles(done);
  const perAgent = timePercentiles(done, (i) => done.agent[i] ?? "");
  const perBucket = opts.series ? timePercentiles(done, (i) => keyOf(done.day[i] as string)) : null;

  const sum = <T>(rows: T[], f: (r: T) => number) => rows.reduce((a, r) => a + f(r), 0);
  const group = <T>(rows: T[], key: (r: T) => string, f: (r: T) => number) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + f(r));
    return m;
  };
  const kind = (k: "csat" | "nps" | "ces") => surveys.filter((s) => s.kind === k);
  const csat = kind("csat");
  const nps = kind("nps");
  const ces = kind("ces");
  const createdTotal = sum(created, (r) => r.n);
  const doneTotal = done.r.length;
  const overall = all.get("all");
  const npsN = sum(nps, (r) => r.n);
  const npsHigh = sum(nps, (r) => r.high);
  const npsLow = sum(nps, (r) => r.low);
  const deflectionVisits = sum(deflection, (r) => r.visits);

  const typeCsat = new Map(byTypeCsat.map((r) => [r.type, r]));
  const byType = [
    ...group(
      created,
      (r) => r.type,
      (r) => r.n,
    ),
  ]
    .map(([type, n]) => ({
      type,
      created: n,
      csatAverage: ratio(typeCsat.get(type)?.total ?? 0, typeCsat.get(type)?.n ?? 0),
      csatCount: typeCsat.get(type)?.n ?? 0,
    }))
    .concat(
      byTypeCsat
        .filter((r) => !created.some((c) => c.type === r.type))
        .map((r) => ({ type: r.type, created: 0, csatAverage: ratio(r.total, r.n), csatCount: r.n })),
    )
    .sort((x, y) => y.created - x.created || x.type.localeCompare(y.type));
  const byChannel = [
    ...group(
      created,
      (r) => r.channel,
      (r) => r.n,
    ),
  ]
    .map(([channel, n]) => ({ channel, created: n }))
    .sort((x, y) => y.created - x.created || x.channel.localeCompare(y.channel));

  const agentResolved = group(
    done.agent.filter((a): a is string => a !== null),
    (a) => a,
    () => 1,
  );
  const agentCsat = new Map(
    byAgentCsat.filter((r) => r.agentId !== null).map((r) => [r.agentId as string, r]),
  );
  const agentIds = new Set([...agentResolved.keys(), ...agentCsat.keys()]);
  const byAgent = [...agentIds]
    .map((agentId) => ({
      agentId,
      name: names.get(agentId) ?? "Former agent",
      resolved: agentResolved.get(agentId) ?? 0,
      csatAverage: ratio(agentCsat.get(agentId)?.total ?? 0, agentCsat.get(agentId)?.n ?? 0),
      csatCount: agentCsat.get(agentId)?.n ?? 0,
      firstResponseMedian: perAgent.get(agentId)?.firstResponse.median ?? null,
    }))
    .sort((x, y) => y.resolved - x.resolved || x.name.localeCompare(y.name));

  const summary: PeriodSummary = {
    range,
    created: createdTotal,
    resolved: doneTotal,
    backlog: openBefore + createdTotal - doneTotal,
    firstResponse: overall?.firstResponse ?? { median: null, p90: null, count: 0 },
    resolution: overall?.resolution ?? { median: null, p90: null, count: 0 },
    csat: {
      average: ratio(
        sum(csat, (r) => r.total),
        sum(csat, (r) => r.n),
      ),
      count: sum(csat, (r) => r.n),
      satisfiedRate: ratio(
        sum(csat, (r) => r.satisfied),
        sum(csat, (r) => r.n),
      ),
    },
    nps: {
      score: npsOf(npsHigh, npsLow, npsN),
      count: npsN,
      promoters: npsHigh,
      passives: npsN - npsHigh - npsLow,
      detractors: npsLow,
    },
    ces: {
      average: ratio(
        sum(ces, (r) => r.total),
        sum(ces, (r) => r.n),
      ),
      count: sum(ces, (r) => r.n),
    },
    deflection: {
      rate: ratio(
        sum(deflection, (r) => r.deflected),
        deflectionVisits,
      ),
      visits: deflectionVisits,
    },
    byType,
    byChannel,
    byAgent,
  };
  if (!opts.series || !perBucket) return { summary, series: null };

  const createdByDay = new Map(perDay.map((r) => [r.day, r.n]));
  const doneByDay = group(
    done.day,
    (d) => d,
    () => 1,
  );
  let open = openBefore;
  const seriesDays: SeriesDay[] = days.map((day) => {
    const c = createdByDay.get(day) ?? 0;
    const r = doneByDay.get(day) ?? 0;
    open += c - r;
    return { day, created: c, resolved: r, backlog: open };
  });
  const starts = [...new Set(days.map(keyOf))];
  const buckets: SeriesBucket[] = starts.map((start) => {
    const inIt = <T extends { day: string }>(rows: T[]) => rows.filter((r) => keyOf(r.day) === start);
    const sc = inIt(csat);
    const sn = inIt(nps);
    const se = inIt(ces);
    const dv = inIt(deflection);
    const times = perBucket.get(start);
    const n = sum(sn, (r) => r.n);
    return {
      start,
      created: sum(inIt(seriesDays), (r) => r.created),
      resolved: sum(inIt(seriesDays), (r) => r.resolved),
      firstResponse: times?.firstResponse ?? { median: null, p90: null, count: 0 },
      resolution: times?.resolution ?? { median: null, p90: null, count: 0 },
      csat: {
        average: ratio(
          sum(sc, (r) => r.total),
          sum(sc, (r) => r.n),
        ),
        count: sum(sc, (r) => r.n),
      },
      nps: {
        score: npsOf(
          sum(sn, (r) => r.high),
          sum(sn, (r) => r.low),
          n,
        ),
        count: n,
      },
      ces: {
        average: ratio(
          sum(se, (r) => r.total),
          sum(se, (r) => r.n),
        ),
        count: sum(se, (r) => r.n),
      },
      deflection: {
        rate: ratio(
          sum(dv, (r) => r.deflected),
          sum(dv, (r) => r.visits),
        ),
        visits: sum(dv, (r) => r.visits),
      },
    };
  });
  return { summary, series: { timeZone: zone, bucket, days: seriesDays, buckets } };
}

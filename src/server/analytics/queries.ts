import { type Expression, type RawBuilder, sql } from "kysely";
import type { AgentActor, WorkspaceSystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { readArrays } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { surveysVisibleTo } from "../surveys/survey.access.ts";
import { ticketScope, ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { type OffsetSegment, offsetSegments } from "./zone.ts";

// The dashboard's SQL: every read is one GROUP BY over an indexed range of one workspace's rows
// (migrations 0017 and 0018), bucketed by local day in SQL; percentiles come from window
// functions, so only the few rows at the median and the 90th percentile leave the database.

export type AnalyticsActor = AgentActor | WorkspaceSystemActor;

/** metrics.ts Range and Durations, by shape (metrics.ts imports this file). */
interface Range {
  from: string;
  to: string;
}
interface Durations {
  median: number | null;
  p90: number | null;
  count: number;
}

/** How timestamps become local days in SQL: the zone, and on SQLite its offsets over the range. */
export interface Bucketing {
  postgres: boolean;
  zone: string;
  segments: OffsetSegment[];
}

export function bucketingFor(ctx: AppContext, zone: string, range: Range): Bucketing {
  const postgres = ctx.database.dialect === "postgres";
  return {
    postgres,
    zone,
    segments: postgres ? [] : offsetSegments(zone, Date.parse(range.from), Date.parse(range.to)),
  };
}

const modifier = (minutes: number) => `${minutes >= 0 ? "+" : "-"}${Math.abs(minutes)} minutes`;

/**
 * 'YYYY-MM-DD' of the local day (or of the Monday of the local week) of a timestamp column.
 * PostgreSQL converts with the zone itself; SQLite shifts the ISO text by the zone's offset,
 * one CASE branch per daylight-saving segment of the range, so a day is exact on both.
 */
export function localDate(b: Bucketing, column: Expression<unknown>, week = false): RawBuilder<string> {
  if (b.postgres) {
    const local = sql`(${column} at time zone ${b.zone})`;
    return week
      ? sql<string>`to_char(date_trunc('week', ${local}), 'YYYY-MM-DD')`
      : sql<string>`to_char(${local}, 'YYYY-MM-DD')`;
  }
  // ISO text in UTC: with no offset the day is its first ten characters, cheaper than date().
  const one = (o: number) =>
    week
      ? sql<string>`date(${column}, ${modifier(o)}, '-6 days', 'weekday 1')`
      : o === 0
        ? sql<string>`substr(${column}, 1, 10)`
        : sql<string>`date(${column}, ${modifier(o)})`;
  const last = b.segments[b.segments.length - 1] ?? { until: null, offset: 0 };
  if (b.segments.length <= 1) return one(last.offset);
  const branches = b.segments
    .filter((s) => s.until !== null)
    .map((s) => sql`when ${column} < ${s.until} then ${one(s.offset)}`);
  return sql<string>`(case ${sql.join(branches, sql` `)} else ${one(last.offset)} end)`;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** A local day and the instants it runs between (ISO; from inclusive, to exclusive). */
export interface DayBounds {
  day: string;
  from: string;
  to: string;
}

/**
 * Tickets created per local day: one count per day over its own stretch of the (workspace_id,
 * created_at) index, in one statement (a VALUES list of the days' bounds, each with its
 * correlated count). Counting a range steps through the index; grouping the range's rows by a
 * computed day would sort them all first.
 */
export async function createdPerDay(db: Tx, actor: AnalyticsActor, b: Bucketing, days: DayBounds[]) {
  if (days.length === 0) return [];
  const at = (v: string) => (b.postgres ? sql`cast(${v} as timestamptz)` : sql`${v}`);
  const values = sql.join(days.map((d) => sql`(${d.day}, ${at(d.from)}, ${at(d.to)})`));
  const rows = await db
    .selectFrom(sql<{ column1: string; column2: string; column3: string }>`(values ${values})`.as("v"))
    .select([
      sql<string>`v.column1`.as("day"),
      ticketsVisibleTo(db, actor)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("tickets.created_at", ">=", sql<string>`v.column2`)
        .where("tickets.created_at", "<", sql<string>`v.column3`)
        .as("n"),
    ])
    .execute();
  return rows.map((r) => ({ day: String(r.day), n: num(r.n) }));
}

/**
 * Tickets created in the range per channel and type: the workspace's tickets read in the order
 * of the (workspace_id, channel, type, created_at) index (0018), so the groups come out without
 * sorting, and counted when created in the range.
 */
export async function createdByKind(db: Tx, actor: AnalyticsActor, range: Range) {
  const rows = await ticketsVisibleTo(db, actor)
    .select([
      "tickets.channel",
      "tickets.type",
      sql<number>`sum(case when tickets.created_at >= ${range.from} and tickets.created_at < ${range.to} then 1 else 0 end)`.as(
        "n",
      ),
    ])
    .groupBy(["tickets.channel", "tickets.type"])
    .execute();
  return rows.map((r) => ({ channel: r.channel, type: r.type, n: num(r.n) })).filter((r) => r.n > 0);
}

/**
 * A done ticket's resolution time in whole seconds: from its creation to its resolution, or to
 * its closing when it was closed without one. On SQLite this exact expression is a column of the
 * covering index tickets_done_durations_idx (migration 0020), so it is read from the index, not
 * computed per row from the ISO text; the index also holds the first-response time below.
 */
function resolutionSeconds(b: Bucketing): RawBuilder<number> {
  return b.postgres
    ? sql<number>`round(extract(epoch from (coalesce(tickets.resolved_at, tickets.closed_at) - tickets.created_at)))`
    : sql<number>`cast(round((julianday(coalesce(tickets.resolved_at, tickets.closed_at)) - julianday(tickets.created_at)) * 86400) as integer)`;
}

/** A ticket's first-response time in whole seconds (null: no response yet); indexed like the above. */
function firstResponseSeconds(b: Bucketing): RawBuilder<number | null> {
  return b.postgres
    ? sql<number | null>`round(extract(epoch from (tickets.first_response_at - tickets.created_at)))`
    : sql<
        number | null
      >`cast(round((julianday(tickets.first_response_at) - julianday(tickets.created_at)) * 86400) as integer)`;
}

/**
 * The tickets done in a range: resolved in it, or closed in it without having been resolved;
 * the local day each was done, its assignee and its two times. The first part is read from the
 * covering index of 0020 alone; tickets_closed_unresolved_idx (0018) holds the few closed
 * straight away.
 */
export function doneTickets(db: Tx, actor: AnalyticsActor, b: Bucketing, range: Range) {
  const part = (doneAt: "tickets.resolved_at" | "tickets.closed_at") =>
    ticketsVisibleTo(db, actor).select([
      localDate(b, sql.ref(doneAt)).as("day"),
      "tickets.assignee_id",
      resolutionSeconds(b).as("r"),
      firstResponseSeconds(b).as("f"),
    ]);
  return part("tickets.resolved_at")
    .where("tickets.resolved_at", ">=", range.from)
    .where("tickets.resolved_at", "<", range.to)
    .unionAll(
      part("tickets.closed_at")
        .where("tickets.resolved_at", "is", null)
        .where("tickets.closed_at", ">=", range.from)
        .where("tickets.closed_at", "<", range.to),
    );
}

/**
 * The tickets done in a range, as columns: the local day each was done, its assignee, its
 * resolution and first-response times in whole seconds (NaN: no first response), and the row
 * numbers in the order of each time, from which every group's percentiles are read.
 */
export interface DoneRows {
  day: string[];
  agent: (string | null)[];
  r: Float64Array;
  f: Float64Array;
  byR: Uint32Array;
  byF: Uint32Array;
}

/**
 * Row numbers ordered by value (equal values by row), NaN left out. Whole values within 2³² of
 * each other (durations in seconds) are ordered by a radix sort of 16 bits at a time, a few
 * passes over typed arrays; anything else by a sort with a comparison function.
 */
export function orderOf(values: Float64Array): Uint32Array {
  const n = values.length;
  let k = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let whole = true;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) whole = false;
    if (v < min) min = v;
    if (v > max) max = v;
    k++;
  }
  if (!whole || max - min >= 2 ** 32) {
    const idx = [...values.keys()].filter((j) => !Number.isNaN(values[j]));
    return Uint32Array.from(idx.sort((x, y) => (values[x] as number) - (values[y] as number) || x - y));
  }
  let keys = new Uint32Array(k);
  let rows = new Uint32Array(k);
  for (let i = 0, j = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    keys[j] = v - min;
    rows[j++] = i;
  }
  // Least significant digit first; each pass is stable, so equal values keep their row order.
  let nextKeys = new Uint32Array(k);
  let nextRows = new Uint32Array(k);
  const counts = new Uint32Array(65_536);
  for (let shift = 0; shift < 32 && (max - min) / 2 ** shift >= 1; shift += 16) {
    counts.fill(0);
    for (let j = 0; j < k; j++) counts[((keys[j] as number) >>> shift) & 0xffff]++;
    let at = 0;
    for (let d = 0; d < 65_536; d++) {
      const c = counts[d] as number;
      counts[d] = at;
      at += c;
    }
    for (let j = 0; j < k; j++) {
      const key = keys[j] as number;
      const d = (key >>> shift) & 0xffff;
      const to = counts[d] as number;
      counts[d] = to + 1;
      nextKeys[to] = key;
      nextRows[to] = rows[j] as number;
    }
    [keys, nextKeys] = [nextKeys, keys];
    [rows, nextRows] = [nextRows, rows];
  }
  return rows;
}

/**
 * The tickets done in the range: one indexed read of their day, assignee and times, taken as
 * arrays of values (no object per row); the counts and percentiles are taken from it.
 */
export async function doneRows(
  ctx: AppContext,
  actor: AnalyticsActor,
  b: Bucketing,
  range: Range,
): Promise<DoneRows> {
  const rows = await readArrays(ctx.database, doneTickets(ctx.database.db, actor, b, range).compile());
  const n = rows.length;
  const out = {
    day: new Array<string>(n),
    agent: new Array<string | null>(n),
    r: new Float64Array(n),
    f: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const x = rows[i] as unknown[];
    out.day[i] = x[0] as string;
    out.agent[i] = x[1] as string | null;
    out.r[i] = Number(x[2]);
    out.f[i] = x[3] === null ? Number.NaN : Number(x[3]);
  }
  return { ...out, byR: orderOf(out.r), byF: orderOf(out.f) };
}

/** Tickets open at an instant, as times stand now: created before it, not done before it. */
export async function openAt(db: Tx, actor: AnalyticsActor, at: string): Promise<number> {
  const [created, resolved, closed] = await Promise.all([
    ticketsVisibleTo(db, actor)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tickets.created_at", "<", at)
      .executeTakeFirst(),
    ticketsVisibleTo(db, actor)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tickets.resolved_at", "<", at)
      .executeTakeFirst(),
    ticketsVisibleTo(db, actor)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tickets.resolved_at", "is", null)
      .where("tickets.closed_at", "<", at)
      .executeTakeFirst(),
  ]);
  return num(created?.n) - num(resolved?.n) - num(closed?.n);
}

export interface TimePercentiles {
  resolution: Durations;
  firstResponse: Durations;
}

/**
 * Median (the mean of the middle two values when their number is even) and 90th percentile
 * (nearest rank, ⌈0.9·n⌉) of durations already in order.
 */
export function durationsOf(sorted: ArrayLike<number>): Durations {
  const n = sorted.length;
  if (n === 0) return { median: null, p90: null, count: 0 };
  const at = (rank: number) => sorted[rank - 1] as number;
  return {
    median: (at(Math.floor((n + 1) / 2)) + at(Math.floor((n + 2) / 2))) / 2,
    p90: at(Math.floor((9 * n + 9) / 10)),
    count: n,
  };
}

/**
 * The resolution and first-response times of the done tickets per key (a day, a week, an agent),
 * or of all of them without `keyOf`: each row's group is looked up once, then the rows are walked
 * in the order of each time, so every group's list comes out sorted.
 */
export function timePercentiles(
  done: DoneRows,
  keyOf?: (row: number) => string,
): Map<string, TimePercentiles> {
  const n = done.r.length;
  const names: string[] = [];
  const ids = new Int32Array(n);
  if (keyOf) {
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const k = keyOf(i);
      let g = index.get(k);
      if (g === undefined) {
        g = names.length;
        names.push(k);
        index.set(k, g);
      }
      ids[i] = g;
    }
  } else if (n > 0) names.push("all");
  const collect = (byValue: Uint32Array, values: Float64Array) => {
    const lists = names.map((): number[] => []);
    for (const i of byValue) (lists[ids[i] as number] as number[]).push(values[i] as number);
    return lists;
  };
  const r = collect(done.byR, done.r);
  const f = collect(done.byF, done.f);
  const out = new Map<string, TimePercentiles>();
  for (const [g, k] of names.entries()) {
    out.set(k, { resolution: durationsOf(r[g] as number[]), firstResponse: durationsOf(f[g] as number[]) });
  }
  return out;
}

/** Answered CSAT, NPS and CES surveys per local day: counts and the sums the averages need. */
export async function surveyCounts(db: Tx, actor: AnalyticsActor, b: Bucketing, range: Range) {
  const rows = await surveysVisibleTo(db, actor)
    .select([
      localDate(b, sql.ref("surveys.answered_at")).as("day"),
      "surveys.kind",
      (eb) => eb.fn.countAll<number>().as("n"),
      (eb) => eb.fn.sum<number>("surveys.score").as("total"),
      sql<number>`sum(case when surveys.score >= 9 then 1 else 0 end)`.as("high"),
      sql<number>`sum(case when surveys.score <= 6 then 1 else 0 end)`.as("low"),
      sql<number>`sum(case when surveys.score >= 4 then 1 else 0 end)`.as("satisfied"),
    ])
    .where("surveys.answered_at", ">=", range.from)
    .where("surveys.answered_at", "<", range.to)
    .where("surveys.kind", "in", ["csat", "nps", "ces"])
    .where("surveys.score", "is not", null)
    .groupBy([sql`1`, "surveys.kind"])
    .execute();
  return rows.map((r) => ({
    day: r.day,
    kind: r.kind as "csat" | "nps" | "ces",
    n: num(r.n),
    total: num(r.total),
    high: num(r.high),
    low: num(r.low),
    satisfied: num(r.satisfied),
  }));
}

/** CSAT answers in the range per agent the answer is about. */
export async function csatByAgent(db: Tx, actor: AnalyticsActor, range: Range) {
  const rows = await surveysVisibleTo(db, actor)
    .select([
      "surveys.agent_id",
      (eb) => eb.fn.countAll<number>().as("n"),
      (eb) => eb.fn.sum<number>("surveys.score").as("total"),
    ])
    .where("surveys.answered_at", ">=", range.from)
    .where("surveys.answered_at", "<", range.to)
    .where("surveys.kind", "=", "csat")
    .where("surveys.score", "is not", null)
    .groupBy("surveys.agent_id")
    .execute();
  return rows.map((r) => ({ agentId: r.agent_id, n: num(r.n), total: num(r.total) }));
}

/** CSAT answers in the range per type of their ticket (both tables in the actor's scope). */
export async function csatByType(db: Tx, actor: AnalyticsActor, range: Range) {
  const rows = await surveysVisibleTo(db, actor)
    .innerJoin("tickets", "tickets.id", "surveys.ticket_id")
    .where((eb) => ticketScope(actor)(eb as never))
    .select([
      "tickets.type",
      (eb) => eb.fn.countAll<number>().as("n"),
      (eb) => eb.fn.sum<number>("surveys.score").as("total"),
    ])
    .where("surveys.answered_at", ">=", range.from)
    .where("surveys.answered_at", "<", range.to)
    .where("surveys.kind", "=", "csat")
    .where("surveys.score", "is not", null)
    .groupBy("tickets.type")
    .execute();
  return rows.map((r) => ({ type: r.type, n: num(r.n), total: num(r.total) }));
}

/**
 * Portal visits whose submit form showed suggestions in the range, per local day of the first
 * suggestion shown, and how many of them ended without a ticket (deflected).
 */
export async function deflectionCounts(ctx: AppContext, actor: AnalyticsActor, b: Bucketing, range: Range) {
  const db = ctx.database.db;
  const visits = db
    .selectFrom("kb_deflection_events as e")
    .select([
      "e.visit_id",
      sql<string>`min(case when e.type = 'shown' then e.created_at end)`.as("shown_at"),
      sql<number>`max(case when e.type = 'submitted' then 1 else 0 end)`.as("submitted"),
    ])
    .where("e.workspace_id", "=", actor.workspaceId)
    .where("e.created_at", ">=", range.from)
    .where("e.created_at", "<", range.to)
    .groupBy("e.visit_id");
  const rows = await db
    .selectFrom(visits.as("v"))
    .select([
      localDate(b, sql.ref("v.shown_at")).as("day"),
      (eb) => eb.fn.countAll<number>().as("n"),
      sql<number>`sum(1 - v.submitted)`.as("deflected"),
    ])
    .where("v.shown_at", "is not", null)
    .groupBy(sql`1`)
    .execute();
  return rows.map((r) => ({ day: r.day, visits: num(r.n), deflected: num(r.deflected) }));
}

/** The names of the workspace's agents. */
export async function agentNames(db: Tx, actor: AnalyticsActor): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom("agents")
    .select(["id", "name"])
    .where("workspace_id", "=", actor.workspaceId)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

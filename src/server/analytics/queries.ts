import { type Expression, type RawBuilder, sql } from "kysely";
import type { AgentActor, WorkspaceSystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { readArrays } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { surveysVisibleTo } from "../surveys/survey.access.ts";
import { ticketScope, ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { type DoneRows, orderOf } from "./percentiles.ts";
import { type OffsetSegment, offsetSegments } from "./zone.ts";

// The dashboard's SQL: every read is an indexed range of one workspace's rows (migrations 0017,
// 0018 and 0020), bucketed by local day in SQL. The large reads (the done tickets with their
// times, the portal's deflection events) come back as arrays of values; the percentiles are
// taken from the done tickets in percentiles.ts.

export type AnalyticsActor = AgentActor | WorkspaceSystemActor;

export { type DoneRows, durationsOf, orderOf, type TimePercentiles, timePercentiles } from "./percentiles.ts";

/** metrics.ts Range, by shape (metrics.ts imports this file). */
interface Range {
  from: string;
  to: string;
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
 * suggestion shown, and how many of them ended without a ticket (deflected). The range's events
 * are read in time order from the covering index of 0018 (no sort) as arrays of values, and
 * gathered per visit here: grouping tens of thousands of events by visit in SQL sorts them all.
 */
export async function deflectionCounts(ctx: AppContext, actor: AnalyticsActor, b: Bucketing, range: Range) {
  const db = ctx.database.db;
  const events = await readArrays(
    ctx.database,
    db
      .selectFrom("kb_deflection_events as e")
      .select(["e.visit_id", "e.type", localDate(b, sql.ref("e.created_at")).as("day")])
      .where("e.workspace_id", "=", actor.workspaceId)
      .where("e.created_at", ">=", range.from)
      .where("e.created_at", "<", range.to)
      .where("e.type", "in", ["shown", "submitted"])
      .orderBy("e.created_at")
      .compile(),
  );
  // Per visit: the day of its first suggestion shown (null: none yet), and whether it submitted.
  const visits = new Map<string, { day: string | null; submitted: boolean }>();
  for (const [visitId, type, day] of events as [string, string, string][]) {
    let v = visits.get(visitId);
    if (!v) {
      v = { day: null, submitted: false };
      visits.set(visitId, v);
    }
    if (type === "shown") v.day ??= day;
    else v.submitted = true;
  }
  const byDay = new Map<string, { day: string; visits: number; deflected: number }>();
  for (const v of visits.values()) {
    if (v.day === null) continue;
    let d = byDay.get(v.day);
    if (!d) {
      d = { day: v.day, visits: 0, deflected: 0 };
      byDay.set(v.day, d);
    }
    d.visits++;
    if (!v.submitted) d.deflected++;
  }
  return [...byDay.values()];
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

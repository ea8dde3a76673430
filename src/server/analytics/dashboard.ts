import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { ReadCache } from "../db/prepared.ts";
import { analyze, type DailySeries, type PeriodSummary, rangeOfDays, workspaceZone } from "./metrics.ts";
import { type DayRange, previousRange, readDayRange } from "./range.ts";
import { localDay } from "./zone.ts";

// What the dashboard shows for a query: the range's summary and series and, when asked, the
// previous period's summary. The API and the page read it the same way.

export interface DashboardQuery {
  from?: string | undefined;
  to?: string | undefined;
  compare?: string | undefined;
}

export interface Dashboard {
  from: string;
  to: string;
  timeZone: string;
  today: string;
  summary: PeriodSummary;
  series: DailySeries;
  previous: (PeriodSummary & { from: string; to: string }) | null;
}

/** Today in the workspace's time zone, and the range the query asks for (400 when it is not one). */
export async function dashboardRange(ctx: AppContext, actor: AgentActor, q: DashboardQuery) {
  const timeZone = await workspaceZone(ctx, actor);
  const today = localDay(timeZone, ctx.now().getTime());
  return { timeZone, today, days: readDayRange(q, today) };
}

/**
 * A workspace's dashboards (the same for all its agents), each kept until the database changes
 * (SQLite; on PostgreSQL every call reads): a year's figures cost a few hundred milliseconds of
 * SQL, and a team opening the dashboard between two changes reads it once.
 */
const DASHBOARDS = new ReadCache<Dashboard>(100, { share: 0.1 });

export async function dashboard(ctx: AppContext, actor: AgentActor, q: DashboardQuery): Promise<Dashboard> {
  const { timeZone, today, days } = await dashboardRange(ctx, actor, q);
  const key = `${actor.workspaceId} ${timeZone} ${days.from} ${days.to} ${q.compare === "previous"} ${today}`;
  return DASHBOARDS.get(ctx.database, key, () => compute(ctx, actor, { timeZone, today, days }, q));
}

async function compute(
  ctx: AppContext,
  actor: AgentActor,
  { timeZone, today, days }: { timeZone: string; today: string; days: DayRange },
  q: DashboardQuery,
): Promise<Dashboard> {
  const prev: DayRange | null = q.compare === "previous" ? previousRange(days) : null;
  const [current, previous] = await Promise.all([
    analyze(ctx, actor, rangeOfDays(timeZone, days.from, days.to), { series: true }),
    prev ? analyze(ctx, actor, rangeOfDays(timeZone, prev.from, prev.to), { series: false }) : null,
  ]);
  return {
    ...days,
    timeZone,
    today,
    summary: current.summary,
    series: current.series as DailySeries,
    previous: prev && previous ? { ...previous.summary, ...prev } : null,
  };
}

import type { SystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Database } from "../db/connection.ts";
import { isTimeZone, localDate, localMonth, localParts, zonedTime } from "../lib/zoned-time.ts";
import { type JobSpec, scheduleJob } from "./scheduler.ts";

// Recurring work is planned, not timed: each scheduler tick makes sure the row of the current
// period exists (one key per workspace and day, or month), in the workspace's time zone. Only the
// current period is planned, so a server that was down for ten days runs today's article check
// and this month's report once when it is back, never one per missed day. The keys make it the
// same row whichever process plans it first.

/** Local hours of each workspace's recurring jobs. */
export const RECURRING_HOURS = { kbHealth: 6, npsSweep: 10, monthlyReport: 7, retention: 3 } as const;
/** The reminders of every workspace's customers go out together, at this hour UTC. */
export const TASK_REMINDERS_HOUR_UTC = 8;

export interface WorkspaceZone {
  id: string;
  time_zone: string;
}

/** The current period's row of each recurring job of one workspace, at `now`, in `timeZone`. */
export function workspaceJobs(wsId: string, timeZone: string, now: Date): JobSpec[] {
  const today = localParts(now, timeZone);
  const day = localDate(today);
  const at = (hour: number, d = today.day) => zonedTime(today.year, today.month, d, hour, 0, timeZone);
  const last = new Date(Date.UTC(today.year, today.month - 2, 1));
  const reported = localMonth({ year: last.getUTCFullYear(), month: last.getUTCMonth() + 1 });
  return [
    {
      kind: "kb_health",
      key: `kb_health:${wsId}:${day}`,
      runAt: at(RECURRING_HOURS.kbHealth),
      workspaceId: wsId,
    },
    {
      kind: "nps_sweep",
      key: `nps_sweep:${wsId}:${day}`,
      runAt: at(RECURRING_HOURS.npsSweep),
      workspaceId: wsId,
    },
    {
      kind: "retention",
      key: `retention:${wsId}:${day}`,
      runAt: at(RECURRING_HOURS.retention),
      workspaceId: wsId,
    },
    {
      kind: "monthly_report",
      key: `monthly_report:${wsId}:${reported}`,
      runAt: at(RECURRING_HOURS.monthlyReport, 1),
      workspaceId: wsId,
      payload: { month: reported },
    },
  ];
}

/** The current day's row of the jobs of the whole server (UTC). */
export function serverJobs(now: Date): JobSpec[] {
  const day = now.toISOString().slice(0, 10);
  return [
    {
      kind: "task_reminders",
      key: `task_reminders:${day}`,
      runAt: new Date(`${day}T${String(TASK_REMINDERS_HOUR_UTC).padStart(2, "0")}:00:00.000Z`),
      workspaceId: null,
    },
    // SLA warnings and breaches (sla/sla.sweep.ts): every minute.
    {
      kind: "sla_sweep",
      key: `sla_sweep:${now.toISOString().slice(0, 16)}`,
      runAt: new Date(`${now.toISOString().slice(0, 16)}:00.000Z`),
      workspaceId: null,
    },
  ];
}

/** What this process already wrote, per database: the key of each slot (kind and workspace). */
const planned = new WeakMap<Database, { keys: Map<string, string>; badZones: Set<string> }>();

/**
 * Makes sure the current period's row of every recurring job exists; answers how many rows were
 * new. Cheap to repeat: a slot whose key this process already wrote is not written again.
 */
export async function planRecurringJobs(ctx: AppContext, actor: SystemActor): Promise<number> {
  let state = planned.get(ctx.database);
  if (!state) {
    state = { keys: new Map(), badZones: new Set() };
    planned.set(ctx.database, state);
  }
  const now = ctx.now();
  // Workspaces are not a guarded table: their id and zone are all planning needs.
  const workspaces: WorkspaceZone[] = await ctx.database.db
    .selectFrom("workspaces")
    .select(["id", "time_zone"])
    .orderBy("id")
    .execute();
  const specs = serverJobs(now);
  for (const ws of workspaces) {
    let zone = ws.time_zone;
    if (!isTimeZone(zone)) {
      if (!state.badZones.has(ws.id)) {
        state.badZones.add(ws.id);
        ctx.log.warn(
          { workspaceId: ws.id, timeZone: zone, by: actor.reason },
          "a workspace's time zone is unknown; its recurring jobs are planned in UTC",
        );
      }
      zone = "UTC";
    }
    specs.push(...workspaceJobs(ws.id, zone, now));
  }
  const slot = (s: JobSpec) => `${s.kind}:${s.workspaceId ?? ""}`;
  const fresh = specs.filter((s) => state.keys.get(slot(s)) !== s.key);
  if (!fresh.length) return 0;
  let made = 0;
  await ctx.database.db.transaction().execute(async (tx) => {
    for (const s of fresh) if (await scheduleJob(ctx, tx, s)) made++;
  });
  for (const s of fresh) state.keys.set(slot(s), s.key);
  return made;
}

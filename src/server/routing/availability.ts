import type { AgentActor } from "../actors.ts";
import { NO_PASSWORD_YET } from "../agents/agent.service.ts";
import { recordAudit } from "../audit/audit.ts";
import { type AppContext, nowIso } from "../context.ts";
import { forbidden, notFound, validationFailed } from "../errors.ts";
import { publishNotified } from "../notifications/notify.ts";
import { ticketsVisibleTo, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { assignmentSettingsOf } from "./assignment-settings.ts";
import { assignTicket, OPEN_STATUSES } from "./auto-assign.ts";

// An agent's availability (online or away, set by the agent) and capacity (set by an admin).
// Going away is a choice about one's open tickets: kept, or handed back, in which case each is
// unassigned and goes through the auto-assignment again (in the same transaction).

export const AVAILABILITIES = ["online", "away"] as const;
export type Availability = (typeof AVAILABILITIES)[number];
export const CAPACITY_MAX = 1000;

export interface AvailabilityView {
  availability: Availability;
  capacity: number | null;
  /** References of the tickets handed back, when asked to. */
  handedBack: string[];
}

export async function availabilityOf(ctx: AppContext, actor: AgentActor): Promise<AvailabilityView> {
  const row = await ctx.database.db
    .selectFrom("agents")
    .select(["availability", "capacity"])
    .where("workspace_id", "=", actor.workspaceId)
    .where("id", "=", actor.agentId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return { availability: row.availability, capacity: row.capacity, handedBack: [] };
}

export async function setAvailability(
  ctx: AppContext,
  actor: AgentActor,
  input: { availability: Availability; handBack?: boolean | undefined },
): Promise<AvailabilityView> {
  const published: { notified: string[] } = { notified: [] };
  const view = await ctx.database.db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable("agents")
      .set({ availability: input.availability, updated_at: nowIso(ctx) })
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", actor.agentId)
      .returning(["availability", "capacity"])
      .executeTakeFirst();
    if (!row) throw notFound();
    if (input.availability !== "away" || !input.handBack) return { ...row, handedBack: [] as string[] };
    let q = ticketsVisibleTo(tx, actor)
      .select(["tickets.id", "tickets.workspace_id", "tickets.number", "tickets.subject", "tickets.team_id"])
      .where("tickets.assignee_id", "=", actor.agentId)
      .where("tickets.status", "in", [...OPEN_STATUSES])
      .orderBy("tickets.number");
    if (ctx.database.dialect === "postgres") q = q.forUpdate();
    const mine = await q.execute();
    const ws = await tx
      .selectFrom("workspaces")
      .select(["assignment_mode", "assignment_teams"])
      .where("id", "=", actor.workspaceId)
      .executeTakeFirstOrThrow();
    const { mode } = assignmentSettingsOf(ws);
    const now = nowIso(ctx);
    for (const t of mine) {
      await ticketsWritableBy(tx, actor)
        .set({ assignee_id: null, updated_at: now })
        .where("tickets.id", "=", t.id)
        .execute();
      await recordEvent(ctx.database, tx, {
        workspaceId: t.workspace_id,
        ticketId: t.id,
        actor: { type: "agent", id: actor.agentId },
        type: "assignee_changed",
        data: { from: actor.agentId, to: null, handedBack: true },
        at: now,
      });
      const r = await assignTicket(ctx, tx, t, mode);
      published.notified.push(...r.notified);
    }
    return { ...row, handedBack: mine.map((t) => `TKT-${String(t.number).padStart(4, "0")}`) };
  });
  publishNotified(ctx, actor.workspaceId, [...new Set(published.notified)]);
  for (const reference of view.handedBack) {
    ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference });
  }
  return view;
}

/** Admins: the most open tickets an agent is given (null: no limit). */
export async function setCapacity(
  ctx: AppContext,
  actor: AgentActor,
  agentId: string,
  capacity: number | null,
): Promise<{ id: string; capacity: number | null }> {
  if (actor.role !== "admin") throw forbidden("Only admins set an agent's capacity.");
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 0 || capacity > CAPACITY_MAX)) {
    throw validationFailed({ capacity: `must be a whole number from 0 to ${CAPACITY_MAX}, or empty` });
  }
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable("agents")
      .set({ capacity, updated_at: nowIso(ctx) })
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", agentId)
      .returning(["id", "name", "capacity"])
      .executeTakeFirst();
    if (!row) throw notFound("No such agent.");
    await recordAudit(ctx, tx, actor, {
      action: "agent.capacity",
      target: { type: "agent", id: agentId },
      summary: `${row.name}: ${capacity === null ? "no limit" : `at most ${capacity} open tickets`}`,
      details: { capacity },
    });
    return { id: row.id, capacity: row.capacity };
  });
}

export interface WorkloadRow {
  id: string;
  name: string;
  email: string;
  active: boolean;
  invited: boolean;
  availability: Availability;
  capacity: number | null;
  open: number;
}

/** Every agent with availability, capacity and open assigned tickets: the workload table. */
export async function workload(ctx: AppContext, actor: AgentActor): Promise<WorkloadRow[]> {
  const db = ctx.database.db;
  const agents = await db
    .selectFrom("agents")
    .select(["id", "name", "email", "active", "password_hash", "availability", "capacity"])
    .where("workspace_id", "=", actor.workspaceId)
    .orderBy("name")
    .orderBy("id")
    .execute();
  const counts = await ticketsVisibleTo(db, actor)
    .select(["tickets.assignee_id", (eb) => eb.fn.countAll().as("n")])
    .where("tickets.assignee_id", "is not", null)
    .where("tickets.status", "in", [...OPEN_STATUSES])
    .groupBy("tickets.assignee_id")
    .execute();
  const open = new Map(counts.map((c) => [c.assignee_id as string, Number(c.n)]));
  return agents.map((a) => ({
    id: a.id,
    name: a.name,
    email: a.email,
    active: Boolean(a.active),
    invited: a.password_hash === NO_PASSWORD_YET,
    availability: a.availability,
    capacity: a.capacity,
    open: open.get(a.id) ?? 0,
  }));
}

import { formatReference } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import { NO_PASSWORD_YET } from "../agents/agent.service.ts";
import type { AppContext } from "../context.ts";
import { nowIso } from "../context.ts";
import type { TicketTable, Tx, WorkspaceTable } from "../db/schema.ts";
import { teamMembersVisibleTo, teamsVisibleTo } from "../notifications/notification.access.ts";
import { notifyAgents, publishNotified } from "../notifications/notify.ts";
import { ticketsVisibleTo, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { assignmentSettingsOf } from "./assignment-settings.ts";

// Auto-assignment: in the transaction that opens a ticket, the ticket finds its team (by its type)
// and, unless the workspace assigns by hand, an agent: the next in turn (round robin) or the one
// with the fewest open tickets (ties: the next in turn). Only active agents who accepted their
// invitation, are online and are under their capacity are chosen. Every assignment first locks the
// workspace's cursor row, so on PostgreSQL two tickets opened at once are assigned one after the
// other and never both to an agent with room for one; SQLite writes one transaction at a time.

/** Tickets that still need their assignee: what capacity counts. */
export const OPEN_STATUSES = ["open", "in_progress", "waiting"] as const;

export interface Routed {
  teamId: string | null;
  assigneeId: string | null;
  /** Agents told (in-app), for publishNotified after commit. */
  notified: string[];
}

const WORKSPACE_SCOPE = "";

/** Who assigned, in the assignee's notice ("Auto-assignment assigned you on TKT-0042"). */
export const AUTO_ASSIGNER = "Auto-assignment";

/** The workspace's cursor row, created on first use and locked for the transaction. */
async function lockAssignment(ctx: AppContext, tx: Tx, workspaceId: string): Promise<void> {
  await tx
    .insertInto("assignment_cursors")
    .values({ workspace_id: workspaceId, scope: WORKSPACE_SCOPE, last_agent_id: null })
    .onConflict((oc) => oc.columns(["workspace_id", "scope"]).doNothing())
    .execute();
  if (ctx.database.dialect === "postgres") {
    await tx
      .selectFrom("assignment_cursors")
      .select("scope")
      .where("workspace_id", "=", workspaceId)
      .where("scope", "=", WORKSPACE_SCOPE)
      .forUpdate()
      .execute();
  }
}

async function cursorOf(tx: Tx, workspaceId: string, scope: string): Promise<string | null> {
  const row = await tx
    .selectFrom("assignment_cursors")
    .select("last_agent_id")
    .where("workspace_id", "=", workspaceId)
    .where("scope", "=", scope)
    .executeTakeFirst();
  return row?.last_agent_id ?? null;
}

async function moveCursor(tx: Tx, workspaceId: string, scope: string, agentId: string): Promise<void> {
  await tx
    .insertInto("assignment_cursors")
    .values({ workspace_id: workspaceId, scope, last_agent_id: agentId })
    .onConflict((oc) => oc.columns(["workspace_id", "scope"]).doUpdateSet({ last_agent_id: agentId }))
    .execute();
}

/**
 * The agent the next ticket goes to, or null when nobody may take one. Call with the workspace's
 * assignment lock held (lockAssignment): the counts read here stay true until commit.
 */
export async function pickAgent(
  tx: Tx,
  p: { workspaceId: string; teamId: string | null; mode: "round_robin" | "least_open" },
): Promise<string | null> {
  const system = systemActorIn("auto-assignment", p.workspaceId);
  let q = tx
    .selectFrom("agents")
    .select(["agents.id", "agents.capacity"])
    .where("agents.workspace_id", "=", p.workspaceId)
    .where("agents.active", "=", true)
    .where("agents.password_hash", "!=", NO_PASSWORD_YET)
    .where("agents.availability", "=", "online")
    .orderBy("agents.id");
  if (p.teamId !== null) {
    q = q.where(
      "agents.id",
      "in",
      teamMembersVisibleTo(tx, system)
        .select("team_members.agent_id")
        .where("team_members.team_id", "=", p.teamId),
    );
  }
  const agents = await q.execute();
  if (agents.length === 0) return null;
  const counts = await ticketsVisibleTo(tx, system)
    .select(["tickets.assignee_id", (eb) => eb.fn.countAll().as("n")])
    .where(
      "tickets.assignee_id",
      "in",
      agents.map((a) => a.id),
    )
    .where("tickets.status", "in", [...OPEN_STATUSES])
    .groupBy("tickets.assignee_id")
    .execute();
  const open = new Map(counts.map((c) => [c.assignee_id as string, Number(c.n)]));
  const scope = p.teamId ?? WORKSPACE_SCOPE;
  const last = await cursorOf(tx, p.workspaceId, scope);
  // In turn: those after the last one chosen, then from the start again.
  const turn =
    last === null ? agents : [...agents.filter((a) => a.id > last), ...agents.filter((a) => a.id <= last)];
  const eligible = turn.filter((a) => a.capacity === null || (open.get(a.id) ?? 0) < a.capacity);
  if (eligible.length === 0) return null;
  let chosen = eligible[0] as (typeof eligible)[number];
  if (p.mode === "least_open") {
    for (const a of eligible) if ((open.get(a.id) ?? 0) < (open.get(chosen.id) ?? 0)) chosen = a;
  }
  await moveCursor(tx, p.workspaceId, scope, chosen.id);
  return chosen.id;
}

/** The team a ticket type belongs to, when the map names one that still exists. */
async function teamForType(tx: Tx, workspaceId: string, teams: Record<string, string>, type: string) {
  const id = teams[type];
  if (!id) return null;
  const row = await teamsVisibleTo(tx, systemActorIn("auto-assignment", workspaceId))
    .select("teams.id")
    .where("teams.id", "=", id)
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Assigns one ticket (already in tx, without an assignee) by the workspace's mode, in its team or
 * the whole workspace, tells the assignee, and records the event. Returns the agent or null.
 */
export async function assignTicket(
  ctx: AppContext,
  tx: Tx,
  t: Pick<TicketTable, "id" | "workspace_id" | "number" | "subject" | "team_id">,
  mode: string,
): Promise<{ assigneeId: string | null; notified: string[] }> {
  if (mode !== "round_robin" && mode !== "least_open") return { assigneeId: null, notified: [] };
  await lockAssignment(ctx, tx, t.workspace_id);
  const agentId = await pickAgent(tx, { workspaceId: t.workspace_id, teamId: t.team_id, mode });
  if (agentId === null) return { assigneeId: null, notified: [] };
  const system = systemActorIn("auto-assignment", t.workspace_id);
  const now = nowIso(ctx);
  await ticketsWritableBy(tx, system).set({ assignee_id: agentId }).where("tickets.id", "=", t.id).execute();
  await recordEvent(ctx.database, tx, {
    workspaceId: t.workspace_id,
    ticketId: t.id,
    actor: { type: "system", id: null },
    type: "assignee_changed",
    data: { from: null, to: agentId, auto: true },
    at: now,
  });
  const notified = await notifyAgents(ctx, tx, {
    workspaceId: t.workspace_id,
    kind: "assigned",
    ticketId: t.id,
    audience: { agentIds: [agentId] },
    data: { reference: formatReference(t.number), subject: t.subject, by: AUTO_ASSIGNER },
  });
  return { assigneeId: agentId, notified };
}

/** What insertTicket calls for every new ticket: its team by type, then its assignee. */
export async function routeNewTicket(
  ctx: AppContext,
  tx: Tx,
  t: TicketTable,
  /** The workspace's row as the caller read it for this ticket: its settings, without reading them again. */
  given?: Partial<Pick<WorkspaceTable, "id" | "assignment_mode" | "assignment_teams">>,
): Promise<Routed> {
  const ws =
    given?.id === t.workspace_id &&
    given.assignment_mode !== undefined &&
    given.assignment_teams !== undefined
      ? { assignment_mode: given.assignment_mode, assignment_teams: given.assignment_teams }
      : await tx
          .selectFrom("workspaces")
          .select(["assignment_mode", "assignment_teams"])
          .where("id", "=", t.workspace_id)
          .executeTakeFirstOrThrow();
  const settings = assignmentSettingsOf(ws);
  const teamId = await teamForType(tx, t.workspace_id, settings.teamsByType, t.type);
  if (teamId !== null) {
    await ticketsWritableBy(tx, systemActorIn("auto-assignment", t.workspace_id))
      .set({ team_id: teamId })
      .where("tickets.id", "=", t.id)
      .execute();
  }
  const { assigneeId, notified } = await assignTicket(ctx, tx, { ...t, team_id: teamId }, settings.mode);
  return { teamId, assigneeId, notified };
}

/** After commit: the assignee's bell, and the queue, hear of the new ticket. */
export function publishRouted(ctx: AppContext, workspaceId: string, reference: string, routed: Routed): void {
  publishNotified(ctx, workspaceId, routed.notified);
  ctx.live.publish({ workspaceId, topic: "ticket", reference });
}

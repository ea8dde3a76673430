import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { DB, TicketTable, Tx } from "../db/schema.ts";
import { validationFailed } from "../errors.ts";
import { teamMembersVisibleTo, teamsVisibleTo } from "../notifications/notification.access.ts";
import { notifyAgents } from "../notifications/notify.ts";
import { recordEvent } from "../tickets/ticket.events.ts";

// The routing side of an agent's change to a ticket (tickets/actions.ts applyPatch): its team,
// and telling the agent it was assigned to, unless they assigned themselves.

/** Checks the team is the workspace's, records the event, and puts the change into `set`. */
export async function patchTeam(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  t: TicketTable,
  teamId: string | null,
  set: Partial<TicketTable>,
  now: string,
): Promise<void> {
  if (teamId === t.team_id) return;
  if (teamId !== null) {
    const team = await teamsVisibleTo(tx, actor)
      .select("teams.id")
      .where("teams.id", "=", teamId)
      .executeTakeFirst();
    if (!team) throw validationFailed({ teamId: "is not a team of this workspace" });
  }
  set.team_id = teamId;
  await recordEvent(ctx.database, tx, {
    workspaceId: t.workspace_id,
    ticketId: t.id,
    actor: { type: "agent", id: actor.agentId },
    type: "team_changed",
    data: { from: t.team_id, to: teamId },
    at: now,
  });
}

/** The new assignee's notice, in tx; the agents told, for publishNotified after commit. */
export async function notifyAssignee(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  t: TicketTable,
  assigneeId: string,
): Promise<string[]> {
  return notifyAgents(ctx, tx, {
    workspaceId: t.workspace_id,
    kind: "assigned",
    ticketId: t.id,
    audience: { agentIds: [assigneeId] },
    actorAgentId: actor.agentId,
    data: { reference: formatReference(t.number), subject: t.subject },
  });
}

/** The queue's team filter: "mine" (the agent's teams) or one team's id. */
export function teamFilter(db: Tx, actor: AgentActor, team: string) {
  return (eb: ExpressionBuilder<DB, "tickets">): Expression<SqlBool> =>
    team === "mine"
      ? eb(
          "tickets.team_id",
          "in",
          teamMembersVisibleTo(db, actor)
            .select("team_members.team_id")
            .where("team_members.agent_id", "=", actor.agentId),
        )
      : eb("tickets.team_id", "=", team);
}

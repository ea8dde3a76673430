import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import { AppError } from "../errors.ts";
import { teamMembersVisibleTo } from "../notifications/notification.access.ts";
import { publishNotified } from "../notifications/notify.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import { applyPatch } from "./actions.ts";
import type { BulkAction, BulkItemResult, BulkResult, QueueView } from "./faster.schemas.ts";
import { mergeInTx } from "./merge.ts";
import { type CountRow, unresolvedCounts } from "./queue-counts.ts";
import { findTicketForAgent } from "./ticket.access.ts";
import type { TicketPatch } from "./ticket.schemas.ts";
import { markTicketRead } from "./ticket-read.access.ts";

// Working faster in the queue: "Take it", bulk changes (each ticket in its own transaction, so one
// refused ticket never undoes the others), the views with their counts, and "I have seen it".

/** Assigns the ticket to the signed-in agent. */
export async function takeTicket(ctx: AppContext, actor: AgentActor, reference: string): Promise<void> {
  await patchOne(ctx, actor, reference, { assigneeId: actor.agentId });
}

async function patchOne(ctx: AppContext, actor: AgentActor, reference: string, patch: TicketPatch) {
  const ws = await getWorkspace(ctx, actor);
  const { ref, notified } = await ctx.database.db.transaction().execute(async (tx) => {
    const t = await findTicketForAgent(ctx, actor, reference, { tx, lock: true });
    const notified = await applyPatch(ctx, tx, actor, t, patch, nowIso(ctx), { ws });
    return { ref: formatReference(t.number), notified };
  });
  publishNotified(ctx, actor.workspaceId, notified);
  ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference: ref });
}

function patchOf(action: BulkAction): TicketPatch | null {
  switch (action.kind) {
    case "assign":
      return { assigneeId: action.assigneeId };
    case "status":
      return { status: action.status };
    case "priority":
      return { priority: action.priority };
    case "merge":
      return null;
  }
}

/** One action on up to 100 tickets; each answers for itself, a failure says its code. */
export async function bulkUpdate(
  ctx: AppContext,
  actor: AgentActor,
  references: string[],
  action: BulkAction,
): Promise<BulkResult> {
  const results: BulkItemResult[] = [];
  const patch = patchOf(action);
  for (const reference of references) {
    try {
      if (patch) await patchOne(ctx, actor, reference, patch);
      else if (action.kind === "merge") {
        await ctx.database.db
          .transaction()
          .execute((tx) => mergeInTx(ctx, tx, actor, reference, action.into));
        ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference });
      }
      results.push({ reference, ok: true });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      const field = err.fields ? Object.values(err.fields)[0] : undefined;
      results.push({
        reference,
        ok: false,
        code: err.code,
        message: field ? `${err.message} (${field})` : err.message,
      });
    }
  }
  if (action.kind === "merge") {
    ctx.live.publish({
      workspaceId: actor.workspaceId,
      topic: "ticket",
      reference: action.into.toUpperCase(),
    });
  }
  ctx.live.publish({ workspaceId: actor.workspaceId, topic: "queue" });
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}

/** The queue's views and how many tickets each holds now (counted in queue-counts.ts). */
export async function queueViews(ctx: AppContext, actor: AgentActor): Promise<QueueView[]> {
  const counts = await unresolvedCounts(ctx, actor);
  const sum = (keep: (r: CountRow) => boolean) => counts.reduce((n, r) => (keep(r) ? n + r.n : n), 0);
  // "My teams" is a view only for an agent in a team (routing/).
  const myTeams = await teamMembersVisibleTo(ctx.database.db, actor)
    .select("team_members.team_id")
    .where("team_members.agent_id", "=", actor.agentId)
    .execute();
  const teamIds = new Set(myTeams.map((t) => t.team_id));
  const teams =
    teamIds.size === 0
      ? []
      : [
          {
            key: "teams",
            label: "My teams",
            href: "/app?team=mine",
            count: sum((r) => r.teamId !== null && teamIds.has(r.teamId)),
          },
        ];
  return [
    { key: "open", label: "All open", href: "/app", count: sum(() => true) },
    {
      key: "mine",
      label: "Mine",
      href: "/app?assignee=me",
      count: sum((r) => r.assigneeId === actor.agentId),
    },
    {
      key: "unassigned",
      label: "Unassigned",
      href: "/app?assignee=unassigned",
      count: sum((r) => r.assigneeId === null),
    },
    { key: "waiting", label: "Waiting for us", href: "/app?waiting=us", count: sum((r) => r.waitingForUs) },
    ...teams,
  ];
}

/** The agent opened the ticket: its customer messages so far are read. */
export async function markOpened(ctx: AppContext, actor: AgentActor, ticket: { id: string }): Promise<void> {
  await markTicketRead(ctx.database.db, actor, {
    ticketId: ticket.id,
    workspaceId: actor.workspaceId,
    at: nowIso(ctx),
  });
}

import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, type AgentActor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// An agent's last view of a ticket (ticket_reads, migration 0031): the agent's own rows only, so
// one agent opening a ticket never clears another's unread marker. The system reaches its
// workspace's. Customers, token holders and visitors never see one.

export function ticketReadScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "ticket_reads">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb.and([
          eb("ticket_reads.workspace_id", "=", actor.workspaceId),
          eb("ticket_reads.agent_id", "=", actor.agentId),
        ]);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("ticket_reads.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** The signed-in agent's reads, as a subquery-able select. */
export function ticketReadsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("ticket_reads").where(ticketReadScope(actor));
}

/** The agent has seen the ticket now (one row per agent and ticket, kept up to date). */
export async function markTicketRead(
  db: Tx,
  actor: AgentActor,
  p: { ticketId: string; workspaceId: string; at: string },
): Promise<void> {
  if (p.workspaceId !== actor.workspaceId) return;
  await db
    .insertInto("ticket_reads")
    .values({ agent_id: actor.agentId, ticket_id: p.ticketId, workspace_id: p.workspaceId, read_at: p.at })
    .onConflict((oc) => oc.columns(["agent_id", "ticket_id"]).doUpdateSet({ read_at: p.at }))
    .execute();
}

/** Of these tickets, those with a customer message the agent has not seen since. */
export async function unreadTicketIds(
  db: Tx,
  actor: AgentActor,
  tickets: { id: string; lastCustomerMessageAt: string | null }[],
): Promise<Set<string>> {
  const withMessage = tickets.filter((t) => t.lastCustomerMessageAt);
  if (!withMessage.length) return new Set();
  const reads = await ticketReadsVisibleTo(db, actor)
    .select(["ticket_reads.ticket_id", "ticket_reads.read_at"])
    .where(
      "ticket_reads.ticket_id",
      "in",
      withMessage.map((t) => t.id),
    )
    .execute();
  const seen = new Map(reads.map((r) => [r.ticket_id, new Date(r.read_at).getTime()]));
  return new Set(
    withMessage
      .filter((t) => {
        const at = seen.get(t.id);
        return at === undefined || new Date(t.lastCustomerMessageAt as string).getTime() > at;
      })
      .map((t) => t.id),
  );
}

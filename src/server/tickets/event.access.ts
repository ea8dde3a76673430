import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, type AgentActor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { visibleTicketIds } from "./ticket.access.ts";

// A ticket's history (ticket_events) is read through here only. Agents and the system see every
// event of their workspace; a customer sees only the events marked customer-visible
// (ticket.events.ts decides which) on the tickets they may see.

export function eventScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "ticket_events">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("ticket_events.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("ticket_events.workspace_id", "=", actor.workspaceId);
      case "token_holder":
        return eb.and([
          eb("ticket_events.workspace_id", "=", actor.workspaceId),
          eb("ticket_events.ticket_id", "=", actor.ticketId),
          eb("ticket_events.customer_visible", "=", true),
        ]);
      case "customer":
        return eb.and([
          eb("ticket_events.workspace_id", "=", actor.workspaceId),
          eb("ticket_events.customer_visible", "=", true),
          eb("ticket_events.ticket_id", "in", visibleTicketIds(eb, actor)),
        ]);
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** Inside a transaction pass its tx. */
export function eventsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("ticket_events").where(eventScope(actor));
}

/** A merge (tickets/merge.ts): the history of one ticket moves to another, in the agent's workspace. */
export async function moveEvents(
  db: Tx,
  actor: AgentActor,
  p: { fromTicketId: string; toTicketId: string },
): Promise<number> {
  const r = await db
    .updateTable("ticket_events")
    .where(eventScope(actor))
    .where("ticket_events.ticket_id", "=", p.fromTicketId)
    .set({ ticket_id: p.toTicketId })
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

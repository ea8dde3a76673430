import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, type AgentActor, unknownActor, type WorkspaceSystemActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { visibleTicketIds } from "./ticket.access.ts";

// Comments (public replies and internal notes) are read and changed through here only. Agents
// and the system see every comment of their workspace; a customer, signed in or holding a
// token, sees the public comments of the tickets they may see and never an internal note.

export function commentScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "comments">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("comments.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("comments.workspace_id", "=", actor.workspaceId);
      case "token_holder":
        return eb.and([
          eb("comments.workspace_id", "=", actor.workspaceId),
          eb("comments.ticket_id", "=", actor.ticketId),
          eb("comments.internal", "=", false),
        ]);
      case "customer":
        return eb.and([
          eb("comments.workspace_id", "=", actor.workspaceId),
          eb("comments.internal", "=", false),
          eb("comments.ticket_id", "in", visibleTicketIds(eb, actor)),
        ]);
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** The ids of the comments an actor may see, as a subquery for the access functions of what hangs off a comment. */
export function visibleCommentIds<T extends keyof DB>(eb: ExpressionBuilder<DB, T>, actor: Actor) {
  // Not correlated with the outer query: its tables are left out of the subquery's scope.
  const fresh = eb as unknown as ExpressionBuilder<DB, never>;
  return fresh.selectFrom("comments").select("comments.id").where(commentScope(actor));
}

/** Inside a transaction pass its tx. */
export function commentsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("comments").where(commentScope(actor));
}

/** Where a page of a conversation read newest first starts: a message of the ticket, its id and time. */
export interface CommentCursor {
  id: string;
  created_at: string;
}

/** The message `id` of a ticket as a paging cursor, if the actor may see it there (else no row). */
export function commentCursor(db: Tx, actor: Actor, ticketId: string, id: string) {
  return commentsVisibleTo(db, actor)
    .select(["comments.id", "comments.created_at"])
    .where("comments.ticket_id", "=", ticketId)
    .where("comments.id", "=", id);
}

/** The messages just older than the cursor, in the (created_at, id) order the pages are read in. */
export function olderThan(cursor: CommentCursor) {
  return (eb: ExpressionBuilder<DB, "comments">): Expression<SqlBool> =>
    eb.or([
      eb("comments.created_at", "<", cursor.created_at),
      eb.and([eb("comments.created_at", "=", cursor.created_at), eb("comments.id", "<", cursor.id)]),
    ]);
}

/** Changes to comments by the system in one workspace (a customer message's score, sentiment/). */
export function commentsWritableBy(db: Tx, actor: WorkspaceSystemActor) {
  return db.updateTable("comments").where(commentScope(actor));
}

/**
 * Erasure: the body of every comment this contact wrote in the actor's workspace becomes `body`;
 * answers the comments' ids and tickets (the messages stay, in their place and time).
 */
export async function redactContactComments(
  db: Tx,
  actor: AgentActor,
  p: { contactId: string; body: string },
): Promise<{ id: string; ticket_id: string }[]> {
  return db
    .updateTable("comments")
    .set({ body: p.body })
    .where(commentScope(actor))
    .where("comments.author_type", "=", "contact")
    .where("comments.author_contact_id", "=", p.contactId)
    .returning(["comments.id", "comments.ticket_id"])
    .execute();
}

/** A merge (tickets/merge.ts): every comment of one ticket the agent may see moves to another. */
export async function moveComments(
  db: Tx,
  actor: AgentActor,
  p: { fromTicketId: string; toTicketId: string },
): Promise<number> {
  const r = await db
    .updateTable("comments")
    .where(commentScope(actor))
    .where("comments.ticket_id", "=", p.fromTicketId)
    .set({ ticket_id: p.toTicketId })
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

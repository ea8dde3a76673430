import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { forbidden } from "../errors.ts";

// Outbox rows (every email Portico sends) are read and changed through here only. Admins see
// their workspace's; other agents are refused (403: the Outbox is an admin page); the system
// (delivery, incoming mail) works within a workspace or, for delivery, across all of them.
// Customers never read outbox rows: what they receive is the email itself.

export function outboxScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "outbox_emails">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        if (actor.role !== "admin") throw forbidden("Only admins see the outbox.");
        return eb("outbox_emails.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("outbox_emails.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function outboxVisibleTo(db: Tx, actor: Actor) {
  const scope = outboxScope(actor);
  return db.selectFrom("outbox_emails").where(scope);
}

/** Every outbox update starts here, with the same scope as the reads. */
export function outboxWritableBy(db: Tx, actor: Actor) {
  const scope = outboxScope(actor);
  return db.updateTable("outbox_emails").where(scope);
}

import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { notFound } from "../errors.ts";

// The audit log (audit_events) is read through here only. Admins see their workspace's; other
// agents get the same 404 as a page that does not exist; the system its workspace's (or, without
// one, every workspace's); customers, token holders and visitors nothing. Rows are written by
// recordAudit (audit.ts) in the transaction of the change they record, and never changed.

export function auditScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "audit_events">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        if (actor.role !== "admin") throw notFound();
        return eb("audit_events.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("audit_events.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function auditEventsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("audit_events").where(auditScope(actor));
}

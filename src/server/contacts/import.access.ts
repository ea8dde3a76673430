import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { forbidden } from "../errors.ts";

// Contact imports are read and changed through here only. Admins see their workspace's; other
// agents are refused (403: importing is an admin's task); the system (the sweep) works across
// workspaces. Customers never see them.

export function importScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "contact_imports">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        if (actor.role !== "admin") throw forbidden("Only admins import contacts.");
        return eb("contact_imports.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("contact_imports.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** Inside a transaction pass its tx. */
export function importsVisibleTo(db: Tx, actor: Actor) {
  const scope = importScope(actor);
  return db.selectFrom("contact_imports").where(scope);
}

/** Every import update starts here, with the same scope as the reads. */
export function importsWritableBy(db: Tx, actor: Actor) {
  const scope = importScope(actor);
  return db.updateTable("contact_imports").where(scope);
}

/** The sweep forgets imports as a whole (their rows and record) only through here. */
export function importsDeletableBy(db: Tx, actor: Actor) {
  const scope = importScope(actor);
  return db.deleteFrom("contact_imports").where(scope);
}

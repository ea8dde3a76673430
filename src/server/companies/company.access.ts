import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// Companies (the customer organisations) are read and changed through here only. Agents and
// the system see their workspace's; a signed-in customer sees their own company and no other.

export function companyScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "companies">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("companies.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("companies.workspace_id", "=", actor.workspaceId);
      case "customer":
        return actor.companyId === null
          ? nothing()
          : eb.and([
              eb("companies.workspace_id", "=", actor.workspaceId),
              eb("companies.id", "=", actor.companyId),
            ]);
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** Inside a transaction pass its tx. */
export function companiesVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("companies").where(companyScope(actor));
}

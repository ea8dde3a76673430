import type { Expression, ExpressionBuilder, Insertable, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// Who sees and changes a workspace's API keys, decided here only: its admins (signed in: a key
// acts with an agent's role, so it never reaches its own kind), and the system (the gate finding
// the key behind a token, every workspace's; a job inside one, that one's). Other agents,
// customers, token holders and visitors see none: the same 404 as what does not exist.

export function apiKeyScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "api_keys">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return actor.role === "admin" ? eb("api_keys.workspace_id", "=", actor.workspaceId) : nothing();
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("api_keys.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export const apiKeysVisibleTo = (db: Tx, actor: Actor) => db.selectFrom("api_keys").where(apiKeyScope(actor));
export const apiKeysWritableBy = (db: Tx, actor: Actor) =>
  db.updateTable("api_keys").where(apiKeyScope(actor));
export const insertApiKey = (db: Tx, row: Insertable<DB["api_keys"]>) =>
  db.insertInto("api_keys").values(row);

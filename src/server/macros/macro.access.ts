import type { Expression, ExpressionBuilder, Insertable, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// Who sees and changes which macro, decided here only. An agent sees the workspace's shared
// macros and their own personal ones; changes their own (shared or personal), and an admin any
// shared one too. Another agent's personal macro is a 404 to everyone but its owner, admins
// included. The system reaches its workspace's (or every workspace's). Customers, token holders
// and visitors never see a macro: they only read the text it filled into a sent reply.

export function macroScope(actor: Actor, mode: "read" | "write" = "read") {
  return (eb: ExpressionBuilder<DB, "macros">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent": {
        const mine = eb("macros.owner_id", "=", actor.agentId);
        const shared = eb("macros.shared", "=", 1);
        const who = mode === "read" || actor.role === "admin" ? eb.or([mine, shared]) : mine;
        return eb.and([eb("macros.workspace_id", "=", actor.workspaceId), who]);
      }
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("macros.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function macrosVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("macros").where(macroScope(actor, "read"));
}

export function macrosWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("macros").where(macroScope(actor, "write"));
}

export function macrosDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("macros").where(macroScope(actor, "write"));
}

/** A new macro: the service decides who may write a shared one (any agent of the workspace). */
export function insertMacro(db: Tx, row: Insertable<DB["macros"]>) {
  return db.insertInto("macros").values(row);
}

import type { Expression, ExpressionBuilder, Insertable, SqlBool } from "kysely";
import { type Actor, type AgentActor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// SLA policies and holidays are the workspace's: every agent reads them (the admin check for
// changes is the service's, and only agents write them). A customer, a token holder or a visitor
// reads none: the expected response time of their own request is read for them by the system
// (sla.customer.ts), for a request they already opened.

function policyScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "sla_policies">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("sla_policies.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("sla_policies.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function policiesVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("sla_policies").where(policyScope(actor));
}

export function policiesWritableBy(db: Tx, actor: AgentActor) {
  return db.updateTable("sla_policies").where(policyScope(actor));
}

export function policiesDeletableBy(db: Tx, actor: AgentActor) {
  return db.deleteFrom("sla_policies").where(policyScope(actor));
}

export function insertPolicy(db: Tx, row: Insertable<DB["sla_policies"]>) {
  return db.insertInto("sla_policies").values(row);
}

function holidayScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "workspace_holidays">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("workspace_holidays.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("workspace_holidays.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function holidaysVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("workspace_holidays").where(holidayScope(actor));
}

export function holidaysDeletableBy(db: Tx, actor: AgentActor) {
  return db.deleteFrom("workspace_holidays").where(holidayScope(actor));
}

export function insertHoliday(db: Tx, row: Insertable<DB["workspace_holidays"]>) {
  return db.insertInto("workspace_holidays").values(row);
}

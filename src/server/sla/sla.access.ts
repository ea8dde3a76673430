import type { Insertable } from "kysely";
import type { Actor, AgentActor } from "../actors.ts";
import { teamOnlyScope } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// SLA policies and holidays are the workspace's: every agent reads them (the admin check for
// changes is the service's, and only agents write them). A customer, a token holder or a visitor
// reads none: the expected response time of their own request is read for them by the system
// (sla.customer.ts), for a request they already opened.

const policyScope = (actor: Actor) => teamOnlyScope(actor, "sla_policies.workspace_id");

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

const holidayScope = (actor: Actor) => teamOnlyScope(actor, "workspace_holidays.workspace_id");

export function holidaysVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("workspace_holidays").where(holidayScope(actor));
}

export function holidaysDeletableBy(db: Tx, actor: AgentActor) {
  return db.deleteFrom("workspace_holidays").where(holidayScope(actor));
}

export function insertHoliday(db: Tx, row: Insertable<DB["workspace_holidays"]>) {
  return db.insertInto("workspace_holidays").values(row);
}

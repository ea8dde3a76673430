import type { Expression, ExpressionBuilder, Insertable, SqlBool } from "kysely";
import { type Actor, type AgentActor, unknownActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// Incidents and their links. Agents (and the system) see their workspace's. A customer sees the
// incidents that concern them: declared for no company (everyone), or for their company (or one
// their company reported). A token holder the same, by the company of the ticket's contact. A
// visitor without identity sees only those for everyone. Which ones are shown (not resolved) is
// the caller's filter; what may be seen is decided here. Customers read their own "affects me
// too" row and nothing of the linked tickets.

/** The incidents an actor may see, given the company they belong to (a subquery or a value). */
function incidentScope(db: Tx, actor: Actor) {
  return (eb: ExpressionBuilder<DB, "incidents">): Expression<SqlBool> => {
    const declaredForSome = () =>
      eb.exists(
        eb
          .selectFrom("incident_companies")
          .select("incident_companies.incident_id")
          .whereRef("incident_companies.incident_id", "=", "incidents.id")
          .where("incident_companies.source", "=", "declared"),
      );
    const forEveryone = () => eb.not(declaredForSome());
    switch (actor.kind) {
      case "agent":
        return eb("incidents.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("incidents.workspace_id", "=", actor.workspaceId);
      case "customer":
        return eb.and([
          eb("incidents.workspace_id", "=", actor.workspaceId),
          actor.companyId === null
            ? forEveryone()
            : eb.or([
                forEveryone(),
                eb.exists(
                  eb
                    .selectFrom("incident_companies")
                    .select("incident_companies.incident_id")
                    .whereRef("incident_companies.incident_id", "=", "incidents.id")
                    .where("incident_companies.company_id", "=", actor.companyId),
                ),
              ]),
        ]);
      case "token_holder":
        return eb.and([
          eb("incidents.workspace_id", "=", actor.workspaceId),
          eb.or([
            forEveryone(),
            eb.exists(
              eb
                .selectFrom("incident_companies")
                .select("incident_companies.incident_id")
                .whereRef("incident_companies.incident_id", "=", "incidents.id")
                .where(
                  "incident_companies.company_id",
                  "in",
                  contactsVisibleTo(db, actor)
                    .select("contacts.company_id")
                    .where("contacts.id", "=", actor.contactId)
                    .where("contacts.company_id", "is not", null),
                ),
            ),
          ]),
        ]);
      case "visitor":
        return eb.and([eb("incidents.workspace_id", "=", actor.workspaceId), forEveryone()]);
      default:
        return unknownActor(actor);
    }
  };
}

export function incidentsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("incidents").where(incidentScope(db, actor));
}

/** Agents change their workspace's incidents (the service decides what); customers never. */
export function incidentsWritableBy(db: Tx, actor: AgentActor) {
  return db.updateTable("incidents").where("incidents.workspace_id", "=", actor.workspaceId);
}

export function insertIncident(db: Tx, row: Insertable<DB["incidents"]>) {
  return db.insertInto("incidents").values(row);
}

/** The workspace's rows of a link table, for agents and the system; nothing for customers. */
function teamOnly<T extends "incident_companies" | "incident_tickets" | "incident_contacts">(
  table: T,
  actor: Actor,
) {
  return (eb: ExpressionBuilder<DB, T>): Expression<SqlBool> => {
    // biome-ignore lint/suspicious/noExplicitAny: the same column on each of the three tables
    const ws = (id: string) => (eb as ExpressionBuilder<any, any>)(`${table}.workspace_id` as any, "=", id);
    switch (actor.kind) {
      case "agent":
        return ws(actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined ? eb.lit(true) : ws(actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function incidentCompaniesVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("incident_companies").where(teamOnly("incident_companies", actor));
}

export function incidentCompaniesDeletableBy(db: Tx, actor: AgentActor) {
  return db.deleteFrom("incident_companies").where(teamOnly("incident_companies", actor));
}

/** Idempotent: a company already linked keeps its row (and its source). */
export function addIncidentCompanies(db: Tx, rows: Insertable<DB["incident_companies"]>[]) {
  return db
    .insertInto("incident_companies")
    .values(rows)
    .onConflict((oc) => oc.columns(["incident_id", "company_id"]).doNothing());
}

export function incidentTicketsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("incident_tickets").where(teamOnly("incident_tickets", actor));
}

export function incidentTicketsDeletableBy(db: Tx, actor: AgentActor) {
  return db.deleteFrom("incident_tickets").where(teamOnly("incident_tickets", actor));
}

export function addIncidentTicket(db: Tx, row: Insertable<DB["incident_tickets"]>) {
  return db
    .insertInto("incident_tickets")
    .values(row)
    .onConflict((oc) => oc.columns(["incident_id", "ticket_id"]).doNothing());
}

/** The contacts to tell: the workspace's for agents and the system; a customer's own row only. */
function contactRowScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "incident_contacts">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("incident_contacts.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("incident_contacts.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
        return eb.and([
          eb("incident_contacts.workspace_id", "=", actor.workspaceId),
          eb("incident_contacts.contact_id", "=", actor.contactId),
        ]);
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function incidentContactsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("incident_contacts").where(contactRowScope(actor));
}

export function incidentContactsWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("incident_contacts").where(contactRowScope(actor));
}

/** Idempotent: a contact already to be told keeps their row (and whether they were). */
export function addIncidentContacts(db: Tx, rows: Insertable<DB["incident_contacts"]>[]) {
  return db
    .insertInto("incident_contacts")
    .values(rows)
    .onConflict((oc) => oc.columns(["incident_id", "contact_id"]).doNothing());
}

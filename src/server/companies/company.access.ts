import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, type AgentActor, unknownActor, type WorkspaceSystemActor } from "../actors.ts";
import { contactsWritableBy } from "../contacts/contact.access.ts";
import { nothing } from "../db/access.ts";
import { isPostgres } from "../db/dialect.ts";
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

/** A workspace's company domains, for agents and the system only (a customer never reads them). */
export function companyDomainsVisibleTo(db: Tx, actor: Actor) {
  const q = db.selectFrom("company_domains");
  switch (actor.kind) {
    case "agent":
      return q.where("company_domains.workspace_id", "=", actor.workspaceId);
    case "system":
      return actor.workspaceId === undefined
        ? q
        : q.where("company_domains.workspace_id", "=", actor.workspaceId);
    case "customer":
    case "token_holder":
    case "visitor":
      return q.where(nothing());
    default:
      return unknownActor(actor);
  }
}

/**
 * A contact whose email has just been shown to be theirs (verified registration, an accepted
 * invitation, a magic link) joins the company that owns the email's domain, when that domain
 * joins automatically and the contact has no company yet. Returns the company joined, or null.
 */
export async function joinCompanyByDomain(
  tx: Tx,
  actor: WorkspaceSystemActor | AgentActor,
  contact: { id: string; email_normalized: string; company_id: string | null },
  now: string,
): Promise<string | null> {
  if (contact.company_id !== null) return null;
  const domain = contact.email_normalized.split("@").pop() ?? "";
  const row = await companyDomainsVisibleTo(tx, actor)
    .innerJoin("companies", "companies.id", "company_domains.company_id")
    .where(companyScope(actor))
    .select("company_domains.company_id")
    .where("company_domains.domain", "=", domain)
    .where("company_domains.auto_join", "=", true)
    .executeTakeFirst();
  if (!row) return null;
  await contactsWritableBy(tx, actor)
    .set({ company_id: row.company_id, updated_at: now })
    .where("contacts.id", "=", contact.id)
    .where("contacts.company_id", "is", null)
    .execute();
  return row.company_id;
}

/**
 * Holds the company's row until the transaction ends, so that checks on its totals (the documents
 * quota) and the writes they allow run one at a time per company. PostgreSQL only: its read
 * committed transactions would interleave; SQLite already runs one writer at a time (and has no
 * FOR UPDATE). False when the actor cannot see the company.
 */
export async function lockCompanyFor(tx: Tx, actor: Actor, companyId: string): Promise<boolean> {
  const q = companiesVisibleTo(tx, actor).select("companies.id").where("companies.id", "=", companyId);
  const row = await (isPostgres(tx) ? q.forUpdate() : q).executeTakeFirst();
  return row !== undefined;
}

/** Every company update starts here, with the same scope as the reads. */
export function companiesWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("companies").where(companyScope(actor));
}

/** Deleting a company: its contacts and tickets stay, without a company (the foreign keys set null). */
export function companiesDeletableBy(db: Tx, actor: AgentActor) {
  return db.deleteFrom("companies").where(companyScope(actor));
}

/** Changing or removing a company's domains: agents of the workspace (the service checks the role). */
export function companyDomainsWritableBy(db: Tx, actor: AgentActor) {
  return db.updateTable("company_domains").where("company_domains.workspace_id", "=", actor.workspaceId);
}

export function companyDomainsDeletableBy(db: Tx, actor: AgentActor) {
  return db.deleteFrom("company_domains").where("company_domains.workspace_id", "=", actor.workspaceId);
}

/**
 * A company's timeline: agents and the system see all of it; a signed-in customer of the company
 * only what is marked customer_visible (a task completed, a document uploaded or published, a
 * form submitted), whose data was written to be shown to them.
 */
export function companyEventScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "company_events">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("company_events.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("company_events.workspace_id", "=", actor.workspaceId);
      case "customer":
        return actor.companyId === null
          ? nothing()
          : eb.and([
              eb("company_events.workspace_id", "=", actor.workspaceId),
              eb("company_events.company_id", "=", actor.companyId),
              eb("company_events.customer_visible", "=", true),
            ]);
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function companyEventsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("company_events").where(companyEventScope(actor));
}

/** The history of a company's properties: the team's only. */
export function propertyChangesVisibleTo(db: Tx, actor: Actor) {
  const q = db.selectFrom("company_property_changes");
  switch (actor.kind) {
    case "agent":
      return q.where("company_property_changes.workspace_id", "=", actor.workspaceId);
    case "system":
      return actor.workspaceId === undefined
        ? q
        : q.where("company_property_changes.workspace_id", "=", actor.workspaceId);
    case "customer":
    case "token_holder":
    case "visitor":
      return q.where(nothing());
    default:
      return unknownActor(actor);
  }
}

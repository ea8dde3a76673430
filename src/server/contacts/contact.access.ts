import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, type CustomerActor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import { isPostgres } from "../db/dialect.ts";
import type { DB, Tx } from "../db/schema.ts";

// Contacts (the customers) are read and changed through here only. Agents and the system see
// their workspace's; a signed-in customer sees themselves, and their company's contacts when
// their portal access covers the company (to copy a colleague in); a token holder sees the
// ticket's own contact.

export function contactScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "contacts">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("contacts.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("contacts.workspace_id", "=", actor.workspaceId);
      case "customer":
        return eb.and([
          eb("contacts.workspace_id", "=", actor.workspaceId),
          actor.scope === "company" && actor.companyId !== null
            ? eb("contacts.company_id", "=", actor.companyId)
            : eb("contacts.id", "=", actor.contactId),
        ]);
      case "token_holder":
        return eb.and([
          eb("contacts.workspace_id", "=", actor.workspaceId),
          eb("contacts.id", "=", actor.contactId),
        ]);
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** Inside a transaction pass its tx. */
export function contactsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("contacts").where(contactScope(actor));
}

/**
 * Holds the contact's row until the transaction ends, so checks on what they were sent (a
 * survey's quiet days) and the sends they allow run one at a time per contact. PostgreSQL only:
 * SQLite already runs one writer at a time. False when the actor cannot see the contact.
 */
export async function lockContactFor(tx: Tx, actor: Actor, contactId: string): Promise<boolean> {
  const q = contactsVisibleTo(tx, actor).select("contacts.id").where("contacts.id", "=", contactId);
  const row = await (isPostgres(tx) ? q.forUpdate() : q).executeTakeFirst();
  return row !== undefined;
}

/** Every contact update starts here, with the same scope as the reads. */
export function contactsWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("contacts").where(contactScope(actor));
}

/** A signed-in customer's own language and time zone (null: their browser's); their row only. */
export function setOwnContactPreferences(
  db: Tx,
  actor: CustomerActor,
  prefs: { locale: string | null; timeZone: string | null },
  now: string,
) {
  return contactsWritableBy(db, actor)
    .set({ locale: prefs.locale, time_zone: prefs.timeZone, updated_at: now })
    .where("contacts.id", "=", actor.contactId)
    .execute();
}

import { sql } from "kysely";
import { formatReference, type TicketStatus } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { ContactTable, Tx } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { contactsVisibleTo } from "./contact.access.ts";
import type { ContactDetail, ContactPage } from "./contact.schemas.ts";

/**
 * One contact per normalised email per workspace. Upsert, so two first requests from the same
 * address at once still make one contact. An existing contact keeps the name it has.
 */
const CONTACT_UPSERT = new PreparedWrite(
  ["id", "workspaceId", "email", "emailNormalized", "name", "at"],
  (db, p) =>
    db
      .insertInto("contacts")
      .values({
        id: p.id,
        workspace_id: p.workspaceId,
        company_id: null,
        email: p.email,
        email_normalized: p.emailNormalized,
        name: p.name,
        created_at: p.at,
        updated_at: p.at,
      })
      .onConflict((oc) => oc.columns(["workspace_id", "email_normalized"]).doUpdateSet({ updated_at: p.at }))
      .returning(["id", "company_id", "name", "locale", "time_zone"]),
);

export async function findOrCreateContact(
  ctx: AppContext,
  tx: Tx,
  c: { workspaceId: string; email: string; emailNormalized: string; name: string },
): Promise<Pick<ContactTable, "id" | "company_id" | "name" | "locale" | "time_zone">> {
  const [contact] = await CONTACT_UPSERT.execute(ctx.database, tx, {
    id: newId(),
    workspaceId: c.workspaceId,
    email: c.email,
    emailNormalized: c.emailNormalized,
    name: c.name,
    at: ctx.now().toISOString(),
  });
  if (!contact) throw new Error("the contact upsert returned no row");
  return contact;
}

export async function listContacts(
  ctx: AppContext,
  actor: AgentActor,
  query: { q?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
): Promise<ContactPage> {
  const limit = query.limit ?? 25;
  let qb = contactsVisibleTo(ctx.database.db, actor)
    // The contact's company, in the contact's own workspace.
    .leftJoin("companies", (j) =>
      j
        .onRef("companies.id", "=", "contacts.company_id")
        .onRef("companies.workspace_id", "=", "contacts.workspace_id"),
    )
    .select([
      "contacts.id",
      "contacts.name",
      "contacts.email",
      "contacts.email_normalized",
      "contacts.created_at",
      "companies.id as company_id",
      "companies.name as company_name",
    ]);
  if (query.q) {
    // Prefix match on email, or on name ignoring case; escaped so % and _ are literal.
    const like = `${query.q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    qb = qb.where(
      sql<boolean>`(contacts.email_normalized like ${like} escape '\\' or lower(contacts.name) like ${like} escape '\\')`,
    );
  }
  if (query.cursor) qb = qb.where("contacts.email_normalized", ">", query.cursor);
  const rows = await qb
    .orderBy("contacts.email_normalized")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      company: r.company_id ? { id: r.company_id, name: r.company_name ?? "" } : null,
      createdAt: r.created_at,
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.email_normalized ?? null) : null,
  };
}

export async function getContact(ctx: AppContext, actor: AgentActor, id: string): Promise<ContactDetail> {
  const c = await contactsVisibleTo(ctx.database.db, actor)
    // The contact's company, in the contact's own workspace.
    .leftJoin("companies", (j) =>
      j
        .onRef("companies.id", "=", "contacts.company_id")
        .onRef("companies.workspace_id", "=", "contacts.workspace_id"),
    )
    .select([
      "contacts.id",
      "contacts.name",
      "contacts.email",
      "contacts.created_at",
      "contacts.erased_at",
      "companies.id as company_id",
      "companies.name as company_name",
    ])
    .where("contacts.id", "=", id)
    .executeTakeFirst();
  if (!c) throw notFound("No such contact.");
  const tickets = await ticketsVisibleTo(ctx.database.db, actor)
    .select(["number", "subject", "status", "created_at", "updated_at"])
    .where("contact_id", "=", c.id)
    .orderBy("number", "desc")
    .limit(200)
    .execute();
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    company: c.company_id ? { id: c.company_id, name: c.company_name ?? "" } : null,
    createdAt: c.created_at,
    erasedAt: c.erased_at ? new Date(c.erased_at).toISOString() : null,
    tickets: tickets.map((t) => ({
      reference: formatReference(t.number),
      subject: t.subject,
      status: t.status as TicketStatus,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    })),
  };
}

import { sql } from "kysely";
import type { AgentActor } from "../actors.ts";
import { contactsVisibleTo, contactsWritableBy } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { PortalAccess } from "../db/schema.ts";
import { notFound, validationFailed } from "../errors.ts";
import { companiesVisibleTo, companyDomainsVisibleTo } from "./company.access.ts";
import type { CompanyOption } from "./company.schemas.ts";
import { companyRow, onDomains } from "./company.service.ts";

// Who belongs to a company, as agents decide it: one contact at a time, or every contact on the
// company's domains who has no company yet. (A verified email joins by itself: joinCompanyByDomain.)
// Whoever joins a company by an agent's hand is not its manager: a contact who was the manager of
// their old company (or held that access without a company) keeps their own requests only, until
// someone gives them the new company's on purpose.

/** Portal access after a move to another company: the company's manager becomes "own requests". */
export const notManager = sql<PortalAccess>`case when contacts.portal_access = 'company' then 'own' else contacts.portal_access end`;

/**
 * Contacts on the company's domains who belong to no company join it, when an agent says so.
 * Contacts of another company stay where they are. Returns how many joined.
 */
export async function addContactsOnDomains(
  ctx: AppContext,
  actor: AgentActor,
  companyId: string,
): Promise<number> {
  const c = await companyRow(ctx, actor, companyId);
  const domains = (
    await companyDomainsVisibleTo(ctx.database.db, actor)
      .select("company_domains.domain")
      .where("company_domains.company_id", "=", c.id)
      .execute()
  ).map((d) => d.domain);
  if (!domains.length) return 0;
  const res = await contactsWritableBy(ctx.database.db, actor)
    .set({ company_id: c.id, portal_access: notManager, updated_at: ctx.now().toISOString() })
    .where("contacts.company_id", "is", null)
    .where(onDomains(domains))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * An agent puts a contact into a company, or into none. Their tickets keep the company they
 * were opened for; new ones take the contact's company.
 */
export async function setContactCompany(
  ctx: AppContext,
  actor: AgentActor,
  contactId: string,
  companyId: string | null,
): Promise<{ contactId: string; company: CompanyOption | null }> {
  const db = ctx.database.db;
  let company: CompanyOption | null = null;
  if (companyId !== null) {
    const row = await companiesVisibleTo(db, actor)
      .select(["companies.id", "companies.name"])
      .where("companies.id", "=", companyId)
      .executeTakeFirst();
    if (!row) throw validationFailed({ companyId: "is not a company of this workspace" });
    company = row;
  }
  const contact = await contactsVisibleTo(db, actor)
    .select("contacts.company_id")
    .where("contacts.id", "=", contactId)
    .executeTakeFirst();
  if (!contact) throw notFound("No such contact.");
  if (contact.company_id === companyId) return { contactId, company };
  await contactsWritableBy(db, actor)
    .set({ company_id: companyId, portal_access: notManager, updated_at: ctx.now().toISOString() })
    .where("contacts.id", "=", contactId)
    .execute();
  return { contactId, company };
}

/** A contact's portal access, as their company block shows it. */
export async function portalAccessOf(
  ctx: AppContext,
  actor: AgentActor,
  contactId: string,
): Promise<PortalAccess> {
  const row = await contactsVisibleTo(ctx.database.db, actor)
    .select("contacts.portal_access")
    .where("contacts.id", "=", contactId)
    .executeTakeFirst();
  if (!row) throw notFound("No such contact.");
  return row.portal_access as PortalAccess;
}

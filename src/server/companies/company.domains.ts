import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { conflict, notFound, validationFailed } from "../errors.ts";
import {
  companyDomainsDeletableBy,
  companyDomainsVisibleTo,
  companyDomainsWritableBy,
} from "./company.access.ts";
import { type CompanyDetail, DOMAIN_PATTERN } from "./company.schemas.ts";
import { companyRow, getCompany, requireAdmin } from "./company.service.ts";

// A company's email domains. A domain decides who joins a company when their email is shown to
// be theirs, so adding one, removing one or letting it join automatically is for admins. A
// domain belongs to one company per workspace.

const DOMAIN = new RegExp(DOMAIN_PATTERN);

/** "@Example.COM " → "example.com", or a 400 naming the field. */
export function normalizeDomain(raw: string): string {
  const d = raw.trim().replace(/^@/, "").replace(/\.$/, "").toLowerCase();
  if (!DOMAIN.test(d)) throw validationFailed({ domain: "must be a domain like example.com" });
  return d;
}

async function domainTaken(ctx: AppContext, actor: AgentActor, domain: string) {
  const owner = await companyDomainsVisibleTo(ctx.database.db, actor)
    .innerJoin("companies", "companies.id", "company_domains.company_id")
    .select("companies.name")
    .where("company_domains.domain", "=", domain)
    .executeTakeFirst();
  return conflict("domain_taken", "That domain already belongs to a company.", {
    domain: owner ? `already belongs to ${owner.name}` : "already belongs to a company",
  });
}

export async function addDomain(
  ctx: AppContext,
  actor: AgentActor,
  companyId: string,
  body: { domain: string; autoJoin?: boolean | undefined },
): Promise<CompanyDetail> {
  requireAdmin(actor);
  const domain = normalizeDomain(body.domain);
  await companyRow(ctx, actor, companyId);
  const existing = await companyDomainsVisibleTo(ctx.database.db, actor)
    .select("company_domains.company_id")
    .where("company_domains.domain", "=", domain)
    .executeTakeFirst();
  if (existing) throw await domainTaken(ctx, actor, domain);
  try {
    await ctx.database.db
      .insertInto("company_domains")
      .values({
        workspace_id: actor.workspaceId,
        domain,
        company_id: companyId,
        auto_join: body.autoJoin ?? false,
        created_at: ctx.now().toISOString(),
      })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw await domainTaken(ctx, actor, domain);
    throw err;
  }
  return getCompany(ctx, actor, companyId);
}

/** The domain as given in an address, or the same 404 as a domain the company does not have. */
function domainParam(raw: string): string {
  try {
    return normalizeDomain(raw);
  } catch {
    throw notFound("The company has no such domain.");
  }
}

export async function setDomainAutoJoin(
  ctx: AppContext,
  actor: AgentActor,
  companyId: string,
  rawDomain: string,
  autoJoin: boolean,
): Promise<CompanyDetail> {
  requireAdmin(actor);
  const domain = domainParam(rawDomain);
  await companyRow(ctx, actor, companyId);
  const res = await companyDomainsWritableBy(ctx.database.db, actor)
    .set({ auto_join: autoJoin })
    .where("company_domains.company_id", "=", companyId)
    .where("company_domains.domain", "=", domain)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw notFound("The company has no such domain.");
  return getCompany(ctx, actor, companyId);
}

export async function removeDomain(
  ctx: AppContext,
  actor: AgentActor,
  companyId: string,
  rawDomain: string,
): Promise<CompanyDetail> {
  requireAdmin(actor);
  const domain = domainParam(rawDomain);
  await companyRow(ctx, actor, companyId);
  const res = await companyDomainsDeletableBy(ctx.database.db, actor)
    .where("company_domains.company_id", "=", companyId)
    .where("company_domains.domain", "=", domain)
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw notFound("The company has no such domain.");
  return getCompany(ctx, actor, companyId);
}

import { sql } from "kysely";
import { formatReference, type TicketStatus } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { PortalAccess } from "../db/schema.ts";
import { forbidden, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { eventsVisibleTo } from "../tickets/event.access.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import {
  companiesDeletableBy,
  companiesVisibleTo,
  companiesWritableBy,
  companyDomainsVisibleTo,
} from "./company.access.ts";
import type {
  CompanyDetail,
  CompanyDomain,
  CompanyOption,
  CompanyPage,
  CompanyPatch,
  CompanySummary,
  CreateCompany,
} from "./company.schemas.ts";
import { companyTimeline } from "./company.timeline.ts";

// Companies as the agents work with them: list and search, one company with its contacts,
// tickets and activity, and the changes. Domains are in company.domains.ts, who belongs to a
// company in company.members.ts.

const OPEN: TicketStatus[] = ["open", "in_progress", "waiting"];

export const companyNotFound = () => notFound("No such company.");

export function requireAdmin(actor: AgentActor) {
  if (actor.role !== "admin") throw forbidden("Only admins change a company's domains or delete it.");
}

const likeOf = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

type Cursor = { n: string; i: string };
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
    if (typeof c.n === "string" && typeof c.i === "string") return c;
  } catch {
    // fall through
  }
  throw validationFailed({ cursor: "is not a cursor from this listing" });
}

/** Domains, contact counts and open ticket counts of some companies, by company id. */
async function summariesOf(
  ctx: AppContext,
  actor: AgentActor,
  rows: { id: string; name: string; created_at: string; updated_at: string }[],
): Promise<CompanySummary[]> {
  if (!rows.length) return [];
  const db = ctx.database.db;
  const ids = rows.map((r) => r.id);
  const [domains, contacts, tickets] = await Promise.all([
    companyDomainsVisibleTo(db, actor)
      .select(["company_id", "domain", "auto_join", "created_at"])
      .where("company_id", "in", ids)
      .orderBy("domain")
      .execute(),
    contactsVisibleTo(db, actor)
      .select((eb) => ["contacts.company_id", eb.fn.countAll<number | string>().as("n")])
      .where("contacts.company_id", "in", ids)
      .groupBy("contacts.company_id")
      .execute(),
    ticketsVisibleTo(db, actor)
      .select((eb) => ["tickets.company_id", eb.fn.countAll<number | string>().as("n")])
      .where("tickets.company_id", "in", ids)
      .where("tickets.status", "in", OPEN)
      .groupBy("tickets.company_id")
      .execute(),
  ]);
  const count = (list: { company_id: string | null; n: number | string }[], id: string) =>
    Number(list.find((c) => c.company_id === id)?.n ?? 0);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    domains: domains.filter((d) => d.company_id === r.id).map(domainView),
    contactCount: count(contacts, r.id),
    openTicketCount: count(tickets, r.id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

const domainView = (d: {
  domain: string;
  auto_join: boolean | number;
  created_at: string;
}): CompanyDomain => ({
  domain: d.domain,
  autoJoin: Boolean(d.auto_join),
  createdAt: d.created_at,
});

export async function listCompanies(
  ctx: AppContext,
  actor: AgentActor,
  query: { q?: string | undefined; cursor?: string | undefined; limit?: number | undefined },
): Promise<CompanyPage> {
  const db = ctx.database.db;
  const limit = query.limit ?? 25;
  let qb = companiesVisibleTo(db, actor).select([
    "companies.id",
    "companies.name",
    "companies.created_at",
    "companies.updated_at",
  ]);
  const q = query.q?.trim();
  if (q) {
    // Part of the name, ignoring case, or part of one of its domains.
    const like = likeOf(q);
    const byDomain = companyDomainsVisibleTo(db, actor)
      .select("company_domains.company_id")
      .where(sql<boolean>`company_domains.domain like ${like} escape '\\'`);
    qb = qb.where((eb) =>
      eb.or([
        sql<boolean>`lower(companies.name) like ${like} escape '\\'`,
        eb("companies.id", "in", byDomain),
      ]),
    );
  }
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    qb = qb.where((eb) =>
      eb.or([
        eb("companies.name", ">", c.n),
        eb.and([eb("companies.name", "=", c.n), eb("companies.id", ">", c.i)]),
      ]),
    );
  }
  const rows = await qb
    .orderBy("companies.name")
    .orderBy("companies.id")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: await summariesOf(ctx, actor, page),
    nextCursor: rows.length > limit && last ? encodeCursor({ n: last.name, i: last.id }) : null,
  };
}

/** Every company's id and name, for a choice of company (the queue's filter, a contact's company). */
export async function companyOptions(ctx: AppContext, actor: AgentActor): Promise<CompanyOption[]> {
  return companiesVisibleTo(ctx.database.db, actor)
    .select(["companies.id", "companies.name"])
    .orderBy("companies.name")
    .orderBy("companies.id")
    .limit(1000)
    .execute();
}

export async function companyRow(ctx: AppContext, actor: AgentActor, id: string) {
  const row = await companiesVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("companies.id", "=", id)
    .executeTakeFirst();
  if (!row) throw companyNotFound();
  return row;
}

export async function getCompany(ctx: AppContext, actor: AgentActor, id: string): Promise<CompanyDetail> {
  const c = await companyRow(ctx, actor, id);
  const db = ctx.database.db;
  const [summary] = await summariesOf(ctx, actor, [c]);
  const domains = (summary as CompanySummary).domains.map((d) => d.domain);
  const [contacts, tickets, events, loose, work] = await Promise.all([
    contactsVisibleTo(db, actor)
      .select(["contacts.id", "contacts.name", "contacts.email", "contacts.portal_access"])
      .where("contacts.company_id", "=", c.id)
      .orderBy("contacts.name")
      .orderBy("contacts.id")
      .limit(500)
      .execute(),
    ticketsVisibleTo(db, actor)
      .innerJoin("contacts", "contacts.id", "tickets.contact_id")
      .select([
        "tickets.number",
        "tickets.subject",
        "tickets.status",
        "tickets.updated_at",
        "contacts.id as contact_id",
        "contacts.name as contact_name",
      ])
      .where("tickets.company_id", "=", c.id)
      .orderBy("tickets.updated_at", "desc")
      .orderBy("tickets.id", "desc")
      .limit(50)
      .execute(),
    // What the company's customers could see happen: never notes, assignments or priorities.
    eventsVisibleTo(db, actor)
      .innerJoin("tickets", "tickets.id", "ticket_events.ticket_id")
      .leftJoin("agents", (j) =>
        j.onRef("agents.id", "=", "ticket_events.actor_id").on("ticket_events.actor_type", "=", "agent"),
      )
      .leftJoin("contacts", (j) =>
        j.onRef("contacts.id", "=", "ticket_events.actor_id").on("ticket_events.actor_type", "=", "contact"),
      )
      .select([
        "ticket_events.id",
        "ticket_events.type",
        "ticket_events.actor_type",
        "ticket_events.data",
        "ticket_events.created_at",
        "tickets.number",
        "tickets.subject",
        "agents.name as agent_name",
        "contacts.name as contact_name",
      ])
      .where("ticket_events.customer_visible", "=", true)
      .where(
        "ticket_events.ticket_id",
        "in",
        ticketsVisibleTo(db, actor).select("tickets.id").where("tickets.company_id", "=", c.id),
      )
      .orderBy("ticket_events.created_at", "desc")
      .orderBy("ticket_events.id", "desc")
      .limit(30)
      .execute(),
    contactsWithoutCompanyOn(ctx, actor, domains),
    companyTimeline(ctx, actor, { companyId: c.id, limit: 30 }),
  ]);
  return {
    ...(summary as CompanySummary),
    notes: c.notes,
    properties: parseProperties(c.properties),
    contacts: contacts.map((p) => ({
      id: p.id,
      name: p.name,
      email: p.email,
      portalAccess: p.portal_access as PortalAccess,
    })),
    tickets: tickets.map((t) => ({
      reference: formatReference(t.number),
      subject: t.subject,
      status: t.status as TicketStatus,
      contact: { id: t.contact_id, name: t.contact_name },
      updatedAt: t.updated_at,
    })),
    activity: events.map((e) => ({
      id: e.id,
      type: e.type,
      ticket: { reference: formatReference(e.number), subject: e.subject },
      actor: { type: e.actor_type, name: e.agent_name ?? e.contact_name ?? null },
      data: JSON.parse(e.data) as Record<string, unknown>,
      createdAt: e.created_at,
    })),
    work,
    contactsWithoutCompany: loose,
  };
}

function parseProperties(raw: string): Record<string, string> {
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === "string",
        ),
      );
    }
  } catch {
    // an unreadable value reads as none
  }
  return {};
}

/** The condition "the contact's email is on one of these domains" (domains are [a-z0-9.-] only). */
export const onDomains = (domains: string[]) =>
  sql<boolean>`(${sql.join(
    domains.map((d) => sql`contacts.email_normalized like ${`%@${d}`}`),
    sql` or `,
  )})`;

async function contactsWithoutCompanyOn(ctx: AppContext, actor: AgentActor, domains: string[]) {
  if (!domains.length) return 0;
  const row = await contactsVisibleTo(ctx.database.db, actor)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("contacts.company_id", "is", null)
    .where(onDomains(domains))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function createCompany(
  ctx: AppContext,
  actor: AgentActor,
  body: CreateCompany,
): Promise<CompanyDetail> {
  const id = newId();
  const now = ctx.now().toISOString();
  await ctx.database.db
    .insertInto("companies")
    .values({
      id,
      workspace_id: actor.workspaceId,
      name: body.name.trim(),
      notes: body.notes ?? "",
      properties: "{}",
      created_at: now,
      updated_at: now,
    })
    .execute();
  return getCompany(ctx, actor, id);
}

export async function updateCompany(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: CompanyPatch,
): Promise<CompanyDetail> {
  const res = await companiesWritableBy(ctx.database.db, actor)
    .set({
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
      ...(patch.properties !== undefined ? { properties: JSON.stringify(patch.properties) } : {}),
      updated_at: ctx.now().toISOString(),
    })
    .where("companies.id", "=", id)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw companyNotFound();
  return getCompany(ctx, actor, id);
}

/** Its contacts and tickets stay, without a company; its domains go with it. */
export async function deleteCompany(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  requireAdmin(actor);
  const res = await companiesDeletableBy(ctx.database.db, actor)
    .where("companies.id", "=", id)
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw companyNotFound();
}

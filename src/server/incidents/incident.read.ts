import type { Selectable } from "kysely";
import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import type { AppContext } from "../context.ts";
import type { IncidentTable } from "../db/schema.incidents.ts";
import type { Tx } from "../db/schema.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import {
  incidentCompaniesVisibleTo,
  incidentContactsVisibleTo,
  incidentsVisibleTo,
  incidentTicketsVisibleTo,
} from "./incident.access.ts";
import { incidentNotFound } from "./incident.errors.ts";
import {
  type IncidentStatus,
  type IncidentSummary,
  type IncidentView,
  OPEN_INCIDENT_STATUSES,
} from "./incident.schemas.ts";

// Incidents as agents read them: the list (open ones first, then the last resolved), one with
// its companies, tickets and the customers to tell, and those a ticket is linked to.

/** A stored products column as names (a broken one reads as none). */
export function productsOf(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

const RESOLVED_SHOWN = 50;

export async function listIncidents(
  ctx: AppContext,
  actor: AgentActor,
  opts: { status?: "open" | "resolved" | "all" } = {},
): Promise<IncidentSummary[]> {
  const db = ctx.database.db;
  const status = opts.status ?? "all";
  const base = () =>
    incidentsVisibleTo(db, actor)
      .selectAll("incidents")
      .select((eb) => [
        eb
          .not(
            eb.exists(
              incidentCompaniesVisibleTo(db, actor)
                .select("incident_companies.incident_id")
                .where("incident_companies.incident_id", "=", eb.ref("incidents.id"))
                .where("incident_companies.source", "=", "declared"),
            ),
          )
          .as("everyone"),
        incidentTicketsVisibleTo(db, actor)
          .select((e) => e.fn.countAll<number>().as("n"))
          .where("incident_tickets.incident_id", "=", eb.ref("incidents.id"))
          .as("tickets"),
      ]);
  const open =
    status === "resolved"
      ? []
      : await base()
          .where("incidents.status", "in", [...OPEN_INCIDENT_STATUSES])
          .orderBy("incidents.created_at", "desc")
          .orderBy("incidents.id")
          .execute();
  const resolved =
    status === "open"
      ? []
      : await base()
          .where("incidents.status", "=", "resolved")
          .orderBy("incidents.resolved_at", "desc")
          .orderBy("incidents.id")
          .limit(RESOLVED_SHOWN)
          .execute();
  return [...open, ...resolved].map((r) => ({
    ...summaryOf(r),
    everyone: Boolean(r.everyone),
    tickets: Number(r.tickets ?? 0),
  }));
}

const summaryOf = (r: Selectable<IncidentTable>) => ({
  id: r.id,
  title: r.title,
  status: r.status as IncidentStatus,
  products: productsOf(r.products),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  resolvedAt: r.resolved_at,
});

export async function incidentDetail(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  tx: Tx = ctx.database.db,
): Promise<IncidentView> {
  const row = await incidentsVisibleTo(tx, actor)
    .selectAll("incidents")
    .where("incidents.id", "=", id)
    .executeTakeFirst();
  if (!row) throw incidentNotFound();
  const [companies, tickets, contacts] = await Promise.all([
    incidentCompaniesVisibleTo(tx, actor)
      .innerJoin(
        companiesVisibleTo(tx, actor).select(["companies.id", "companies.name"]).as("c"),
        "c.id",
        "incident_companies.company_id",
      )
      .select(["c.id", "c.name", "incident_companies.source"])
      .where("incident_companies.incident_id", "=", id)
      .orderBy("c.name")
      .execute(),
    incidentTicketsVisibleTo(tx, actor)
      .innerJoin(
        ticketsVisibleTo(tx, actor)
          .select(["tickets.id", "tickets.number", "tickets.subject", "tickets.status"])
          .as("t"),
        "t.id",
        "incident_tickets.ticket_id",
      )
      .select(["t.number", "t.subject", "t.status"])
      .where("incident_tickets.incident_id", "=", id)
      .orderBy("t.number")
      .execute(),
    incidentContactsVisibleTo(tx, actor)
      .select(["incident_contacts.source", "incident_contacts.notified_at"])
      .where("incident_contacts.incident_id", "=", id)
      .execute(),
  ]);
  return {
    ...summaryOf(row),
    message: row.message,
    everyone: !companies.some((c) => c.source === "declared"),
    companies: companies.map((c) => ({ id: c.id, name: c.name, source: c.source })),
    tickets: tickets.map((t) => ({
      reference: formatReference(t.number),
      subject: t.subject,
      status: t.status,
    })),
    affectedContacts: contacts.filter((c) => c.source === "affected").length,
    toTell: contacts.filter((c) => c.notified_at === null).length,
  };
}

/** The open incidents (for a ticket's select) and those this ticket is linked to. */
export async function incidentsForTicket(ctx: AppContext, actor: AgentActor, ticketId: string) {
  const db = ctx.database.db;
  const [open, linked] = await Promise.all([
    incidentsVisibleTo(db, actor)
      .select(["incidents.id", "incidents.title", "incidents.status"])
      .where("incidents.status", "in", [...OPEN_INCIDENT_STATUSES])
      .orderBy("incidents.created_at", "desc")
      .limit(50)
      .execute(),
    incidentsVisibleTo(db, actor)
      .select(["incidents.id", "incidents.title", "incidents.status"])
      .where(
        "incidents.id",
        "in",
        incidentTicketsVisibleTo(db, actor)
          .select("incident_tickets.incident_id")
          .where("incident_tickets.ticket_id", "=", ticketId),
      )
      .orderBy("incidents.created_at", "desc")
      .execute(),
  ]);
  const linkedIds = new Set(linked.map((l) => l.id));
  return { open: open.filter((o) => !linkedIds.has(o.id)), linked };
}

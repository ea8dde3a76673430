import type { Updateable } from "kysely";
import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { DB, Tx } from "../db/schema.ts";
import { AppError, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { notifyAgents, publishNotified } from "../notifications/notify.ts";
import { findTicketForAgent } from "../tickets/ticket.access.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import {
  addIncidentCompanies,
  addIncidentContacts,
  addIncidentTicket,
  incidentCompaniesDeletableBy,
  incidentsVisibleTo,
  incidentsWritableBy,
  insertIncident,
} from "./incident.access.ts";
import { incidentNotFound } from "./incident.errors.ts";
import { incidentDetail } from "./incident.read.ts";
import type { IncidentPatch, IncidentView, NewIncident } from "./incident.schemas.ts";

// What agents do with incidents: declare one, change it (title, message, status, products,
// companies: each change is an update customers see in the banner), link tickets to it. Every
// change is audited; linking a ticket records an event on it and adds its contact to those told
// when the incident is resolved (incident.resolve.ts).

/** Trimmed, blank ones dropped, the same name once (case-blind), in the order given. */
export function cleanProducts(products: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of products.map((x) => x.trim()).filter(Boolean)) {
    if (seen.has(p.toLowerCase())) continue;
    seen.add(p.toLowerCase());
    out.push(p);
  }
  return out;
}

/** The companies of the caller's workspace among those named; one it may not see is a field error. */
async function checkedCompanies(tx: Tx, actor: AgentActor, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = await companiesVisibleTo(tx, actor)
    .select("companies.id")
    .where("companies.id", "in", unique)
    .execute();
  if (found.length !== unique.length)
    throw validationFailed({ companyIds: "names a company that does not exist" });
  return unique;
}

/**
 * Tells every agent of the workspace but the one acting that an incident was declared or resolved
 * (in the app's bell by default); the caller publishes the ids after commit.
 */
export async function notifyIncident(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  incident: { id: string; title: string },
  event: "declared" | "resolved",
): Promise<string[]> {
  return notifyAgents(ctx, tx, {
    workspaceId: actor.workspaceId,
    kind: "incident",
    audience: { team: null },
    actorAgentId: actor.agentId,
    ticketId: null,
    data: { subject: incident.title, event, incidentId: incident.id },
  });
}

/** The incident, locked on PostgreSQL for the transaction; 404 for another workspace's. */
export async function lockedIncident(ctx: AppContext, tx: Tx, actor: AgentActor, id: string) {
  let q = incidentsVisibleTo(tx, actor).selectAll("incidents").where("incidents.id", "=", id);
  if (ctx.database.dialect === "postgres") q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw incidentNotFound();
  return row;
}

async function setDeclaredCompanies(
  tx: Tx,
  actor: AgentActor,
  incidentId: string,
  ids: string[],
  now: string,
) {
  await incidentCompaniesDeletableBy(tx, actor)
    .where("incident_companies.incident_id", "=", incidentId)
    .where("incident_companies.source", "=", "declared")
    .execute();
  if (ids.length === 0) return;
  // A company its contacts reported becomes a declared one.
  await incidentCompaniesDeletableBy(tx, actor)
    .where("incident_companies.incident_id", "=", incidentId)
    .where("incident_companies.company_id", "in", ids)
    .execute();
  await addIncidentCompanies(
    tx,
    ids.map((company_id) => ({
      incident_id: incidentId,
      company_id,
      workspace_id: actor.workspaceId,
      source: "declared" as const,
      created_at: now,
    })),
  ).execute();
}

export async function declareIncident(
  ctx: AppContext,
  actor: AgentActor,
  body: NewIncident,
): Promise<IncidentView> {
  const id = newId();
  const notified = await ctx.database.db.transaction().execute(async (tx) => {
    const now = nowIso(ctx);
    const companies = await checkedCompanies(tx, actor, body.companyIds ?? []);
    const products = cleanProducts(body.products ?? []);
    await insertIncident(tx, {
      id,
      workspace_id: actor.workspaceId,
      title: body.title.trim(),
      message: body.message.trim(),
      status: body.status ?? "investigating",
      products: JSON.stringify(products),
      created_by_agent_id: actor.agentId,
      created_at: now,
      updated_at: now,
      resolved_at: null,
    }).execute();
    await setDeclaredCompanies(tx, actor, id, companies, now);
    await recordAudit(ctx, tx, actor, {
      action: "incident.declared",
      target: { type: "incident", id },
      summary: `Declared the incident “${body.title.trim()}”`,
      details: { status: body.status ?? "investigating", products, companies: companies.length },
    });
    return notifyIncident(ctx, tx, actor, { id, title: body.title.trim() }, "declared");
  });
  publishNotified(ctx, actor.workspaceId, notified);
  return incidentDetail(ctx, actor, id);
}

/**
 * An update: what changed, audited. A status given to a resolved incident reopens it (its
 * customers already told stay told; resolving again tells only those linked since).
 */
export async function updateIncident(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: IncidentPatch,
): Promise<IncidentView> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const row = await lockedIncident(ctx, tx, actor, id);
    const now = nowIso(ctx);
    const set: Updateable<DB["incidents"]> = {};
    const changed: Record<string, unknown> = {};
    if (patch.title !== undefined && patch.title.trim() !== row.title) {
      set.title = patch.title.trim();
      changed.title = set.title;
    }
    if (patch.message !== undefined && patch.message.trim() !== row.message) {
      set.message = patch.message.trim();
      changed.message = true;
    }
    if (patch.status !== undefined && patch.status !== row.status) {
      set.status = patch.status;
      changed.status = patch.status;
      if (row.status === "resolved") set.resolved_at = null;
    }
    if (patch.products !== undefined) {
      const products = JSON.stringify(cleanProducts(patch.products));
      if (products !== row.products) {
        set.products = products;
        changed.products = JSON.parse(products);
      }
    }
    if (patch.companyIds !== undefined) {
      const companies = await checkedCompanies(tx, actor, patch.companyIds);
      await setDeclaredCompanies(tx, actor, id, companies, now);
      changed.companies = companies.length;
    }
    if (Object.keys(changed).length === 0) return;
    await incidentsWritableBy(tx, actor)
      .set({ ...set, updated_at: now })
      .where("incidents.id", "=", id)
      .execute();
    await recordAudit(ctx, tx, actor, {
      action: "incident.updated",
      target: { type: "incident", id },
      summary: `Updated the incident “${set.title ?? row.title}”`,
      details: changed,
    });
  });
  return incidentDetail(ctx, actor, id);
}

/**
 * Links a ticket (by reference) to the incident: an event on the ticket, its contact among those
 * told when it is resolved. Linking it again changes nothing.
 */
export async function linkTicket(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  reference: string,
): Promise<IncidentView> {
  const linked = await ctx.database.db.transaction().execute(async (tx) => {
    const incident = await lockedIncident(ctx, tx, actor, id);
    let ticket: Awaited<ReturnType<typeof findTicketForAgent>>;
    try {
      ticket = await findTicketForAgent(ctx, actor, reference, { tx });
    } catch (err) {
      // Only "no such ticket" is the form's fault; anything else (an outage) is answered as such.
      if (err instanceof AppError && err.status === 404) {
        throw validationFailed({ reference: "is not a ticket of this workspace" });
      }
      throw err;
    }
    const now = nowIso(ctx);
    const added = await addIncidentTicket(tx, {
      incident_id: id,
      ticket_id: ticket.id,
      workspace_id: actor.workspaceId,
      linked_by_agent_id: actor.agentId,
      created_at: now,
    }).executeTakeFirst();
    if (Number(added.numInsertedOrUpdatedRows ?? 0) === 0) return null;
    await addIncidentContacts(tx, [
      {
        incident_id: id,
        contact_id: ticket.contact_id,
        workspace_id: actor.workspaceId,
        source: "ticket",
        created_at: now,
        notified_at: null,
      },
    ]).execute();
    await recordEvent(ctx.database, tx, {
      workspaceId: actor.workspaceId,
      ticketId: ticket.id,
      actor: { type: "agent", id: actor.agentId },
      type: "incident_linked",
      data: { incidentId: id, title: incident.title },
      at: now,
    });
    await recordAudit(ctx, tx, actor, {
      action: "incident.ticket_linked",
      target: { type: "incident", id },
      summary: `Linked ${reference.toUpperCase()} to the incident “${incident.title}”`,
    });
    return ticket.number;
  });
  if (linked !== null) {
    ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference: formatReference(linked) });
  }
  return incidentDetail(ctx, actor, id);
}

import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { emailLangOf } from "../email/outbox.customer.ts";
import { enqueueEmails } from "../email/outbox.ts";
import { publishNotified } from "../notifications/notify.ts";
import { syncSla } from "../sla/sla.timers.ts";
import { ticketsVisibleTo, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import {
  addIncidentContacts,
  incidentContactsVisibleTo,
  incidentContactsWritableBy,
  incidentsWritableBy,
  incidentTicketsVisibleTo,
} from "./incident.access.ts";
import { incidentDetail, productsOf } from "./incident.read.ts";
import type { IncidentView, ResolveIncident } from "./incident.schemas.ts";
import { lockedIncident, notifyIncident } from "./incident.service.ts";

// Resolving an incident tells every customer it concerned, once: the contacts of its linked
// tickets and those who said "this affects me too", one email each in their language, queued in
// the resolving transaction (the outbox). A contact told is marked (incident_contacts.notified_at),
// so resolving it again after a reopening tells only those linked since. Each linked ticket gets
// an event; the agent may also resolve the linked tickets still open (no email of their own: the
// incident's is the one the customer gets).

export interface Resolved {
  incident: IncidentView;
  /** Customers an email was queued for now. */
  told: number;
}

/** The linked tickets' contacts, added to those to tell (a no-op for those already there). */
async function addTicketContacts(tx: Tx, actor: AgentActor, incidentId: string, now: string) {
  const tickets = await linkedTickets(tx, actor, incidentId);
  const contactIds = [...new Set(tickets.map((t) => t.contact_id))];
  if (contactIds.length === 0) return tickets;
  await addIncidentContacts(
    tx,
    contactIds.map((contact_id) => ({
      incident_id: incidentId,
      contact_id,
      workspace_id: actor.workspaceId,
      source: "ticket" as const,
      created_at: now,
      notified_at: null,
    })),
  ).execute();
  return tickets;
}

function linkedTickets(tx: Tx, actor: AgentActor, incidentId: string) {
  return ticketsVisibleTo(tx, actor)
    .select([
      "tickets.id",
      "tickets.workspace_id",
      "tickets.number",
      "tickets.status",
      "tickets.priority",
      "tickets.type",
      "tickets.company_id",
      "tickets.contact_id",
    ])
    .where(
      "tickets.id",
      "in",
      incidentTicketsVisibleTo(tx, actor)
        .select("incident_tickets.ticket_id")
        .where("incident_tickets.incident_id", "=", incidentId),
    )
    .orderBy("tickets.number")
    .execute();
}

/** Queues the email for each contact not yet told, and marks them told. */
async function tellCustomers(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  ws: Workspace,
  incident: { id: string; message: string; products: string },
  now: string,
): Promise<number> {
  const pending = await incidentContactsVisibleTo(tx, actor)
    .innerJoin(
      contactsVisibleTo(tx, actor)
        .select(["contacts.id", "contacts.email", "contacts.name", "contacts.erased_at"])
        .as("c"),
      "c.id",
      "incident_contacts.contact_id",
    )
    .select(["c.id", "c.email", "c.name", "c.erased_at"])
    .where("incident_contacts.incident_id", "=", incident.id)
    .where("incident_contacts.notified_at", "is", null)
    .orderBy("c.id")
    .execute();
  const brand = brandingOf(ws);
  const products = productsOf(incident.products);
  const url = portalUrl(ctx.config, ws, `/portal/${ws.slug}`);
  const reachable = pending.filter((p) => p.erased_at === null && p.email);
  const specs = [];
  for (const p of reachable) {
    const lang = await emailLangOf(tx, ws, "incident_resolved", p.email, undefined, undefined);
    specs.push({
      ws,
      kind: "incident_resolved" as const,
      audience: "customer" as const,
      to: [{ address: p.email, name: p.name }],
      autoSubmitted: true,
      params: { brand, message: incident.message, products, contactName: p.name, portalUrl: url, lang },
    });
  }
  await enqueueEmails(ctx, tx, specs);
  if (pending.length > 0) {
    // An erased contact is marked too: nobody is left to tell.
    await incidentContactsWritableBy(tx, actor)
      .set({ notified_at: now })
      .where("incident_contacts.incident_id", "=", incident.id)
      .where(
        "incident_contacts.contact_id",
        "in",
        pending.map((p) => p.id),
      )
      .execute();
  }
  return reachable.length;
}

export async function resolveIncident(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  body: ResolveIncident,
): Promise<Resolved> {
  const ws = await getWorkspace(ctx, actor);
  const { told, references, notified } = await ctx.database.db.transaction().execute(async (tx) => {
    const row = await lockedIncident(ctx, tx, actor, id);
    const now = nowIso(ctx);
    const message = body.message?.trim() || row.message;
    await incidentsWritableBy(tx, actor)
      .set({
        status: "resolved",
        message,
        updated_at: now,
        resolved_at: row.status === "resolved" ? row.resolved_at : now,
      })
      .where("incidents.id", "=", id)
      .execute();
    const tickets = await addTicketContacts(tx, actor, id, now);
    const told = await tellCustomers(ctx, tx, actor, ws, { ...row, message }, now);
    let resolvedTickets = 0;
    for (const t of tickets) {
      const ev = {
        workspaceId: actor.workspaceId,
        ticketId: t.id,
        actor: { type: "agent" as const, id: actor.agentId },
        at: now,
      };
      await recordEvent(ctx.database, tx, {
        ...ev,
        type: "incident_resolved",
        data: { incidentId: id, title: row.title },
      });
      if (body.resolveTickets && t.status !== "resolved" && t.status !== "closed") {
        await ticketsWritableBy(tx, actor)
          .set({
            status: "resolved",
            portal_status: null,
            resolved_at: now,
            resolution: message,
            updated_at: now,
          })
          .where("tickets.id", "=", t.id)
          .execute();
        // Resolved: its SLA timers stop.
        await syncSla(ctx, tx, t, t);
        await recordEvent(ctx.database, tx, {
          ...ev,
          type: "resolved",
          data: { from: t.status, to: "resolved", resolution: message, incidentId: id },
        });
        resolvedTickets++;
      }
    }
    await recordAudit(ctx, tx, actor, {
      action: "incident.resolved",
      target: { type: "incident", id },
      summary: `Resolved the incident “${row.title}”`,
      details: { told, tickets: tickets.length, resolvedTickets },
    });
    const notified = await notifyIncident(ctx, tx, actor, { id, title: row.title }, "resolved");
    return { told, references: tickets.map((t) => formatReference(t.number)), notified };
  });
  publishNotified(ctx, actor.workspaceId, notified);
  for (const reference of references)
    ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference });
  return { incident: await incidentDetail(ctx, actor, id), told };
}

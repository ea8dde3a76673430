import type { CustomerActor, TokenHolderActor, VisitorActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import {
  addIncidentCompanies,
  addIncidentContacts,
  incidentContactsVisibleTo,
  incidentsVisibleTo,
} from "./incident.access.ts";
import { incidentNotFound } from "./incident.errors.ts";
import { productsOf } from "./incident.read.ts";
import { type BannerIncident, type IncidentStatus, OPEN_INCIDENT_STATUSES } from "./incident.schemas.ts";

// Incidents as customers meet them: the portal's banner (the open incidents that concern the
// reader, incident.access.ts decides which) and "This affects me too", which adds the contact
// (and their company) to those told when it is resolved, without a ticket. Saying it twice
// changes nothing.

/** Banners shown at most, newest first. */
const SHOWN = 3;

export type IncidentReader = CustomerActor | TokenHolderActor | VisitorActor;

export async function bannerIncidents(ctx: AppContext, actor: IncidentReader): Promise<BannerIncident[]> {
  const db = ctx.database.db;
  const rows = await incidentsVisibleTo(db, actor)
    .select([
      "incidents.id",
      "incidents.title",
      "incidents.message",
      "incidents.status",
      "incidents.products",
      "incidents.updated_at",
    ])
    .where("incidents.status", "in", [...OPEN_INCIDENT_STATUSES])
    .orderBy("incidents.created_at", "desc")
    .orderBy("incidents.id")
    .limit(SHOWN)
    .execute();
  if (rows.length === 0) return [];
  const joined =
    actor.kind === "visitor"
      ? new Set<string>()
      : new Set(
          (
            await incidentContactsVisibleTo(db, actor)
              .select("incident_contacts.incident_id")
              .where(
                "incident_contacts.incident_id",
                "in",
                rows.map((r) => r.id),
              )
              .execute()
          ).map((r) => r.incident_id),
        );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    message: r.message,
    status: r.status as IncidentStatus,
    products: productsOf(r.products),
    updatedAt: r.updated_at,
    joined: joined.has(r.id),
  }));
}

/**
 * "This affects me too": the contact (and their company) linked to an open incident they may
 * see; a resolved one, or one they may not see, is the same 404. True when it was new.
 */
export async function reportAffected(
  ctx: AppContext,
  actor: CustomerActor | TokenHolderActor,
  incidentId: string,
): Promise<boolean> {
  return ctx.database.db.transaction().execute(async (tx) => {
    const incident = await incidentsVisibleTo(tx, actor)
      .select("incidents.id")
      .where("incidents.id", "=", incidentId)
      .where("incidents.status", "in", [...OPEN_INCIDENT_STATUSES])
      .executeTakeFirst();
    if (!incident) throw incidentNotFound();
    const now = nowIso(ctx);
    const added = await addIncidentContacts(tx, [
      {
        incident_id: incidentId,
        contact_id: actor.contactId,
        workspace_id: actor.workspaceId,
        source: "affected",
        created_at: now,
        notified_at: null,
      },
    ]).executeTakeFirst();
    const companyId =
      actor.kind === "customer"
        ? actor.companyId
        : ((
            await contactsVisibleTo(tx, actor)
              .select("contacts.company_id")
              .where("contacts.id", "=", actor.contactId)
              .executeTakeFirst()
          )?.company_id ?? null);
    if (companyId) {
      await addIncidentCompanies(tx, [
        {
          incident_id: incidentId,
          company_id: companyId,
          workspace_id: actor.workspaceId,
          source: "reported",
          created_at: now,
        },
      ]).execute();
    }
    return Number(added.numInsertedOrUpdatedRows ?? 0) > 0;
  });
}

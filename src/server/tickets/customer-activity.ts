import { formatReference } from "../../shared/tickets.ts";
import type { CustomerActor } from "../actors.ts";
import type { CompanyEventType } from "../companies/company.events.ts";
import { type CompanyTimelineRow, companyTimeline } from "../companies/company.timeline.ts";
import type { AppContext } from "../context.ts";
import { documentsVisibleTo } from "../documents/document.access.ts";
import { tasksVisibleTo } from "../onboarding/plan.access.ts";
import type { PortalActivity, PortalActivityKind } from "./customer-portal.schemas.ts";
import { eventsVisibleTo } from "./event.access.ts";
import type { TicketEventType } from "./ticket.events.ts";

// The portal's recent activity: the customer-visible events of the requests a signed-in customer
// may see, and of their company's onboarding, forms and documents, newest first, in their words.

/** Who acts for the workspace when no agent is named: the system, an agent since removed. */
export const SUPPORT_TEAM = "Support team";

/** Which events the timeline shows, in the customer's words; the rest are left out. */
const ACTIVITY: Partial<Record<TicketEventType, PortalActivityKind>> = {
  created: "submitted",
  agent_replied: "replied",
  customer_replied: "replied",
  status_changed: "status_changed",
  reopened: "status_changed",
  resolved: "resolved",
};
const ACTIVITY_TYPES = Object.keys(ACTIVITY) as TicketEventType[];

/** The company timeline's events a customer reads on the portal (downloads and links stay the team's). */
const COMPANY_ACTIVITY: Partial<Record<CompanyEventType, PortalActivityKind>> = {
  plan_applied: "plan_applied",
  task_started: "task_started",
  task_completed: "task_completed",
  form_submitted: "form_submitted",
  document_uploaded: "document_uploaded",
  document_published: "document_published",
};
const COMPANY_ACTIVITY_TYPES = Object.keys(COMPANY_ACTIVITY) as CompanyEventType[];

/**
 * The latest customer-visible events, newest first: those of the requests they may see, and of
 * their company's onboarding, forms and documents.
 */
export async function portalActivity(
  ctx: AppContext,
  actor: CustomerActor,
  limit = 20,
): Promise<PortalActivity[]> {
  const [requests, work] = await Promise.all([
    requestActivity(ctx, actor, limit),
    actor.companyId === null
      ? []
      : companyTimeline(ctx, actor, { types: COMPANY_ACTIVITY_TYPES, limit })
          .then((rows) => stillTheirs(ctx, actor, rows))
          .then((rows) =>
            rows.map((e): PortalActivity => {
              const d = e.data;
              const target = d.documentId ? "document" : d.taskId ? "task" : "plan";
              return {
                id: e.id,
                kind: COMPANY_ACTIVITY[e.type] as PortalActivityKind,
                reference: null,
                subject: d.document ?? d.task ?? d.form ?? d.plan ?? "",
                target,
                targetId: d.documentId ?? d.taskId ?? null,
                who: whoOf(actor, e.whoType, e.whoId, e.who),
                at: e.at,
              };
            }),
          ),
  ]);
  return [...requests, ...work]
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : -1))
    .slice(0, limit);
}

/**
 * The company's events whose task or document the customer may still see: a task since hidden or
 * its plan archived, a document deleted, leave the timeline with them.
 */
async function stillTheirs(ctx: AppContext, actor: CustomerActor, rows: CompanyTimelineRow[]) {
  const taskIds = [...new Set(rows.flatMap((e) => (e.data.taskId ? [e.data.taskId] : [])))];
  const documentIds = [...new Set(rows.flatMap((e) => (e.data.documentId ? [e.data.documentId] : [])))];
  const db = ctx.database.db;
  const [tasks, documents] = await Promise.all([
    taskIds.length
      ? tasksVisibleTo(db, actor).select("tasks.id").where("tasks.id", "in", taskIds).execute()
      : [],
    documentIds.length
      ? documentsVisibleTo(db, actor)
          .select("documents.id")
          .where("documents.id", "in", documentIds)
          .execute()
      : [],
  ]);
  const seen = new Set([...tasks.map((r) => r.id), ...documents.map((r) => r.id)]);
  return rows.filter((e) => {
    if (e.data.documentId) return seen.has(e.data.documentId);
    if (e.data.taskId) return seen.has(e.data.taskId);
    return true;
  });
}

function whoOf(actor: CustomerActor, type: string, id: string | null, name: string | null): string {
  if (type === "contact") return id === actor.contactId ? "You" : (name ?? "A colleague");
  if (type === "agent") return name ?? SUPPORT_TEAM;
  return SUPPORT_TEAM;
}

async function requestActivity(
  ctx: AppContext,
  actor: CustomerActor,
  limit: number,
): Promise<PortalActivity[]> {
  // Joined on the id alone: the events' scope already keeps them to the customer's tickets, and a
  // workspace equality here would have the planner walk the workspace's every ticket.
  const rows = await eventsVisibleTo(ctx.database.db, actor)
    .innerJoin("tickets", "tickets.id", "ticket_events.ticket_id")
    .leftJoin("agents", (j) =>
      j
        .onRef("agents.id", "=", "ticket_events.actor_id")
        .onRef("agents.workspace_id", "=", "ticket_events.workspace_id")
        .on("ticket_events.actor_type", "=", "agent"),
    )
    .leftJoin("contacts", (j) =>
      j
        .onRef("contacts.id", "=", "ticket_events.actor_id")
        .onRef("contacts.workspace_id", "=", "ticket_events.workspace_id")
        .on("ticket_events.actor_type", "=", "contact"),
    )
    .where("ticket_events.type", "in", ACTIVITY_TYPES)
    .select([
      "ticket_events.id",
      "ticket_events.type",
      "ticket_events.actor_type",
      "ticket_events.actor_id",
      "ticket_events.created_at",
      "tickets.number",
      "tickets.subject",
      "agents.name as agent_name",
      "contacts.name as contact_name",
    ])
    .orderBy("ticket_events.created_at", "desc")
    .orderBy("ticket_events.id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: ACTIVITY[r.type as TicketEventType] as PortalActivityKind,
    reference: formatReference(r.number),
    subject: r.subject,
    target: "request" as const,
    targetId: null,
    who: whoOf(actor, r.actor_type, r.actor_id, r.agent_name ?? r.contact_name),
    at: r.created_at,
  }));
}

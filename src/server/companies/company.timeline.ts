import { type Static, Type } from "typebox";
import type { Actor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { Nullable } from "../lib/schema.ts";
import { companyEventsVisibleTo } from "./company.access.ts";
import type { CompanyEventData, CompanyEventType } from "./company.events.ts";

// A company's work timeline (company_events), read through its access function: an agent reads
// all of it, a signed-in customer of the company only the customer-visible events, whose data was
// written to be shown to them.

export const CompanyTimelineEntry = Type.Object({
  id: Type.String(),
  type: Type.String({
    description: "plan_applied, task_started, task_completed, form_submitted, document_uploaded …",
  }),
  who: Nullable(Type.String({ description: "The agent's or the contact's name; null for the system" })),
  whoType: Type.String({ description: "agent, contact or system" }),
  whoId: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  customerVisible: Type.Boolean(),
  at: Type.String({ format: "date-time" }),
});
export type CompanyTimelineEntry = Static<typeof CompanyTimelineEntry>;
/** An entry as read: its type and data as company.events.ts writes them. */
export type CompanyTimelineRow = CompanyTimelineEntry & { type: CompanyEventType; data: CompanyEventData };

/** The latest events of one company (an agent's page), or of the customer's own company. */
export async function companyTimeline(
  ctx: AppContext,
  actor: Actor,
  opts: { companyId?: string; types?: CompanyEventType[]; limit: number },
): Promise<CompanyTimelineRow[]> {
  let q = companyEventsVisibleTo(ctx.database.db, actor)
    .leftJoin("agents", (j) =>
      j
        .onRef("agents.id", "=", "company_events.actor_id")
        .onRef("agents.workspace_id", "=", "company_events.workspace_id")
        .on("company_events.actor_type", "=", "agent"),
    )
    .leftJoin("contacts", (j) =>
      j
        .onRef("contacts.id", "=", "company_events.actor_id")
        .onRef("contacts.workspace_id", "=", "company_events.workspace_id")
        .on("company_events.actor_type", "=", "contact"),
    )
    .select([
      "company_events.id",
      "company_events.type",
      "company_events.actor_type",
      "company_events.actor_id",
      "company_events.data",
      "company_events.customer_visible",
      "company_events.created_at",
      "agents.name as agent_name",
      "contacts.name as contact_name",
    ]);
  if (opts.companyId !== undefined) q = q.where("company_events.company_id", "=", opts.companyId);
  if (opts.types) q = q.where("company_events.type", "in", opts.types);
  const rows = await q
    .orderBy("company_events.created_at", "desc")
    .orderBy("company_events.id", "desc")
    .limit(opts.limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    type: r.type as CompanyEventType,
    who: r.agent_name ?? r.contact_name ?? null,
    whoType: r.actor_type,
    whoId: r.actor_id,
    data: parseData(r.data),
    customerVisible: Boolean(r.customer_visible),
    at: r.created_at,
  }));
}

function parseData(raw: string): CompanyEventData {
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as CompanyEventData;
  } catch {
    // an unreadable record reads as empty
  }
  return {};
}

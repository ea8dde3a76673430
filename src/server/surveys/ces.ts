import { systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import type { PlanTable } from "../db/schema.work.ts";
import { tasksVisibleTo } from "../onboarding/plan.access.ts";
import { surveysVisibleTo } from "./survey.access.ts";
import { createSurvey } from "./survey.create.ts";
import { surveySettingsOf } from "./survey-settings.ts";

// CES ("how easy was it"), asked after the effort: when an onboarding plan is completed, and when
// a ticket of a type the admin chose is closed. Decided in the transaction of that change; the
// survey is sent ten minutes later by its survey_send job, which applies the unsubscribe and
// quiet-days rules. Each plan asks each contact once, each ticket once.

export const CES_SEND_DELAY_MS = 10 * 60_000;
/** A plan with many customer assignees asks at most this many of them. */
const PLAN_CONTACTS_MAX = 5;

/**
 * Who is asked about a plan: the company's contacts who can use the portal and were the portal
 * assignees of the plan's tasks (they did the work, so they know the effort). When the plan had
 * none, one contact: the company's manager on the portal (access to the whole company), else its
 * earliest contact with portal access. A company without portal contacts is not asked.
 */
async function planRespondents(tx: Tx, plan: Pick<PlanTable, "id" | "workspace_id" | "company_id">) {
  const actor = systemActorIn("ces survey", plan.workspace_id);
  const portalContacts = () =>
    contactsVisibleTo(tx, actor)
      .select(["contacts.id", "contacts.company_id"])
      .where("contacts.company_id", "=", plan.company_id)
      .where("contacts.portal_access", "!=", "none");
  const assignees = await portalContacts()
    .where(
      "contacts.id",
      "in",
      tasksVisibleTo(tx, actor)
        .select("tasks.portal_assignee_contact_id")
        .where("tasks.plan_id", "=", plan.id)
        .where("tasks.portal_assignee_contact_id", "is not", null)
        .$narrowType<{ portal_assignee_contact_id: string }>(),
    )
    .orderBy("contacts.created_at")
    .orderBy("contacts.id")
    .limit(PLAN_CONTACTS_MAX)
    .execute();
  if (assignees.length) return assignees;
  const first = await portalContacts()
    // 'company' (the manager) sorts before 'own'.
    .orderBy("contacts.portal_access")
    .orderBy("contacts.created_at")
    .orderBy("contacts.id")
    .limit(1)
    .execute();
  return first;
}

/** A plan just marked completed: CES for the contacts who worked it (see planRespondents). */
export async function onPlanCompleted(
  ctx: AppContext,
  tx: Tx,
  plan: Pick<PlanTable, "id" | "workspace_id" | "company_id">,
): Promise<number> {
  const settings = await surveySettingsOf(ctx, plan.workspace_id, tx);
  if (!settings.ces_enabled || !settings.ces_after_plan) return 0;
  const actor = systemActorIn("ces survey", plan.workspace_id);
  const asked = new Set(
    (
      await surveysVisibleTo(tx, actor)
        .select("surveys.contact_id")
        .where("surveys.plan_id", "=", plan.id)
        .where("surveys.kind", "=", "ces")
        .execute()
    ).map((r) => r.contact_id),
  );
  const sendAt = new Date(ctx.now().getTime() + CES_SEND_DELAY_MS);
  let n = 0;
  for (const c of await planRespondents(tx, plan)) {
    if (asked.has(c.id)) continue;
    await createSurvey(ctx, tx, {
      workspaceId: plan.workspace_id,
      kind: "ces",
      contactId: c.id,
      companyId: plan.company_id,
      planId: plan.id,
      trigger: "plan_completed",
      sendAt,
    });
    n++;
  }
  return n;
}

/** A ticket just closed: CES for its contact when its type is one the admin chose; once a ticket. */
export async function onTicketClosed(
  ctx: AppContext,
  tx: Tx,
  ticket: {
    id: string;
    workspace_id: string;
    type: string;
    contact_id: string;
    company_id: string | null;
    assignee_id: string | null;
  },
): Promise<boolean> {
  const settings = await surveySettingsOf(ctx, ticket.workspace_id, tx);
  if (!settings.ces_enabled || !settings.ces_ticket_types.includes(ticket.type)) return false;
  const actor = systemActorIn("ces survey", ticket.workspace_id);
  const already = await surveysVisibleTo(tx, actor)
    .select("surveys.id")
    .where("surveys.ticket_id", "=", ticket.id)
    .where("surveys.kind", "=", "ces")
    .executeTakeFirst();
  if (already) return false;
  await createSurvey(ctx, tx, {
    workspaceId: ticket.workspace_id,
    kind: "ces",
    contactId: ticket.contact_id,
    companyId: ticket.company_id,
    ticketId: ticket.id,
    agentId: ticket.assignee_id,
    trigger: "closed_type",
    sendAt: new Date(ctx.now().getTime() + CES_SEND_DELAY_MS),
  });
  return true;
}

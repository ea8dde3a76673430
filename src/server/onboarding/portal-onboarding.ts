import type { CustomerActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { formNamesOf, formResponsesVisibleTo } from "../forms/form.access.ts";
import {
  type PortalOnboardingSummary,
  type PortalPlans,
  type PortalPlanView,
  type PortalTaskDetail,
  type PortalTaskSummary,
  TASK_PORTAL_STATUS_LABELS,
} from "./onboarding.schemas.ts";
import { CUSTOMER_TASK_COLUMNS, plansVisibleTo, tasksVisibleTo, tasksWritableBy } from "./plan.access.ts";
import { recordPortalProgress } from "./plan-tasks.ts";
import { requestsOfTask } from "./task-links.ts";

// The portal's view of onboarding: the company's active plan, what is next, what is due from the
// customer, each plan and task, and starting or completing their own tasks. Read through
// plan.access.ts with CUSTOMER_TASK_COLUMNS only: nothing of the team's side is ever selected.

export const portalTaskNotFound = () => new AppError(404, "task_not_found", "No such task.");
export const portalPlanNotFound = () => new AppError(404, "plan_not_found", "No such plan.");

type CustomerTask = {
  id: string;
  plan_id: string;
  position: number;
  title: string;
  description: string;
  actor: "team" | "customer";
  due_at: string | null;
  form_id: string | null;
  portal_status: PortalTaskSummary["portalStatus"];
  portal_start: string | null;
  portal_complete: string | null;
  portal_assignee_contact_id: string | null;
};

const customerTasks = (db: Tx, actor: CustomerActor) =>
  tasksVisibleTo(db, actor).select(CUSTOMER_TASK_COLUMNS).orderBy("tasks.position").orderBy("tasks.id");

function summaryOf(t: CustomerTask, forms: Map<string, string>, now: Date): PortalTaskSummary {
  return {
    id: t.id,
    title: t.title,
    portalStatus: t.portal_status,
    statusLabel: TASK_PORTAL_STATUS_LABELS[t.portal_status],
    actor: t.actor,
    dueAt: t.due_at,
    overdue: t.portal_status !== "complete" && t.due_at !== null && new Date(t.due_at) < now,
    formName: t.form_id ? (forms.get(t.form_id) ?? null) : null,
  };
}

/** Whether this customer may start or complete the task: its assignee, anyone when none, a manager. */
export const mayAct = (actor: CustomerActor, t: Pick<CustomerTask, "actor" | "portal_assignee_contact_id">) =>
  t.actor === "customer" &&
  (actor.scope === "company" ||
    t.portal_assignee_contact_id === null ||
    t.portal_assignee_contact_id === actor.contactId);

const byDue = (a: CustomerTask, b: CustomerTask) =>
  (a.due_at ?? "9999").localeCompare(b.due_at ?? "9999") || a.position - b.position;

export async function portalOnboardingSummary(
  ctx: AppContext,
  actor: CustomerActor,
): Promise<PortalOnboardingSummary> {
  const db = ctx.database.db;
  const plan = await plansVisibleTo(db, actor)
    .select(["plans.id", "plans.name"])
    .where("plans.status", "=", "active")
    .orderBy("plans.created_at", "desc")
    .orderBy("plans.id")
    .executeTakeFirst();
  if (!plan) return { plan: null, next: [], dueFromYou: [] };
  const tasks = (await customerTasks(db, actor)
    .where("tasks.plan_id", "=", plan.id)
    .execute()) as CustomerTask[];
  const forms = await formNamesOf(
    db,
    actor,
    tasks.map((t) => t.form_id),
  );
  const now = ctx.now();
  const open = tasks.filter((t) => t.portal_status !== "complete");
  return {
    plan: { id: plan.id, name: plan.name, done: tasks.length - open.length, total: tasks.length },
    next: open.slice(0, 3).map((t) => summaryOf(t, forms, now)),
    dueFromYou: open
      .filter((t) => mayAct(actor, t))
      .sort(byDue)
      .slice(0, 5)
      .map((t) => summaryOf(t, forms, now)),
  };
}

/** The company's plans under way or finished, each with its tasks shown on the portal. */
export async function portalPlans(ctx: AppContext, actor: CustomerActor): Promise<PortalPlans> {
  const db = ctx.database.db;
  const plans = await plansVisibleTo(db, actor)
    .select(["plans.id", "plans.name", "plans.status"])
    .orderBy("plans.created_at", "desc")
    .orderBy("plans.id")
    .limit(50)
    .execute();
  if (!plans.length) return { plans: [] };
  const tasks = (await customerTasks(db, actor)
    .where(
      "tasks.plan_id",
      "in",
      plans.map((p) => p.id),
    )
    .execute()) as CustomerTask[];
  const forms = await formNamesOf(
    db,
    actor,
    tasks.map((t) => t.form_id),
  );
  const now = ctx.now();
  return {
    plans: plans.map((p): PortalPlanView => {
      const own = tasks.filter((t) => t.plan_id === p.id);
      return {
        id: p.id,
        name: p.name,
        status: p.status === "completed" ? "completed" : "active",
        done: own.filter((t) => t.portal_status === "complete").length,
        total: own.length,
        tasks: own.map((t) => summaryOf(t, forms, now)),
      };
    }),
  };
}

export async function portalPlan(
  ctx: AppContext,
  actor: CustomerActor,
  planId: string,
): Promise<PortalPlanView> {
  const plan = (await portalPlans(ctx, actor)).plans.find((p) => p.id === planId);
  if (!plan) throw portalPlanNotFound();
  return plan;
}

/** Whether the answers to the task's form have been sent (a draft is not enough). */
async function formSent(db: Tx, actor: CustomerActor, t: Pick<CustomerTask, "id" | "form_id">) {
  if (!t.form_id) return false;
  const sent = await formResponsesVisibleTo(db, actor)
    .select("form_responses.id")
    .where("form_responses.task_id", "=", t.id)
    .where("form_responses.form_id", "=", t.form_id)
    .where("form_responses.status", "=", "submitted")
    .executeTakeFirst();
  return sent !== undefined;
}

async function customerTask(db: Tx, actor: CustomerActor, taskId: string) {
  const t = (await customerTasks(db, actor).where("tasks.id", "=", taskId).executeTakeFirst()) as
    | CustomerTask
    | undefined;
  if (!t) throw portalTaskNotFound();
  return t;
}

/** One task as the customer sees it, with the requests linked to it that they may see. */
export async function portalTask(
  ctx: AppContext,
  actor: CustomerActor,
  taskId: string,
): Promise<PortalTaskDetail> {
  const db = ctx.database.db;
  const t = await customerTask(db, actor, taskId);
  const [forms, sent, plan, assignee, requests] = await Promise.all([
    formNamesOf(db, actor, [t.form_id]),
    formSent(db, actor, t),
    plansVisibleTo(db, actor)
      .select("plans.name")
      .where("plans.id", "=", t.plan_id)
      .executeTakeFirstOrThrow(),
    t.portal_assignee_contact_id
      ? contactsVisibleTo(db, actor)
          .select(["contacts.id", "contacts.name"])
          .where("contacts.id", "=", t.portal_assignee_contact_id)
          .executeTakeFirst()
      : undefined,
    requestsOfTask(ctx, actor, t.id),
  ]);
  return {
    ...summaryOf(t, forms, ctx.now()),
    planId: t.plan_id,
    planName: plan.name,
    description: t.description,
    formId: t.form_id,
    formSent: sent,
    portalStart: t.portal_start,
    portalComplete: t.portal_complete,
    // A colleague's name only when the customer may see that contact.
    assignee: t.portal_assignee_contact_id
      ? { id: t.portal_assignee_contact_id, name: assignee?.name ?? "A colleague" }
      : null,
    canAct: mayAct(actor, t),
    requests,
  };
}

/** Start or complete one of the customer's tasks; the team's side of it is left as it is. */
export async function actOnTask(
  ctx: AppContext,
  actor: CustomerActor,
  taskId: string,
  to: "in_progress" | "complete",
): Promise<PortalTaskDetail> {
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    const t = await customerTask(tx, actor, taskId);
    if (!mayAct(actor, t)) {
      throw new AppError(
        403,
        "not_your_task",
        t.actor === "team" ? "This task is the team's." : "This task is a colleague's.",
      );
    }
    if (t.portal_status === to || (to === "in_progress" && t.portal_status === "complete")) return;
    // A task that asks for a form is done by sending it: marking it complete without the answers
    // would drop the form from what is due and the team would never get them.
    if (to === "complete" && t.form_id && !(await formSent(tx, actor, t))) {
      const form = (await formNamesOf(tx, actor, [t.form_id])).get(t.form_id);
      throw conflict(
        "form_required",
        `This task asks for the form${form ? ` “${form}”` : ""}: use “Fill in the form” on the task and send it; sending it completes the task.`,
      );
    }
    await tasksWritableBy(tx, actor)
      .set({
        portal_status: to,
        portal_start: t.portal_start ?? now,
        portal_complete: to === "complete" ? now : null,
        updated_at: now,
      })
      .where("tasks.id", "=", taskId)
      .execute();
    const company = actor.companyId;
    if (!company) throw notFound();
    await recordPortalProgress(
      tx,
      actor,
      { id: t.id, title: t.title, workspace_id: actor.workspaceId, company_id: company },
      t.portal_status,
      to,
      now,
    );
  });
  return portalTask(ctx, actor, taskId);
}

import { formatReference } from "../../shared/tickets.ts";
import type { Actor, AgentActor } from "../actors.ts";
import { recordCompanyEvent } from "../companies/company.events.ts";
import { companyRow } from "../companies/company.service.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import type { TaskTable } from "../db/schema.work.ts";
import { notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import type { AgentPlan, AgentTask, PlanPatch, TaskBody, TaskPatch } from "./onboarding.schemas.ts";
import {
  plansVisibleTo,
  plansWritableBy,
  tasksDeletableBy,
  tasksVisibleTo,
  tasksWritableBy,
  taskTicketsVisibleTo,
  templateTasksVisibleTo,
} from "./plan.access.ts";
import { assertSameSet, checkForm, getTemplate } from "./template.service.ts";

// A company's plans as the team works them: applying a template copies its tasks (a plan is a
// copy), then each plan and task is edited on its own, with the team's state beside the portal's.

export const planNotFound = () => notFound("No such plan.");
export const taskNotFound = () => notFound("No such task.");
const DAY = 86_400_000;

type TaskRow = Omit<
  TaskTable,
  "description" | "on_form_submit" | "status" | "internal_note" | "portal_visible" | "portal_status"
> & {
  description: string;
  status: AgentTask["status"];
  internal_note: string;
  portal_visible: boolean | number;
  portal_status: AgentTask["portalStatus"];
};

const taskView = (r: TaskRow, refs: string[]): AgentTask => ({
  id: r.id,
  planId: r.plan_id,
  position: r.position,
  title: r.title,
  description: r.description,
  actor: r.actor,
  dueAt: r.due_at,
  formId: r.form_id,
  status: r.status,
  assigneeAgentId: r.assignee_agent_id,
  internalNote: r.internal_note,
  portalVisible: Boolean(r.portal_visible),
  portalStatus: r.portal_status,
  portalStart: r.portal_start,
  portalComplete: r.portal_complete,
  portalAssigneeContactId: r.portal_assignee_contact_id,
  ticketReferences: refs,
});

async function plansOf(ctx: AppContext, actor: AgentActor, where: { companyId?: string; planId?: string }) {
  const db = ctx.database.db;
  let q = plansVisibleTo(db, actor).selectAll();
  if (where.companyId) q = q.where("plans.company_id", "=", where.companyId);
  if (where.planId) q = q.where("plans.id", "=", where.planId);
  const plans = await q.orderBy("plans.created_at", "desc").orderBy("plans.id").limit(100).execute();
  if (!plans.length) return [];
  const ids = plans.map((p) => p.id);
  const [tasks, links] = await Promise.all([
    tasksVisibleTo(db, actor)
      .selectAll()
      .where("tasks.plan_id", "in", ids)
      .orderBy("tasks.position")
      .execute(),
    taskTicketsVisibleTo(db, actor)
      .innerJoin("tasks", "tasks.id", "task_tickets.task_id")
      .innerJoin("tickets", "tickets.id", "task_tickets.ticket_id")
      .select(["task_tickets.task_id", "tickets.number"])
      .where("tasks.plan_id", "in", ids)
      .orderBy("tickets.number")
      .execute(),
  ]);
  return plans.map((p): AgentPlan => {
    const own = tasks.filter((t) => t.plan_id === p.id);
    return {
      id: p.id,
      companyId: p.company_id,
      templateId: p.template_id,
      name: p.name,
      status: p.status,
      done: own.filter((t) => t.status === "done").length,
      total: own.length,
      tasks: own.map((t) =>
        taskView(
          t as TaskRow,
          links.filter((l) => l.task_id === t.id).map((l) => formatReference(l.number)),
        ),
      ),
      createdAt: p.created_at,
      completedAt: p.completed_at,
    };
  });
}

/** A company's plans, newest first (a 404 for a company not of the workspace). */
export async function listPlans(ctx: AppContext, actor: AgentActor, companyId: string): Promise<AgentPlan[]> {
  await companyRow(ctx, actor, companyId);
  return plansOf(ctx, actor, { companyId });
}

export async function getPlan(ctx: AppContext, actor: AgentActor, planId: string): Promise<AgentPlan> {
  const [plan] = await plansOf(ctx, actor, { planId });
  if (!plan) throw planNotFound();
  return plan;
}

/** Copies the template's tasks into a new plan of the company, each due its offset from now. */
export async function applyTemplate(
  ctx: AppContext,
  actor: AgentActor,
  companyId: string,
  templateId: string,
): Promise<AgentPlan> {
  const company = await companyRow(ctx, actor, companyId);
  const template = await getTemplate(ctx, actor, templateId);
  const now = ctx.now();
  const at = now.toISOString();
  const planId = newId();
  await ctx.database.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("plans")
      .values({
        id: planId,
        workspace_id: actor.workspaceId,
        company_id: company.id,
        template_id: template.id,
        name: template.name,
        created_by_agent_id: actor.agentId,
        created_at: at,
        updated_at: at,
        completed_at: null,
      })
      .execute();
    // Read again inside the transaction: the copy is of the template as it is now.
    const tasks = await templateTasksVisibleTo(tx, actor)
      .selectAll()
      .where("plan_template_tasks.template_id", "=", template.id)
      .orderBy("plan_template_tasks.position")
      .execute();
    for (const [i, t] of tasks.entries()) {
      await tx
        .insertInto("tasks")
        .values({
          id: newId(),
          workspace_id: actor.workspaceId,
          company_id: company.id,
          plan_id: planId,
          position: i + 1,
          title: t.title,
          description: t.description,
          actor: t.actor,
          due_at:
            t.due_offset_days === null
              ? null
              : new Date(now.getTime() + t.due_offset_days * DAY).toISOString(),
          form_id: t.form_id,
          on_form_submit: t.on_form_submit,
          portal_visible: Boolean(t.portal_visible),
          assignee_agent_id: null,
          portal_start: null,
          portal_complete: null,
          portal_assignee_contact_id: null,
          completed_at: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
    }
    await recordCompanyEvent(tx, actor, {
      workspaceId: actor.workspaceId,
      companyId: company.id,
      type: "plan_applied",
      data: { plan: template.name },
      customerVisible: true,
      at,
    });
  });
  return getPlan(ctx, actor, planId);
}

export async function updatePlan(ctx: AppContext, actor: AgentActor, planId: string, patch: PlanPatch) {
  const now = ctx.now().toISOString();
  const res = await plansWritableBy(ctx.database.db, actor)
    .set({
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.status !== undefined
        ? { status: patch.status, completed_at: patch.status === "completed" ? now : null }
        : {}),
      updated_at: now,
    })
    .where("plans.id", "=", planId)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw planNotFound();
  return getPlan(ctx, actor, planId);
}

async function planRow(tx: Tx, actor: Actor, planId: string) {
  const p = await plansVisibleTo(tx, actor).selectAll().where("plans.id", "=", planId).executeTakeFirst();
  if (!p) throw planNotFound();
  return p;
}

async function checkTaskRefs(tx: Tx, actor: AgentActor, companyId: string, body: TaskPatch) {
  await checkForm(tx, actor, body.formId);
  if (body.assigneeAgentId) {
    const agent = await tx
      .selectFrom("agents")
      .select("id")
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", body.assigneeAgentId)
      .executeTakeFirst();
    if (!agent) throw validationFailed({ assigneeAgentId: "is not an agent of this workspace" });
  }
  if (body.portalAssigneeContactId) {
    const c = await contactsVisibleTo(tx, actor)
      .select("contacts.id")
      .where("contacts.id", "=", body.portalAssigneeContactId)
      .where("contacts.company_id", "=", companyId)
      .executeTakeFirst();
    if (!c) throw validationFailed({ portalAssigneeContactId: "is not a contact of this company" });
  }
}

/** The columns a task body or patch sets, with the dates its statuses imply. */
function taskColumns(body: TaskPatch, before: Partial<TaskRow>, now: string) {
  const portalStatus = body.portalStatus;
  return {
    ...(body.title !== undefined ? { title: body.title.trim() } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.actor !== undefined ? { actor: body.actor } : {}),
    ...(body.dueAt !== undefined
      ? { due_at: body.dueAt === null ? null : new Date(body.dueAt).toISOString() }
      : {}),
    ...(body.formId !== undefined ? { form_id: body.formId } : {}),
    ...(body.status !== undefined
      ? { status: body.status, completed_at: body.status === "done" ? (before.completed_at ?? now) : null }
      : {}),
    ...(body.assigneeAgentId !== undefined ? { assignee_agent_id: body.assigneeAgentId } : {}),
    ...(body.internalNote !== undefined ? { internal_note: body.internalNote } : {}),
    ...(body.portalVisible !== undefined ? { portal_visible: body.portalVisible } : {}),
    ...(body.portalAssigneeContactId !== undefined
      ? { portal_assignee_contact_id: body.portalAssigneeContactId }
      : {}),
    ...(portalStatus !== undefined
      ? {
          portal_status: portalStatus,
          portal_start: portalStatus === "not_started" ? null : (before.portal_start ?? now),
          portal_complete: portalStatus === "complete" ? (before.portal_complete ?? now) : null,
        }
      : {}),
  };
}

/** The timeline's record of a portal status reached: customer-visible only for a task on the portal. */
export async function recordPortalProgress(
  tx: Tx,
  actor: Actor,
  task: {
    workspace_id: string;
    company_id: string;
    id: string;
    title: string;
    portal_visible: boolean | number;
  },
  from: string,
  to: string,
  at: string,
) {
  if (from === to || (to !== "in_progress" && to !== "complete")) return;
  const visible = Boolean(task.portal_visible);
  await recordCompanyEvent(tx, actor, {
    workspaceId: task.workspace_id,
    companyId: task.company_id,
    type: to === "complete" ? "task_completed" : "task_started",
    data: visible ? { task: task.title, taskId: task.id } : { taskId: task.id },
    customerVisible: visible,
    at,
  });
}

export async function addTask(
  ctx: AppContext,
  actor: AgentActor,
  planId: string,
  body: TaskBody,
): Promise<AgentTask> {
  const now = ctx.now().toISOString();
  const id = newId();
  await ctx.database.db.transaction().execute(async (tx) => {
    const plan = await planRow(tx, actor, planId);
    await checkTaskRefs(tx, actor, plan.company_id, body);
    const last = await tasksVisibleTo(tx, actor)
      .select((eb) => eb.fn.max("tasks.position").as("p"))
      .where("tasks.plan_id", "=", planId)
      .executeTakeFirst();
    await tx
      .insertInto("tasks")
      .values({
        id,
        workspace_id: actor.workspaceId,
        company_id: plan.company_id,
        plan_id: planId,
        position: Number(last?.p ?? 0) + 1,
        title: body.title.trim(),
        actor: body.actor ?? "customer",
        due_at: null,
        form_id: null,
        assignee_agent_id: null,
        portal_start: null,
        portal_complete: null,
        portal_assignee_contact_id: null,
        completed_at: null,
        created_at: now,
        updated_at: now,
        ...taskColumns(body, {}, now),
      })
      .execute();
  });
  return getTask(ctx, actor, id);
}

export async function getTask(ctx: AppContext, actor: AgentActor, taskId: string): Promise<AgentTask> {
  const row = await tasksVisibleTo(ctx.database.db, actor)
    .select("tasks.plan_id")
    .where("tasks.id", "=", taskId)
    .executeTakeFirst();
  if (!row) throw taskNotFound();
  const plan = await getPlan(ctx, actor, row.plan_id);
  const task = plan.tasks.find((t) => t.id === taskId);
  if (!task) throw taskNotFound();
  return task;
}

export async function updateTask(
  ctx: AppContext,
  actor: AgentActor,
  taskId: string,
  patch: TaskPatch,
): Promise<AgentTask> {
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    const before = await tasksVisibleTo(tx, actor)
      .selectAll()
      .where("tasks.id", "=", taskId)
      .executeTakeFirst();
    if (!before) throw taskNotFound();
    await checkTaskRefs(tx, actor, before.company_id, patch);
    await tasksWritableBy(tx, actor)
      .set({ ...taskColumns(patch, before as TaskRow, now), updated_at: now })
      .where("tasks.id", "=", taskId)
      .execute();
    if (patch.portalStatus !== undefined) {
      const title = patch.title?.trim() ?? before.title;
      const visible = patch.portalVisible ?? before.portal_visible;
      await recordPortalProgress(
        tx,
        actor,
        { ...before, title, portal_visible: visible },
        before.portal_status,
        patch.portalStatus,
        now,
      );
    }
  });
  return getTask(ctx, actor, taskId);
}

export async function removeTask(ctx: AppContext, actor: AgentActor, taskId: string): Promise<void> {
  const res = await tasksDeletableBy(ctx.database.db, actor)
    .where("tasks.id", "=", taskId)
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw taskNotFound();
}

export async function reorderTasks(ctx: AppContext, actor: AgentActor, planId: string, ids: string[]) {
  await ctx.database.db.transaction().execute(async (tx) => {
    await planRow(tx, actor, planId);
    const rows = await tasksVisibleTo(tx, actor)
      .select("tasks.id")
      .where("tasks.plan_id", "=", planId)
      .execute();
    assertSameSet(
      rows.map((r) => r.id),
      ids,
    );
    for (const [i, id] of ids.entries()) {
      await tasksWritableBy(tx, actor)
        .set({ position: i + 1 })
        .where("tasks.id", "=", id)
        .execute();
    }
  });
  return getPlan(ctx, actor, planId);
}

/** One place up or down (the page's buttons). */
export async function moveTask(ctx: AppContext, actor: AgentActor, taskId: string, by: -1 | 1) {
  const t = await getTask(ctx, actor, taskId);
  const plan = await getPlan(ctx, actor, t.planId);
  const ids = plan.tasks.map((x) => x.id);
  const i = ids.indexOf(taskId);
  const j = i + by;
  if (j < 0 || j >= ids.length) return plan;
  [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
  return reorderTasks(ctx, actor, t.planId, ids);
}

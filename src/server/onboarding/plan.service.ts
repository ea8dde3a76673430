import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { recordCompanyEvent } from "../companies/company.events.ts";
import { companyRow } from "../companies/company.service.ts";
import type { AppContext } from "../context.ts";
import type { TaskTable } from "../db/schema.work.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { onPlanCompleted } from "../surveys/ces.ts";
import type { AgentPlan, AgentTask, PlanPatch } from "./onboarding.schemas.ts";
import {
  plansVisibleTo,
  plansWritableBy,
  tasksVisibleTo,
  taskTicketsVisibleTo,
  templateTasksVisibleTo,
} from "./plan.access.ts";
import { getTemplate } from "./template.service.ts";

// A company's plans as the team works them: applying a template copies its tasks (a plan is a
// copy), then each plan and task is edited on its own, with the team's state beside the portal's.

export const planNotFound = () => notFound("No such plan.");
export const taskNotFound = () => notFound("No such task.");
const DAY = 86_400_000;

export type TaskRow = Omit<
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
  await ctx.database.db.transaction().execute(async (tx) => {
    const before = await plansVisibleTo(tx, actor)
      .select(["plans.id", "plans.workspace_id", "plans.company_id", "plans.status"])
      .where("plans.id", "=", planId)
      .executeTakeFirst();
    if (!before) throw planNotFound();
    const res = await plansWritableBy(tx, actor)
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
    // A plan just completed asks its customers how easy it was (CES).
    if (patch.status === "completed" && before.status !== "completed") await onPlanCompleted(ctx, tx, before);
  });
  return getPlan(ctx, actor, planId);
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

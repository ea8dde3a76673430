import type { Actor, AgentActor } from "../actors.ts";
import { recordCompanyEvent } from "../companies/company.events.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import type { AgentTask, TaskBody, TaskPatch } from "./onboarding.schemas.ts";
import {
  plansVisibleTo,
  taskShownToCustomers,
  tasksDeletableBy,
  tasksVisibleTo,
  tasksWritableBy,
} from "./plan.access.ts";
import { getPlan, getTask, planNotFound, type TaskRow, taskNotFound } from "./plan.service.ts";
import { assertSameSet, checkForm } from "./template.service.ts";

// Editing a plan's tasks: add, change either side (the team's or the customer's), remove and
// reorder; reaching a portal status is recorded on the company's timeline.

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

/**
 * A due date from input, as stored. The schema's date-time format lets through what Date cannot
 * hold (a leap second, "23:59:60Z"): refused here as the field's fault rather than failing later.
 */
export function dueAtOf(raw: string): string {
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw validationFailed({ dueAt: "must be a valid date and time" });
  return new Date(ms).toISOString();
}

/** The columns a task body or patch sets, with the dates its statuses imply. */
function taskColumns(body: TaskPatch, before: Partial<TaskRow>, now: string) {
  const portalStatus = body.portalStatus;
  return {
    ...(body.title !== undefined ? { title: body.title.trim() } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.actor !== undefined ? { actor: body.actor } : {}),
    ...(body.dueAt !== undefined ? { due_at: body.dueAt === null ? null : dueAtOf(body.dueAt) } : {}),
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

/**
 * The timeline's record of a portal status reached, written after the change: customer-visible
 * only while customers see the task (on the portal, its plan active or completed), else the
 * team's only and without the title.
 */
export async function recordPortalProgress(
  tx: Tx,
  actor: Actor,
  task: { workspace_id: string; company_id: string; id: string; title: string },
  from: string,
  to: string,
  at: string,
) {
  if (from === to || (to !== "in_progress" && to !== "complete")) return;
  const visible = await taskShownToCustomers(tx, actor, task.id);
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
      await recordPortalProgress(
        tx,
        actor,
        { ...before, title },
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

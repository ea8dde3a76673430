import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { notFound, validationFailed } from "../errors.ts";
import { formsVisibleTo } from "../forms/form.access.ts";
import { newId } from "../ids.ts";
import type {
  Template,
  TemplateBody,
  TemplatePatch,
  TemplateTask,
  TemplateTaskBody,
  TemplateTaskPatch,
} from "./onboarding.schemas.ts";
import {
  planTemplatesDeletableBy,
  planTemplatesVisibleTo,
  planTemplatesWritableBy,
  templateTasksDeletableBy,
  templateTasksVisibleTo,
  templateTasksWritableBy,
} from "./plan.access.ts";

// Templates of plans: an ordered list of tasks the team copies into a company's plan. Edits here
// never reach a plan already applied (a plan is a copy, decision 0016).

export const templateNotFound = () => notFound("No such template.");

type TaskRow = {
  id: string;
  position: number;
  title: string;
  description: string;
  due_offset_days: number | null;
  actor: "team" | "customer";
  form_id: string | null;
  portal_visible: boolean | number;
};

const taskView = (r: TaskRow): TemplateTask => ({
  id: r.id,
  position: r.position,
  title: r.title,
  description: r.description,
  dueOffsetDays: r.due_offset_days,
  actor: r.actor,
  formId: r.form_id,
  portalVisible: Boolean(r.portal_visible),
});

/** A form the team may choose for a task: one of this workspace's, else a 400 on formId. */
export async function checkForm(db: Tx, actor: AgentActor, formId: string | null | undefined) {
  if (!formId) return;
  const form = await formsVisibleTo(db, actor)
    .select("forms.id")
    .where("forms.id", "=", formId)
    .executeTakeFirst();
  if (!form) throw validationFailed({ formId: "is not a form of this workspace" });
}

/** The workspace's forms by name, for a choice of form. */
export async function formOptions(ctx: AppContext, actor: AgentActor) {
  return formsVisibleTo(ctx.database.db, actor)
    .select(["forms.id", "forms.name"])
    .where("forms.archived_at", "is", null)
    .orderBy("forms.name")
    .limit(500)
    .execute();
}

export async function listTemplates(ctx: AppContext, actor: AgentActor): Promise<Template[]> {
  const db = ctx.database.db;
  const rows = await planTemplatesVisibleTo(db, actor)
    .selectAll()
    .orderBy("plan_templates.name")
    .orderBy("plan_templates.id")
    .limit(500)
    .execute();
  if (!rows.length) return [];
  const tasks = await templateTasksVisibleTo(db, actor)
    .selectAll()
    .where(
      "plan_template_tasks.template_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("plan_template_tasks.position")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    archived: r.archived_at !== null,
    tasks: tasks.filter((t) => t.template_id === r.id).map(taskView),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export async function getTemplate(ctx: AppContext, actor: AgentActor, id: string): Promise<Template> {
  const db = ctx.database.db;
  const r = await planTemplatesVisibleTo(db, actor)
    .selectAll()
    .where("plan_templates.id", "=", id)
    .executeTakeFirst();
  if (!r) throw templateNotFound();
  const tasks = await templateTasksVisibleTo(db, actor)
    .selectAll()
    .where("plan_template_tasks.template_id", "=", id)
    .orderBy("plan_template_tasks.position")
    .execute();
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    archived: r.archived_at !== null,
    tasks: tasks.map(taskView),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function createTemplate(ctx: AppContext, actor: AgentActor, body: TemplateBody) {
  const id = newId();
  const now = ctx.now().toISOString();
  await ctx.database.db
    .insertInto("plan_templates")
    .values({
      id,
      workspace_id: actor.workspaceId,
      name: body.name.trim(),
      description: body.description ?? "",
      archived_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return getTemplate(ctx, actor, id);
}

export async function updateTemplate(ctx: AppContext, actor: AgentActor, id: string, patch: TemplatePatch) {
  const now = ctx.now().toISOString();
  const res = await planTemplatesWritableBy(ctx.database.db, actor)
    .set({
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.archived !== undefined ? { archived_at: patch.archived ? now : null } : {}),
      updated_at: now,
    })
    .where("plan_templates.id", "=", id)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw templateNotFound();
  return getTemplate(ctx, actor, id);
}

/** Plans made from it keep their tasks; they only lose the link to it. */
export async function deleteTemplate(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const t = await planTemplatesVisibleTo(tx, actor)
      .select("id")
      .where("plan_templates.id", "=", id)
      .executeTakeFirst();
    if (!t) throw templateNotFound();
    await templateTasksDeletableBy(tx, actor).where("plan_template_tasks.template_id", "=", id).execute();
    await planTemplatesDeletableBy(tx, actor).where("plan_templates.id", "=", id).execute();
  });
}

async function touch(tx: Tx, actor: AgentActor, id: string, now: string) {
  const res = await planTemplatesWritableBy(tx, actor)
    .set({ updated_at: now })
    .where("plan_templates.id", "=", id)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw templateNotFound();
}

export async function addTemplateTask(
  ctx: AppContext,
  actor: AgentActor,
  templateId: string,
  body: TemplateTaskBody,
): Promise<Template> {
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    await touch(tx, actor, templateId, now);
    await checkForm(tx, actor, body.formId);
    const last = await templateTasksVisibleTo(tx, actor)
      .select((eb) => eb.fn.max("plan_template_tasks.position").as("p"))
      .where("plan_template_tasks.template_id", "=", templateId)
      .executeTakeFirst();
    await tx
      .insertInto("plan_template_tasks")
      .values({
        id: newId(),
        workspace_id: actor.workspaceId,
        template_id: templateId,
        position: Number(last?.p ?? 0) + 1,
        title: body.title.trim(),
        description: body.description ?? "",
        due_offset_days: body.dueOffsetDays ?? null,
        actor: body.actor ?? "customer",
        form_id: body.formId ?? null,
        portal_visible: body.portalVisible ?? true,
        created_at: now,
      })
      .execute();
  });
  return getTemplate(ctx, actor, templateId);
}

export async function updateTemplateTask(
  ctx: AppContext,
  actor: AgentActor,
  templateId: string,
  taskId: string,
  patch: TemplateTaskPatch,
): Promise<Template> {
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    await touch(tx, actor, templateId, now);
    await checkForm(tx, actor, patch.formId);
    const res = await templateTasksWritableBy(tx, actor)
      .set({
        ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.dueOffsetDays !== undefined ? { due_offset_days: patch.dueOffsetDays } : {}),
        ...(patch.actor !== undefined ? { actor: patch.actor } : {}),
        ...(patch.formId !== undefined ? { form_id: patch.formId } : {}),
        ...(patch.portalVisible !== undefined ? { portal_visible: patch.portalVisible } : {}),
      })
      .where("plan_template_tasks.id", "=", taskId)
      .where("plan_template_tasks.template_id", "=", templateId)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound("No such task.");
  });
  return getTemplate(ctx, actor, templateId);
}

export async function removeTemplateTask(
  ctx: AppContext,
  actor: AgentActor,
  templateId: string,
  taskId: string,
) {
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    await touch(tx, actor, templateId, now);
    const res = await templateTasksDeletableBy(tx, actor)
      .where("plan_template_tasks.id", "=", taskId)
      .where("plan_template_tasks.template_id", "=", templateId)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound("No such task.");
  });
  return getTemplate(ctx, actor, templateId);
}

/** Every task's id in the new order; anything else (missing, extra, another template's) is a 400. */
export async function reorderTemplateTasks(
  ctx: AppContext,
  actor: AgentActor,
  templateId: string,
  ids: string[],
) {
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    await touch(tx, actor, templateId, now);
    const rows = await templateTasksVisibleTo(tx, actor)
      .select("plan_template_tasks.id")
      .where("plan_template_tasks.template_id", "=", templateId)
      .execute();
    assertSameSet(
      rows.map((r) => r.id),
      ids,
    );
    for (const [i, id] of ids.entries()) {
      await templateTasksWritableBy(tx, actor)
        .set({ position: i + 1 })
        .where("plan_template_tasks.id", "=", id)
        .execute();
    }
  });
  return getTemplate(ctx, actor, templateId);
}

export function assertSameSet(existing: string[], ids: string[]) {
  const have = new Set(existing);
  if (ids.length !== have.size || new Set(ids).size !== ids.length || !ids.every((id) => have.has(id))) {
    throw validationFailed({ ids: "must list every task of it once, in the new order" });
  }
}

/** Moves one task a place up or down (the pages' buttons). */
export async function moveTemplateTask(
  ctx: AppContext,
  actor: AgentActor,
  templateId: string,
  taskId: string,
  by: -1 | 1,
) {
  const t = await getTemplate(ctx, actor, templateId);
  const ids = t.tasks.map((x) => x.id);
  const i = ids.indexOf(taskId);
  if (i < 0) throw notFound("No such task.");
  const j = i + by;
  if (j < 0 || j >= ids.length) return t;
  [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
  return reorderTemplateTasks(ctx, actor, templateId, ids);
}

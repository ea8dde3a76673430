import type { CustomerActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { CUSTOMER_TASK_COLUMNS, tasksVisibleTo } from "../onboarding/plan.access.ts";
import { formNamesOf, formResponsesVisibleTo } from "./form.access.ts";
import type { FormDue } from "./form.schemas.ts";

// The forms a signed-in customer is asked to complete: the forms of their company's visible
// customer tasks not yet submitted, soonest due first.

export async function formsDueFor(ctx: AppContext, actor: CustomerActor): Promise<FormDue[]> {
  const db = ctx.database.db;
  const tasks = await tasksVisibleTo(db, actor)
    .select(CUSTOMER_TASK_COLUMNS)
    .where("tasks.form_id", "is not", null)
    .where("tasks.actor", "=", "customer")
    .where("tasks.portal_status", "<>", "complete")
    .limit(100)
    .execute();
  if (!tasks.length) return [];
  const ids = tasks.map((t) => t.id);
  const [forms, responses] = await Promise.all([
    formNamesOf(
      db,
      actor,
      tasks.map((t) => t.form_id),
    ),
    formResponsesVisibleTo(db, actor)
      .select(["form_responses.task_id", "form_responses.status"])
      .where("form_responses.task_id", "in", ids)
      .execute(),
  ]);
  const now = ctx.now().toISOString();
  return tasks
    .filter((t) => !responses.some((r) => r.task_id === t.id && r.status === "submitted"))
    .map((t) => ({
      taskId: t.id,
      task: t.title,
      form: forms.get(t.form_id as string) ?? "Form",
      dueAt: t.due_at,
      overdue: t.due_at !== null && t.due_at < now,
      started: responses.some((r) => r.task_id === t.id && r.status === "draft"),
    }))
    .sort((a, b) => (a.dueAt ?? "9999").localeCompare(b.dueAt ?? "9999"));
}

import type { Actor } from "../actors.ts";
import { recordCompanyEvent } from "../companies/company.events.ts";
import type { Tx } from "../db/schema.ts";
import type { OnFormSubmit } from "../db/schema.work.ts";
import { tasksWritableBy } from "../onboarding/plan.access.ts";

// What submitting a task's form does to the task: the customer sees it complete at once; the
// team's side moves to done, or to review when the template asked for the team to look first.

export async function completeTaskByForm(
  tx: Tx,
  actor: Actor,
  task: { id: string; workspaceId: string; companyId: string; title: string; onFormSubmit: OnFormSubmit },
  form: string,
  at: string,
): Promise<void> {
  const done = task.onFormSubmit === "done";
  await tasksWritableBy(tx, actor)
    .set({
      portal_status: "complete",
      portal_complete: at,
      status: done ? "done" : "review",
      ...(done ? { completed_at: at } : {}),
      updated_at: at,
    })
    .where("tasks.id", "=", task.id)
    .execute();
  await recordCompanyEvent(tx, actor, {
    workspaceId: task.workspaceId,
    companyId: task.companyId,
    type: "form_submitted",
    data: { form, task: task.title, taskId: task.id },
    customerVisible: true,
    at,
  });
}

import { type Actor, type AgentActor, type CustomerActor, systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { isPostgres } from "../db/dialect.ts";
import type { Tx } from "../db/schema.ts";
import { conflict, type FieldErrors, forbidden, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { CUSTOMER_TASK_COLUMNS, tasksVisibleTo } from "../onboarding/plan.access.ts";
import { queueFormSubmitted } from "../webhooks/webhook-facts.ts";
import { resolveFileAnswers } from "./file-answers.ts";
import { formResponsesVisibleTo, formResponsesWritableBy, formsVisibleTo } from "./form.access.ts";
import type { Answers, FormField, FormResponseView, TaskFormView } from "./form.schemas.ts";
import { versionFields } from "./form.service.ts";
import { validateAnswers } from "./form.validate.ts";
import { applyAnswerProperties } from "./properties.ts";
import { completeTaskByForm } from "./task-progress.ts";

// A task's form as it is filled: one draft per task, shared by the company's contacts (resumable
// on another device), then submitted once. A task outside the actor's scope is the same 404 as
// one that does not exist; a customer reads the task through CUSTOMER_TASK_COLUMNS only.

export const taskFormNotFound = () => notFound("No such form to fill.");

type TaskRow = {
  id: string;
  company_id: string;
  actor: "team" | "customer";
  title: string;
  form_id: string | null;
  portal_assignee_contact_id: string | null;
};

async function taskOf(
  tx: Tx,
  actor: Actor,
  taskId: string,
  opts: { lock?: boolean } = {},
): Promise<TaskRow & { form_id: string }> {
  let q = tasksVisibleTo(tx, actor).select(CUSTOMER_TASK_COLUMNS).where("tasks.id", "=", taskId);
  // Two saves of one task at once wait for each other (PostgreSQL; SQLite runs one writer at a time).
  if (opts.lock && isPostgres(tx)) q = q.forUpdate();
  const task = await q.executeTakeFirst();
  if (!task?.form_id) throw taskFormNotFound();
  return task as TaskRow & { form_id: string };
}

async function responseOf(tx: Tx, actor: Actor, taskId: string) {
  return formResponsesVisibleTo(tx, actor)
    .select([
      "form_responses.id",
      "form_responses.form_id",
      "form_responses.form_version",
      "form_responses.status",
      "form_responses.answers",
      "form_responses.submitted_at",
      "form_responses.updated_at",
    ])
    .where("form_responses.task_id", "=", taskId)
    .orderBy("form_responses.created_at", "desc")
    .executeTakeFirst();
}

async function formOf(tx: Tx, actor: Actor, formId: string) {
  const form = await formsVisibleTo(tx, actor)
    .select(["forms.id", "forms.name", "forms.description", "forms.current_version"])
    .where("forms.id", "=", formId)
    .executeTakeFirst();
  if (!form) throw taskFormNotFound();
  return form;
}

/** The form of a task, with the draft or the answers given; the version is the one answered. */
export async function getTaskForm(
  ctx: AppContext,
  actor: Actor,
  taskId: string,
  db: Tx = ctx.database.db,
): Promise<TaskFormView> {
  const task = await taskOf(db, actor, taskId);
  const resp = await responseOf(db, actor, task.id);
  const form = await formOf(db, actor, resp?.form_id ?? task.form_id);
  // A draft of an older version moves to the current one; a submitted answer keeps its own.
  const version = resp?.status === "submitted" ? resp.form_version : form.current_version;
  const fields = await versionFields(db, actor, form.id, version);
  return {
    taskId: task.id,
    task: task.title,
    form: form.name,
    description: form.description,
    version,
    // Which company property an answer sets is the team's business: a customer reads the fields without it.
    fields: actor.kind === "customer" ? fields.map(({ property: _property, ...f }) => f) : fields,
    status: resp ? resp.status : "new",
    answers: resp ? (JSON.parse(resp.answers) as Answers) : {},
    submittedAt: resp?.submitted_at ?? null,
    updatedAt: resp?.updated_at ?? null,
    mayAnswer: mayAct(actor, task),
  };
}

/**
 * A task the customer acts on (never the team's own): its portal assignee, any contact of the
 * company when it has none, or a manager.
 */
function mayAct(actor: Actor, task: TaskRow): boolean {
  if (actor.kind === "agent") return true;
  if (actor.kind !== "customer" || task.actor !== "customer") return false;
  if (actor.scope === "company") return true;
  return task.portal_assignee_contact_id === null || task.portal_assignee_contact_id === actor.contactId;
}

function requireMayAct(actor: Actor, task: TaskRow) {
  if (actor.kind !== "agent" && actor.kind !== "customer") throw taskFormNotFound();
  if (!mayAct(actor, task)) throw forbidden("This form is assigned to someone else in your company.");
}

const contactIdOf = (actor: Actor) => (actor.kind === "customer" ? actor.contactId : null);

async function writeResponse(
  tx: Tx,
  actor: Actor,
  ws: string,
  task: TaskRow & { form_id: string },
  existingId: string | undefined,
  p: { version: number; status: "draft" | "submitted"; answers: Answers; at: string },
): Promise<string> {
  const values = {
    form_version: p.version,
    status: p.status,
    answers: JSON.stringify(p.answers),
    contact_id: contactIdOf(actor),
    submitted_at: p.status === "submitted" ? p.at : null,
    updated_at: p.at,
  };
  if (existingId) {
    await formResponsesWritableBy(tx, actor)
      .set(values)
      .where("form_responses.id", "=", existingId)
      .execute();
    return existingId;
  }
  const id = newId();
  await tx
    .insertInto("form_responses")
    .values({
      id,
      workspace_id: ws,
      form_id: task.form_id,
      company_id: task.company_id,
      task_id: task.id,
      ticket_id: null,
      created_at: p.at,
      ...values,
    })
    .execute();
  return id;
}

async function begin(tx: Tx, actor: AgentActor | CustomerActor, taskId: string) {
  const task = await taskOf(tx, actor, taskId, { lock: true });
  requireMayAct(actor, task);
  const resp = await responseOf(tx, actor, task.id);
  if (resp?.status === "submitted") throw conflict("already_submitted", "This form has already been sent.");
  const form = await formOf(tx, actor, task.form_id);
  const fields = await versionFields(tx, actor, form.id, form.current_version);
  return { task, resp, form, fields };
}

/** Every answer checked: the typed ones by their type, a file field's against the company's documents. */
async function checkAnswers(
  tx: Tx,
  actor: Actor,
  task: TaskRow,
  fields: FormField[],
  raw: Record<string, unknown>,
  opts: { draft?: boolean },
): Promise<{ answers: Answers; errors: FieldErrors | null }> {
  const typed = validateAnswers(
    fields.filter((f) => f.type !== "file"),
    raw,
    opts,
  );
  const files = await resolveFileAnswers(tx, actor, task.company_id, fields, raw, opts);
  const errors = { ...typed.errors, ...files.errors };
  // Answers keep the form's order, so the copy and the stored JSON read like the form.
  const all = { ...typed.answers, ...files.answers };
  const answers = Object.fromEntries(fields.filter((f) => f.key in all).map((f) => [f.key, all[f.key]]));
  return { answers: answers as Answers, errors: Object.keys(errors).length ? errors : null };
}

/** Saves what was typed so far: no field is required yet, and nothing moves. */
export async function saveTaskDraft(
  ctx: AppContext,
  actor: AgentActor | CustomerActor,
  taskId: string,
  raw: Record<string, unknown>,
): Promise<TaskFormView> {
  return ctx.database.db.transaction().execute(async (tx) => {
    const { task, resp, form, fields } = await begin(tx, actor, taskId);
    // Typed text is kept as typed; a document that is not the company's is refused outright.
    const { answers, errors } = await checkAnswers(tx, actor, task, fields, raw, { draft: true });
    if (errors) throw validationFailed(errors);
    const at = ctx.now().toISOString();
    await writeResponse(tx, actor, actor.workspaceId, task, resp?.id, {
      version: form.current_version,
      status: "draft",
      answers,
      at,
    });
    return getTaskForm(ctx, actor, taskId, tx);
  });
}

/**
 * Sends the answers: each field checked on the server (its error keyed by the field), the named
 * answers set on the company, the task moved on, and the company's timeline told.
 */
export async function submitTaskForm(
  ctx: AppContext,
  actor: AgentActor | CustomerActor,
  taskId: string,
  raw: Record<string, unknown>,
): Promise<TaskFormView> {
  return ctx.database.db.transaction().execute(async (tx) => {
    const { task, resp, form, fields } = await begin(tx, actor, taskId);
    const { answers, errors } = await checkAnswers(tx, actor, task, fields, raw, {});
    if (errors) throw validationFailed(errors);
    const at = ctx.now().toISOString();
    const id = await writeResponse(tx, actor, actor.workspaceId, task, resp?.id, {
      version: form.current_version,
      status: "submitted",
      answers,
      at,
    });
    await applyAnswerProperties(tx, actor, {
      workspaceId: actor.workspaceId,
      companyId: task.company_id,
      fields,
      answers,
      responseId: id,
      at,
    });
    // The team's choice of what follows, read as the workspace: it never reaches the customer.
    const team = await tasksVisibleTo(tx, systemActorIn("form submitted", actor.workspaceId))
      .select("tasks.on_form_submit")
      .where("tasks.id", "=", task.id)
      .executeTakeFirstOrThrow();
    await completeTaskByForm(
      tx,
      actor,
      {
        id: task.id,
        workspaceId: actor.workspaceId,
        companyId: task.company_id,
        title: task.title,
        onFormSubmit: team.on_form_submit,
      },
      form.name,
      at,
    );
    await queueFormSubmitted(ctx, tx, {
      workspaceId: actor.workspaceId,
      formId: form.id,
      formName: form.name,
      responseId: id,
      contactId: contactIdOf(actor),
      companyId: task.company_id,
      ticketId: null,
      taskId: task.id,
      at,
    });
    return getTaskForm(ctx, actor, taskId, tx);
  });
}

/** What an agent reads of an answer: the list and the single answer show the same. */
const RESPONSE_COLUMNS = [
  "form_responses.id",
  "form_responses.form_id",
  "form_responses.form_version",
  "form_responses.task_id",
  "form_responses.ticket_id",
  "form_responses.contact_id",
  "form_responses.status",
  "form_responses.answers",
  "form_responses.submitted_at",
  "form_responses.updated_at",
] as const;

/** The answers given by a company (its tasks' forms and its requests' extra fields). */
export async function listCompanyResponses(
  ctx: AppContext,
  actor: AgentActor,
  companyId: string,
): Promise<FormResponseView[]> {
  const db = ctx.database.db;
  const rows = await formResponsesVisibleTo(db, actor)
    .select(RESPONSE_COLUMNS)
    .where("form_responses.company_id", "=", companyId)
    .orderBy("form_responses.updated_at", "desc")
    .limit(200)
    .execute();
  return Promise.all(rows.map((r) => responseView(db, actor, r)));
}

export async function getResponse(ctx: AppContext, actor: AgentActor, id: string): Promise<FormResponseView> {
  const db = ctx.database.db;
  const r = await formResponsesVisibleTo(db, actor)
    .select(RESPONSE_COLUMNS)
    .where("form_responses.id", "=", id)
    .executeTakeFirst();
  if (!r) throw notFound("No such answer.");
  return responseView(db, actor, r);
}

async function responseView(
  db: Tx,
  actor: AgentActor,
  r: {
    id: string;
    form_id: string;
    form_version: number;
    task_id: string | null;
    ticket_id: string | null;
    contact_id: string | null;
    status: "draft" | "submitted";
    answers: string;
    submitted_at: string | null;
    updated_at: string;
  },
): Promise<FormResponseView> {
  const form = await formOf(db, actor, r.form_id);
  const contact = r.contact_id
    ? await contactsVisibleTo(db, actor)
        .select(["contacts.id", "contacts.name"])
        .where("contacts.id", "=", r.contact_id)
        .executeTakeFirst()
    : undefined;
  return {
    id: r.id,
    formId: r.form_id,
    form: form.name,
    version: r.form_version,
    fields: await versionFields(db, actor, r.form_id, r.form_version),
    taskId: r.task_id,
    ticketId: r.ticket_id,
    contact: contact ?? null,
    status: r.status,
    answers: JSON.parse(r.answers) as Answers,
    submittedAt: r.submitted_at,
    updatedAt: r.updated_at,
  };
}

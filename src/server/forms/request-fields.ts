import { type Actor, type AgentActor, visitorOf } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { formsVisibleTo, ticketFieldsVisibleTo } from "./form.access.ts";
import type { FormField } from "./form.schemas.ts";
import { versionFields } from "./form.service.ts";
import { answerText, validateAnswers } from "./form.validate.ts";

// A request's extra fields: the live form of its request type adds fields to the public submit
// form. The answers are checked like any form's (errors keyed "fields.<key>", where the body
// holds them), kept as a form answer of the ticket, and each as a row of ticket_fields, which
// the agents' ticket page shows and the queue filters on.

export interface RequestForm {
  type: string;
  formId: string;
  name: string;
  description: string;
  version: number;
  fields: FormField[];
}

/** The live forms that extend request types, as anyone on the workspace's portal may read them. */
export async function requestForms(ctx: AppContext, workspaceId: string, db: Tx = ctx.database.db) {
  const actor = visitorOf(workspaceId);
  const rows = await formsVisibleTo(db, actor)
    .select(["forms.id", "forms.name", "forms.description", "forms.request_type", "forms.current_version"])
    .orderBy("forms.request_type")
    .execute();
  const out: RequestForm[] = [];
  for (const r of rows) {
    if (!r.request_type) continue;
    const fields = await versionFields(db, actor, r.id, r.current_version);
    if (!fields.length) continue;
    out.push({
      type: r.request_type,
      formId: r.id,
      name: r.name,
      description: r.description,
      version: r.current_version,
      fields,
    });
  }
  return out;
}

/** Inside the submission's transaction, after the ticket is made: check, then store the answers. */
export async function saveRequestFields(
  ctx: AppContext,
  tx: Tx,
  p: {
    workspaceId: string;
    type: string;
    ticketId: string;
    companyId: string | null;
    contactId: string;
    raw: Record<string, unknown>;
    at: string;
  },
): Promise<void> {
  const form = (await requestForms(ctx, p.workspaceId, tx)).find((f) => f.type === p.type);
  if (!form) return;
  const { answers, errors } = validateAnswers(form.fields, p.raw);
  if (errors)
    throw validationFailed(Object.fromEntries(Object.entries(errors).map(([k, v]) => [`fields.${k}`, v])));
  await tx
    .insertInto("form_responses")
    .values({
      id: newId(),
      workspace_id: p.workspaceId,
      form_id: form.formId,
      form_version: form.version,
      company_id: p.companyId,
      task_id: null,
      ticket_id: p.ticketId,
      contact_id: p.contactId,
      status: "submitted",
      answers: JSON.stringify(answers),
      submitted_at: p.at,
      created_at: p.at,
      updated_at: p.at,
    })
    .execute();
  const rows = form.fields
    .filter((f) => answers[f.key] !== undefined && answerText(f, answers[f.key]) !== "")
    .map((f) => ({
      ticket_id: p.ticketId,
      key: f.key,
      workspace_id: p.workspaceId,
      label: f.label,
      value: answerText(f, answers[f.key]).slice(0, 2000),
    }));
  if (rows.length) await tx.insertInto("ticket_fields").values(rows).execute();
}

export interface TicketFieldView {
  key: string;
  label: string;
  value: string;
}

/** A ticket's extra fields, for whoever sees the ticket. */
export async function ticketFieldsOf(
  ctx: AppContext,
  actor: Actor,
  ticketId: string,
): Promise<TicketFieldView[]> {
  return ticketFieldsVisibleTo(ctx.database.db, actor)
    .select(["ticket_fields.key", "ticket_fields.label", "ticket_fields.value"])
    .where("ticket_fields.ticket_id", "=", ticketId)
    .orderBy("ticket_fields.label")
    .execute();
}

/** The keys and labels agents may filter the queue by: every live request form's fields. */
export async function filterableFields(ctx: AppContext, actor: AgentActor) {
  const forms = await requestForms(ctx, actor.workspaceId);
  return forms.flatMap((f) => f.fields.map((x) => ({ key: x.key, label: x.label, type: f.type })));
}

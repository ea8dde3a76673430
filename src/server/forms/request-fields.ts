import { type Actor, type AgentActor, visitorOf } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { PreparedRead, readOne } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { AppError, validationFailed } from "../errors.ts";
import { claimUploads } from "../files/file.service.ts";
import { newId } from "../ids.ts";
import { queueFormSubmitted } from "../webhooks/webhook-facts.ts";
import { formsVisibleTo, formVersionsVisibleTo, ticketFieldsVisibleTo } from "./form.access.ts";
import type { FormField } from "./form.schemas.ts";
import { formNotFound, parseFields, versionFields } from "./form.service.ts";
import { answerText, validateAnswers } from "./form.validate.ts";

// A request's extra fields: the live form of its request type adds fields to the public submit
// form. The answers are checked like any form's (errors keyed "fields.<key>", where the body
// holds them), kept as a form answer of the ticket, and each as a row of ticket_fields, which
// the agents' ticket page shows and the queue filters on.

const ATTACHED = "attached";

export interface RequestForm {
  type: string;
  formId: string;
  name: string;
  description: string;
  version: number;
  fields: FormField[];
}

const requestFormRows = (db: Tx, workspaceId: string) =>
  formsVisibleTo(db, visitorOf(workspaceId))
    .select(["forms.id", "forms.name", "forms.description", "forms.request_type", "forms.current_version"])
    .orderBy("forms.request_type");

// Every submit page and submission reads them: prepared, outside any transaction.
const REQUEST_FORM_ROWS = new PreparedRead(["workspaceId"], (db, p) => requestFormRows(db, p.workspaceId));
const REQUEST_FORM_FIELDS = new PreparedRead(["workspaceId", "formId", "version"], (db, p) =>
  formVersionsVisibleTo(db, visitorOf(p.workspaceId))
    .select("form_versions.fields")
    .where("form_versions.form_id", "=", p.formId)
    .where("form_versions.version", "=", p.version),
);

/**
 * The live forms that extend request types, as anyone on the workspace's portal may read them;
 * given a transaction, read in it.
 */
export async function requestForms(ctx: AppContext, workspaceId: string, tx?: Tx) {
  const actor = visitorOf(workspaceId);
  const database = ctx.database;
  const rows = tx
    ? await requestFormRows(tx, workspaceId).execute()
    : await readOne(database, REQUEST_FORM_ROWS.bind(database, { workspaceId }));
  const out: RequestForm[] = [];
  for (const r of rows) {
    if (!r.request_type) continue;
    let fields: FormField[];
    if (tx) fields = await versionFields(tx, actor, r.id, r.current_version);
    else {
      const [version] = await readOne(
        database,
        REQUEST_FORM_FIELDS.bind(database, { workspaceId, formId: r.id, version: r.current_version }),
      );
      if (!version) throw formNotFound();
      fields = parseFields(version.fields);
    }
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
    /** How many files the request itself carries. */
    attachments: number;
    at: string;
    /** The workspace's request forms, when the caller read them already (requestForms). */
    forms?: RequestForm[] | undefined;
  },
): Promise<void> {
  const form = (p.forms ?? (await requestForms(ctx, p.workspaceId, tx))).find((f) => f.type === p.type);
  if (!form) return;
  // A file field takes an upload key (the upload route's), or the request's own files.
  const files = form.fields.filter((f) => f.type === "file");
  const raw = { ...p.raw };
  for (const f of files) if (raw[f.key] === undefined && p.attachments > 0) raw[f.key] = ATTACHED;
  const { answers, errors } = validateAnswers(form.fields, raw);
  const named = (e: Record<string, string>) =>
    Object.fromEntries(Object.entries(e).map(([k, v]) => [`fields.${k}`, v]));
  if (errors) throw validationFailed(named(errors));
  for (const f of files) {
    const key = answers[f.key];
    if (typeof key !== "string") continue;
    if (key !== ATTACHED) {
      try {
        await claimUploads(
          ctx,
          tx,
          { kind: "public" },
          { workspaceId: p.workspaceId, ticketId: p.ticketId, commentId: null },
          [key],
          1,
        );
      } catch (err) {
        if (err instanceof AppError && err.status < 500)
          throw validationFailed(named({ [f.key]: "was not found, has expired or is already attached" }));
        throw err;
      }
    }
    answers[f.key] = "Attached to the request";
  }
  const responseId = newId();
  await tx
    .insertInto("form_responses")
    .values({
      id: responseId,
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
  await queueFormSubmitted(ctx, tx, {
    workspaceId: p.workspaceId,
    formId: form.formId,
    formName: form.name,
    responseId,
    contactId: p.contactId,
    companyId: p.companyId,
    ticketId: p.ticketId,
    taskId: null,
    at: p.at,
  });
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

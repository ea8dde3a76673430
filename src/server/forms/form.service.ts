import { isDeepStrictEqual } from "node:util";
import type { Actor, AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { conflict, forbidden, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { formsVisibleTo, formsWritableBy, formVersionsVisibleTo } from "./form.access.ts";
import type {
  CreateFormBody,
  FormDetail,
  FormField,
  FormPatch,
  FormSummary,
  FormVersionView,
} from "./form.schemas.ts";
import { checkFields } from "./form.validate.ts";

// The form builder's operations: admins create and change forms; a change of the fields is a new
// version (answers keep the version they answered), a change of the name alone is not.

export const formNotFound = () => notFound("No such form.");

function requireAdmin(actor: AgentActor) {
  if (actor.role !== "admin") throw forbidden("Only admins change forms.");
}

type FormRow = {
  id: string;
  name: string;
  description: string;
  request_type: string | null;
  current_version: number;
  archived_at: string | null;
  updated_at: string;
};

const COLUMNS = [
  "forms.id",
  "forms.name",
  "forms.description",
  "forms.request_type",
  "forms.current_version",
  "forms.archived_at",
  "forms.updated_at",
] as const;

const summaryOf = (r: FormRow): FormSummary => ({
  id: r.id,
  name: r.name,
  description: r.description,
  requestType: r.request_type,
  version: r.current_version,
  archived: r.archived_at !== null,
  updatedAt: r.updated_at,
});

export const parseFields = (json: string): FormField[] => JSON.parse(json) as FormField[];

/** The fields of one version of a form the actor sees; a 404 otherwise. */
export async function versionFields(db: Tx, actor: Actor, formId: string, version: number) {
  const row = await formVersionsVisibleTo(db, actor)
    .select("form_versions.fields")
    .where("form_versions.form_id", "=", formId)
    .where("form_versions.version", "=", version)
    .executeTakeFirst();
  if (!row) throw formNotFound();
  return parseFields(row.fields);
}

export async function listForms(
  ctx: AppContext,
  actor: AgentActor,
  opts: { archived?: boolean } = {},
): Promise<FormSummary[]> {
  let q = formsVisibleTo(ctx.database.db, actor).select(COLUMNS).orderBy("forms.name").orderBy("forms.id");
  if (!opts.archived) q = q.where("forms.archived_at", "is", null);
  return (await q.execute()).map(summaryOf);
}

export async function getForm(ctx: AppContext, actor: Actor, id: string, db: Tx = ctx.database.db) {
  const row = await formsVisibleTo(db, actor).select(COLUMNS).where("forms.id", "=", id).executeTakeFirst();
  if (!row) throw formNotFound();
  const fields = await versionFields(db, actor, row.id, row.current_version);
  return { ...summaryOf(row), fields } satisfies FormDetail;
}

export async function listVersions(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
): Promise<FormVersionView[]> {
  await getForm(ctx, actor, id);
  const rows = await formVersionsVisibleTo(ctx.database.db, actor)
    .select(["form_versions.version", "form_versions.fields", "form_versions.created_at"])
    .where("form_versions.form_id", "=", id)
    .orderBy("form_versions.version", "desc")
    .execute();
  return rows.map((r) => ({ version: r.version, fields: parseFields(r.fields), createdAt: r.created_at }));
}

function checkDefinition(fields: FormField[] | undefined) {
  const errors = fields ? checkFields(fields) : null;
  if (errors) throw validationFailed(errors);
}

/** One live form per request type: it is the extra part of that type's submit form. */
async function requireTypeFree(tx: Tx, actor: AgentActor, type: string | null | undefined, except?: string) {
  if (!type) return;
  let q = formsVisibleTo(tx, actor)
    .select("forms.id")
    .where("forms.request_type", "=", type)
    .where("forms.archived_at", "is", null);
  if (except) q = q.where("forms.id", "<>", except);
  if (await q.executeTakeFirst())
    throw conflict("request_type_taken", "Another live form already extends this request type.", {
      requestType: "already has a live form",
    });
}

async function insertVersion(
  tx: Tx,
  actor: AgentActor,
  formId: string,
  version: number,
  fields: FormField[],
  at: string,
) {
  await tx
    .insertInto("form_versions")
    .values({
      form_id: formId,
      version,
      workspace_id: actor.workspaceId,
      fields: JSON.stringify(fields),
      created_by_agent_id: actor.agentId,
      created_at: at,
    })
    .execute();
}

export async function createForm(
  ctx: AppContext,
  actor: AgentActor,
  body: CreateFormBody,
): Promise<FormDetail> {
  requireAdmin(actor);
  checkDefinition(body.fields);
  const id = newId();
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    await requireTypeFree(tx, actor, body.requestType);
    await tx
      .insertInto("forms")
      .values({
        id,
        workspace_id: actor.workspaceId,
        name: body.name.trim(),
        description: body.description ?? "",
        request_type: body.requestType ?? null,
        current_version: 1,
        archived_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await insertVersion(tx, actor, id, 1, body.fields ?? [], now);
  });
  return getForm(ctx, actor, id);
}

/** Changes a form; new fields make a new version, so answers already given keep theirs. */
export async function updateForm(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: FormPatch,
): Promise<FormDetail> {
  requireAdmin(actor);
  checkDefinition(patch.fields);
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    const current = await getForm(ctx, actor, id, tx);
    const archived = patch.archived ?? current.archived;
    const type = patch.requestType !== undefined ? patch.requestType : current.requestType;
    if (!archived) await requireTypeFree(tx, actor, type, id);
    let version = current.version;
    if (patch.fields && !isDeepStrictEqual(patch.fields, current.fields)) {
      version += 1;
      await insertVersion(tx, actor, id, version, patch.fields, now);
    }
    await formsWritableBy(tx, actor)
      .set({
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        request_type: type,
        current_version: version,
        ...(archived === current.archived ? {} : { archived_at: archived ? now : null }),
        updated_at: now,
      })
      .where("forms.id", "=", id)
      .execute();
  });
  return getForm(ctx, actor, id);
}

import type { Actor } from "../actors.ts";
import type { Tx } from "../db/schema.ts";
import { documentsVisibleTo } from "../documents/document.access.ts";
import type { FieldErrors } from "../errors.ts";
import type { Answers, FormField } from "./form.schemas.ts";

// A task form's file field is answered with one of the company's documents: the customer uploads
// it (the fill page, or the documents API) and the answer names it. The id posted is never taken
// on trust: it must be a document of the task's company that the actor sees, else the field's error.

export const FILE_MISSING = "is required: attach the file with “Upload”";
const NOT_A_DOCUMENT = "must be one of your company's documents: upload the file again";

/** The document id of a posted answer: `{ documentId }` (the API) or the id alone (the page). */
export function postedDocumentId(v: unknown): string | undefined {
  const id =
    typeof v === "string"
      ? v
      : v && typeof v === "object" && "documentId" in v
        ? (v as { documentId: unknown }).documentId
        : undefined;
  return typeof id === "string" && id.trim() !== "" ? id.trim().slice(0, 64) : undefined;
}

/** The document id of a stored answer, if it is a document answer. */
export function answerDocumentId(v: Answers[string] | undefined): string | undefined {
  return v && typeof v === "object" && !Array.isArray(v) && "documentId" in v ? v.documentId : undefined;
}

/**
 * The file fields' answers as `{ documentId, name }` (name: the document's title, what the copy
 * and a company property show). A draft leaves a missing file out; a submit requires it.
 */
export async function resolveFileAnswers(
  tx: Tx,
  actor: Actor,
  companyId: string,
  fields: FormField[],
  raw: Record<string, unknown>,
  opts: { draft?: boolean } = {},
): Promise<{ answers: Answers; errors: FieldErrors }> {
  const answers: Answers = {};
  const errors: FieldErrors = {};
  const wanted = new Map<string, string>();
  for (const f of fields) {
    if (f.type !== "file") continue;
    const id = postedDocumentId(raw[f.key]);
    if (id) wanted.set(f.key, id);
    else if (f.required && !opts.draft) errors[f.key] = FILE_MISSING;
  }
  if (!wanted.size) return { answers, errors };
  const docs = await documentsVisibleTo(tx, actor)
    .select(["documents.id", "documents.title"])
    .where("documents.company_id", "=", companyId)
    .where("documents.deleted_at", "is", null)
    // The customer keeps a copy of the answers: a team's unpublished draft is never one of them.
    .where("documents.status", "=", "published")
    .where("documents.id", "in", [...new Set(wanted.values())])
    .execute();
  for (const [key, id] of wanted) {
    const doc = docs.find((d) => d.id === id);
    if (doc) answers[key] = { documentId: doc.id, name: doc.title };
    else errors[key] = NOT_A_DOCUMENT;
  }
  return { answers, errors };
}

import type { FastifyRequest } from "fastify";
import type { CustomerActor } from "../../actors.ts";
import type { AppContext } from "../../context.ts";
import { companyOf } from "../../documents/document.read.ts";
import type { DocumentView } from "../../documents/document.schemas.ts";
import { uploadDocument, uploadVersion } from "../../documents/document.service.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { answerDocumentId } from "../../forms/file-answers.ts";
import type { FormField, TaskFormView } from "../../forms/form.schemas.ts";
import { saveTaskDraft } from "../../forms/response.service.ts";
import { type MultipartFile, multipartFileOf } from "../shared/multipart-upload.ts";
import { answersFromBody, inputName } from "./form-fields.views.ts";

// A file field of a task's form, answered on the fill page without JavaScript: its "Upload"
// button posts the whole form as multipart. The file becomes a company document (folder
// "Onboarding", titled by the field's label, with the documents' own limits and sniffing), and
// the draft is saved with it and every other answer posted, so the customer loses nothing typed.

export const FORM_FILES_FOLDER = "Onboarding";

export type UploadOutcome =
  | { kind: "submitted" }
  | { kind: "done"; done: "uploaded" | "saved"; anchor: string }
  | {
      kind: "failed";
      status: number;
      errors?: FieldErrors;
      notice?: string;
      answers: TaskFormView["answers"];
      headers?: Record<string, string>;
    };

/** The typed answers posted, to show again beside an error. */
const postedAnswers = (f: TaskFormView, body: unknown): TaskFormView["answers"] =>
  Object.fromEntries(
    Object.entries(answersFromBody(f.fields, body)).filter(
      ([k, v]) =>
        (typeof v === "string" || Array.isArray(v)) &&
        !f.fields.some((x) => x.key === k && x.type === "file"),
    ),
  ) as TaskFormView["answers"];

/**
 * A replacement is a new version of the document already attached, so the company keeps one
 * document per answer with its history (and the answer's id stays put). A document the customer
 * may not add versions to (a team deliverable, one since deleted) gets a new document instead.
 */
async function storeFile(
  ctx: AppContext,
  actor: CustomerActor,
  field: FormField,
  current: string | undefined,
  file: MultipartFile,
): Promise<DocumentView> {
  const companyId = companyOf(actor);
  const input = { name: file.name, body: file.stream, declaredLength: undefined };
  if (current) {
    try {
      return await uploadVersion(ctx, actor, companyId, current, input);
    } catch (err) {
      // Both are refused before the file is read: the stream is still whole for a new document.
      if (!(err instanceof AppError && (err.status === 404 || err.status === 403))) throw err;
    }
  }
  return uploadDocument(ctx, actor, companyId, { ...input, title: field.label, folder: FORM_FILES_FOLDER });
}

export async function uploadFormFile(
  ctx: AppContext,
  req: FastifyRequest,
  actor: CustomerActor,
  f: TaskFormView,
): Promise<UploadOutcome> {
  const file = multipartFileOf(req);
  const failed = (
    status: number,
    more: Omit<Extract<UploadOutcome, { kind: "failed" }>, "kind" | "status" | "answers">,
  ) => {
    // The rest of the file is read and dropped, unless the answer closes the connection (too large).
    if (more.headers?.connection !== "close") file?.stream.resume();
    return { kind: "failed" as const, status, answers: postedAnswers(f, req.body), ...more };
  };
  if (f.status === "submitted") {
    file?.stream.resume();
    return { kind: "submitted" };
  }
  if (!f.mayAnswer) return failed(403, { notice: "This form is assigned to someone else in your company." });
  const field = file && f.fields.find((x) => x.type === "file" && `f_${x.key}` === file.field);
  if (file && !field)
    return failed(400, { notice: "The form could not be read. Reload the page and try again." });
  let documentId: string | undefined;
  if (file && field) {
    try {
      documentId = (await storeFile(ctx, actor, field, answerDocumentId(f.answers[field.key]), file)).id;
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.status !== 404) {
        return failed(err.status, {
          errors: { [field.key]: `was refused: ${err.message}` },
          ...(err.headers ? { headers: err.headers } : {}),
        });
      }
      throw err;
    }
    // The answers after the file input arrive once its bytes were read.
    await file.finished;
  }
  // No file chosen ("Upload" pressed empty, or Enter in a text box): the answers are saved.
  const raw = answersFromBody(f.fields, req.body);
  if (field && documentId) raw[field.key] = documentId;
  try {
    await saveTaskDraft(ctx, actor, f.taskId, raw);
  } catch (err) {
    if (err instanceof AppError && err.status === 409) return { kind: "submitted" };
    if (err instanceof AppError && err.status < 500 && err.status !== 404) {
      return failed(err.status, err.fields ? { errors: err.fields } : { notice: err.message });
    }
    throw err;
  }
  return field
    ? { kind: "done", done: "uploaded", anchor: inputName(field.key) }
    : { kind: "done", done: "saved", anchor: "" };
}

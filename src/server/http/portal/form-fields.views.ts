import type { FieldErrors } from "../../errors.ts";
import { ALLOWED_SUMMARY } from "../../files/file.sniff.ts";
import { answerDocumentId } from "../../forms/file-answers.ts";
import type { Answers, FormField } from "../../forms/form.schemas.ts";
import { answerText } from "../../forms/form.validate.ts";
import { type Translator, translatorFor } from "../../i18n/translator.ts";
import type { Labels } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import { customerErrorSummary, customerFieldError } from "../shared/customer.layout.ts";

// A form's fields as a page shows them: the portal's fill page and the builder's preview use
// this one rendering. Each input is named q_<key> (apart from the page's own fields), and its
// error is shown beside it and in the summary, linked by id.

export const inputName = (key: string) => `q_${key}`;

/** The agents' pages (the builder's preview, the answers) are in English; the portal passes its reader's. */
const ENGLISH = translatorFor("en");

/** The file input of a field: its answer is a document uploaded by the file's own button. */
export const fileInputName = (key: string) => `f_${key}`;

/**
 * Where a task form's file is uploaded (the fill form's "Upload" button posts the whole form
 * there as multipart) and where a document answer links to. Without it a file field only says
 * how to send the file (the request form, the builder's preview).
 */
export interface FileUploads {
  action: string;
  href: (documentId: string) => string;
}

/** The labels of the error summary, by input name. */
export const fieldLabels = (fields: FormField[]): Labels =>
  Object.fromEntries(fields.map((f) => [inputName(f.key), f.label]));

/** Errors keyed by field key (the API's) keyed by input name instead (the page's). */
export const pageErrors = (errors: FieldErrors | undefined): FieldErrors | undefined =>
  errors ? Object.fromEntries(Object.entries(errors).map(([k, v]) => [inputName(k), v])) : undefined;

/** The answers of a posted page, by field key: text, or a list for several choices. */
export function answersFromBody(fields: FormField[], body: unknown): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = b[inputName(f.key)];
    // A file field posts the id of its document (a hidden input); the service checks it.
    if (v === undefined) continue;
    if (f.type === "multiple_choice") out[f.key] = Array.isArray(v) ? v : [v];
    else if (typeof v === "string") out[f.key] = v.replace(/\r\n/g, "\n");
  }
  return out;
}

const textOf = (v: Answers[string] | undefined): string =>
  v === undefined || v === null || typeof v === "object" ? "" : String(v);

function described(f: FormField, errors: FieldErrors | undefined, required = true): Html {
  const id = inputName(f.key);
  const ids = [...(f.help ? [`${id}-help`] : []), ...(errors?.[id] ? [`${id}-error`] : [])];
  return html`${ids.length ? html` aria-describedby="${ids.join(" ")}"` : ""}${errors?.[id] ? html` aria-invalid="true"` : ""}${required && f.required ? html` aria-required="true"` : ""}`;
}

const optional = (f: FormField, t: Translator) =>
  f.required ? "" : html` <span class="optional">${t.t("work:optional")}</span>`;
const help = (f: FormField) =>
  f.help ? html`<p class="hint" id="${inputName(f.key)}-help">${multiline(f.help)}</p>` : "";

function input(
  f: FormField,
  v: Answers[string] | undefined,
  errors: FieldErrors | undefined,
  disabled: boolean,
): Html {
  const id = inputName(f.key);
  const off = disabled ? html` disabled` : "";
  const attrs = html`${described(f, errors)}${off}`;
  const lengths = f.maxLength ? html` maxlength="${f.maxLength}"` : "";
  switch (f.type) {
    case "long_text":
      return html`<textarea id="${id}" name="${id}" rows="5"${lengths}${attrs}>${textOf(v)}</textarea>`;
    case "email":
      return html`<input id="${id}" name="${id}" type="email" autocomplete="email" spellcheck="false" value="${textOf(v)}"${attrs}>`;
    case "number":
      return html`<input id="${id}" name="${id}" type="number" inputmode="decimal" step="any"${f.min !== undefined ? html` min="${f.min}"` : ""}${f.max !== undefined ? html` max="${f.max}"` : ""} value="${textOf(v)}"${attrs}>`;
    case "date":
      return html`<input id="${id}" name="${id}" type="date" value="${textOf(v)}"${attrs}>`;
    default:
      return html`<input id="${id}" name="${id}" type="text" value="${textOf(v)}"${lengths}${attrs}>`;
  }
}

function choices(
  f: FormField,
  v: Answers[string] | undefined,
  errors: FieldErrors | undefined,
  disabled: boolean,
  t: Translator,
): Html {
  const id = inputName(f.key);
  const many = f.type === "multiple_choice";
  const chosen = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  // A radio group may say it is required; a group of checkboxes says so in its legend alone.
  return html`<fieldset class="field choices" id="${id}" role="${many ? "group" : "radiogroup"}"${described(f, errors, !many)}>
  <legend>${bdi(f.label)}${optional(f, t)}</legend>
  ${help(f)}
  ${(f.options ?? []).map(
    (o, i) =>
      html`<div class="check"><input id="${id}-${i}" name="${id}" type="${many ? "checkbox" : "radio"}" value="${o}"${chosen.includes(o) ? html` checked` : ""}${disabled ? html` disabled` : ""}><label for="${id}-${i}">${bdi(o)}</label></div>`,
  )}
  ${customerFieldError(t, errors, id, fieldLabelsOf(f))}
</fieldset>`;
}

const fieldLabelsOf = (f: FormField): Labels => ({ [inputName(f.key)]: f.label });

/** A task form's file field: the document attached so far, and a file input with its own button. */
function fileAnswer(
  f: FormField,
  v: Answers[string] | undefined,
  errors: FieldErrors | undefined,
  disabled: boolean,
  uploads: FileUploads,
  t: Translator,
): Html {
  const id = inputName(f.key);
  const documentId = answerDocumentId(v);
  const name = documentId && typeof v === "object" && v && "name" in v ? v.name : "";
  const current = documentId
    ? html`<p class="file-current" id="${id}-current">${t.t("work:form.attached")} <a href="${uploads.href(documentId)}">${bdi(name)}</a></p>
  <input type="hidden" name="${id}" value="${documentId}">`
    : "";
  if (disabled) {
    return html`<div class="field file-answer"><p class="label-like"><strong>${bdi(f.label)}</strong>${optional(f, t)}</p>${help(f)}${current || html`<p class="meta">${t.t("work:form.noFile")}</p>`}</div>`;
  }
  const button = documentId ? t.t("work:form.replace") : t.t("work:form.upload");
  const ids = [
    ...(f.help ? [`${id}-help`] : []),
    ...(documentId ? [`${id}-current`] : []),
    `${id}-types`,
    ...(errors?.[id] ? [`${id}-error`] : []),
  ];
  return html`<div class="field file-answer"${errors?.[id] ? html` data-invalid` : ""}>
  <label for="${id}">${bdi(f.label)}${optional(f, t)}</label>
  ${help(f)}
  ${current}
  <p class="hint" id="${id}-types">${t.t("work:form.fileHint", { types: ALLOWED_SUMMARY, button: button })}</p>
  <div class="file-upload">
    <input id="${id}" name="${fileInputName(f.key)}" type="file" aria-describedby="${ids.join(" ")}"${errors?.[id] ? html` aria-invalid="true"` : ""}${f.required && !documentId ? html` aria-required="true"` : ""}>
    <button type="submit" formaction="${uploads.action}" formenctype="multipart/form-data" formnovalidate aria-label="${button} ${f.label}">${button}</button>
  </div>
  ${customerFieldError(t, errors, id, fieldLabelsOf(f))}
</div>`;
}

/** One field with its label, help and error. */
export function formFieldHtml(
  f: FormField,
  v: Answers[string] | undefined,
  errors: FieldErrors | undefined,
  disabled = false,
  uploads?: FileUploads,
  t: Translator = ENGLISH,
): Html {
  const id = inputName(f.key);
  if (f.type === "single_choice" || f.type === "multiple_choice") return choices(f, v, errors, disabled, t);
  if (f.type === "file" && uploads) return fileAnswer(f, v, errors, disabled, uploads, t);
  // A file goes through the upload route like any attachment: the page says where to send it.
  if (f.type === "file") {
    return html`<div class="field file-request" id="${id}">
  <p class="label-like"><strong>${bdi(f.label)}</strong>${optional(f, t)}</p>
  ${help(f)}
  <p class="hint">${t.t("work:form.fileElsewhere")}</p>
  ${customerFieldError(t, errors, id, fieldLabelsOf(f))}
</div>`;
  }
  if (f.type === "checkbox") {
    return html`<div class="field check"${errors?.[id] ? html` data-invalid` : ""}>
  <input id="${id}" name="${id}" type="checkbox" value="1"${v === true ? html` checked` : ""}${described(f, errors)}${disabled ? html` disabled` : ""}>
  <label for="${id}">${bdi(f.label)}${optional(f, t)}</label>
  ${help(f)}
  ${customerFieldError(t, errors, id, fieldLabelsOf(f))}
</div>`;
  }
  return html`<div class="field">
  <label for="${id}">${bdi(f.label)}${optional(f, t)}</label>
  ${help(f)}
  ${input(f, v, errors, disabled)}
  ${customerFieldError(t, errors, id, fieldLabelsOf(f))}
</div>`;
}

/** Every field of a form, with the summary of what needs fixing first. */
export function formFieldsHtml(
  fields: FormField[],
  answers: Answers,
  apiErrors: FieldErrors | undefined,
  disabled = false,
  uploads?: FileUploads,
  t: Translator = ENGLISH,
): Html {
  const errors = pageErrors(apiErrors);
  const heading = errors ? t.t("work:form.problems", { count: Object.keys(errors).length }) : undefined;
  return html`${customerErrorSummary(t, errors, heading, fieldLabels(fields))}${fields.map((f) => formFieldHtml(f, answers[f.key], errors, disabled, uploads, t))}`;
}

/**
 * The answers sent, as a list of facts: the copy the customer keeps, and the agents' view. A
 * document answer links to `documentHref` (the portal's download, the company's documents page).
 */
export function answersList(
  fields: FormField[],
  answers: Answers,
  documentHref?: (documentId: string) => string,
  t: Translator = ENGLISH,
): Html {
  const value = (f: FormField) => {
    const v = answers[f.key];
    if (v === undefined || v === "") return html`<span class="meta">${t.t("work:form.noAnswer")}</span>`;
    const documentId = answerDocumentId(v);
    if (documentId && documentHref)
      return html`<a href="${documentHref(documentId)}">${bdi(answerText(f, v))}</a>`;
    return multiline(answerText(f, v));
  };
  return html`<dl class="facts form-answers">${fields.map((f) => html`<div><dt>${bdi(f.label)}</dt><dd>${value(f)}</dd></div>`)}</dl>`;
}

import { TICKET_TYPES } from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import type { FormField } from "../../forms/form.schemas.ts";
import type { RequestForm } from "../../forms/request-fields.ts";
import type { Translator } from "../../i18n/translator.ts";
import { type Html, html, multiline } from "../../web/html.ts";
import { answersFromBody, formFieldHtml } from "../portal/form-fields.views.ts";
import { typeLabel } from "./submit.views.ts";

// The submit form's extra fields, one group per request type that has a live form. Without
// JavaScript every group shows under its type's name and only the chosen type's is read; with it,
// portal.js shows the chosen type's group alone. Each group's keys carry its type's number, so two
// types may use the same key.

const group = (type: string) => `t${TICKET_TYPES.indexOf(type as (typeof TICKET_TYPES)[number])}__`;
const inGroup = (form: RequestForm): FormField[] =>
  form.fields.map((f) => ({ ...f, key: `${group(form.type)}${f.key}` }));

/** The answers of the chosen type's group, by the field's own key. */
export function requestFieldsFromBody(
  forms: RequestForm[],
  type: string,
  body: unknown,
): Record<string, unknown> | undefined {
  const form = forms.find((f) => f.type === type);
  if (!form) return undefined;
  const prefix = group(type);
  const raw = answersFromBody(inGroup(form), body);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** The submission's errors apart: the form's own fields, and the extra fields' ("fields.<key>"). */
export function splitRequestFieldErrors(errors: FieldErrors | undefined): {
  own: FieldErrors | undefined;
  extra: FieldErrors | undefined;
} {
  const entries = Object.entries(errors ?? {});
  const own = entries.filter(([k]) => !k.startsWith("fields."));
  const extra = entries.filter(([k]) => k.startsWith("fields."));
  return {
    own: own.length ? Object.fromEntries(own) : undefined,
    extra: extra.length ? Object.fromEntries(extra) : undefined,
  };
}

/** The service's errors ("fields.<key>") as the page's inputs are named. */
export function requestFieldErrors(errors: FieldErrors | undefined, type: string): FieldErrors | undefined {
  if (!errors) return errors;
  return Object.fromEntries(
    Object.entries(errors).map(([k, v]) => [
      k.startsWith("fields.") ? `q_${group(type)}${k.slice(7)}` : k,
      v,
    ]),
  );
}

export function requestFieldsHtml(
  t: Translator,
  forms: RequestForm[],
  chosen: string,
  answers: Record<string, unknown> | undefined,
  errors: FieldErrors | undefined,
): Html {
  if (!forms.length) return html``;
  const only = forms.length === 1 && forms[0]?.type === chosen;
  return html`${forms.map((form) => {
    const fields = inGroup(form);
    const mine = form.type === chosen;
    const given = mine ? (answers ?? {}) : {};
    // errors arrive already named as the inputs are (q_<group><key>); pageErrors would add q_ again.
    const errs = mine ? errors : undefined;
    return html`<fieldset class="request-fields" data-request-type="${form.type}">
  <legend>${only ? t.t("submit:moreAbout") : t.th("submit:forType", { type: typeLabel(t, form.type) })}</legend>
  ${form.description ? html`<p class="hint">${multiline(form.description)}</p>` : ""}
  ${fields.map((f) => formFieldHtml(f, given[f.key.slice(group(form.type).length)] as never, errs))}
</fieldset>`;
  })}`;
}

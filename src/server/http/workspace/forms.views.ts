import type { FastifyRequest } from "fastify";
import { TICKET_TYPES } from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import {
  FIELD_TYPES,
  FORM_NAME_MAX,
  type FormDetail,
  type FormField,
  type FormSummary,
  type PropertyChangeView,
  type TaskFormView,
} from "../../forms/form.schemas.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import { answersList, formFieldsHtml } from "../portal/form-fields.views.ts";
import { APP_LABELS, csrfField } from "./layout.ts";

// The form builder's pages: the list with a form to add one, and one form with its fields (each
// edited, moved up or down, removed, all without JavaScript), what it extends, its version and a
// preview rendered by the portal's own field markup. Also the company page's Properties section.

export const TYPE_LABELS: Record<FormField["type"], string> = {
  short_text: "Short text",
  long_text: "Long text",
  email: "Email",
  number: "Number",
  date: "Date",
  single_choice: "Single choice",
  multiple_choice: "Multiple choice",
  checkbox: "Checkbox",
  file: "File upload",
};

const LABELS: Labels = {
  ...APP_LABELS,
  name: "Name",
  description: "Description",
  requestType: "Request type",
  label: "Label",
  type: "Type",
  help: "Help text",
  maxLength: "Longest answer",
  min: "Smallest number",
  max: "Largest number",
  options: "Choices",
  property: "Company property",
  key: "Key",
};

export interface FormPageState {
  errors?: FieldErrors;
  message?: string;
  values?: Record<string, string>;
  notice?: string;
  /** Which block the errors belong to: the details, the new field, or field n. */
  block?: "details" | "new" | number;
}

const notice = (text: string | undefined) =>
  text ? html`<p class="notice success" role="status">${text}</p>` : "";

const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}"${value === selected ? html` selected` : ""}>${label}</option>`;

function requestTypeSelect(id: string, selected: string, disabled = false): Html {
  return html`<select id="${id}" name="requestType"${disabled ? html` disabled` : ""}>${option("", "None: a form for onboarding tasks", selected)}${TICKET_TYPES.map((t) => option(t, t, selected))}</select>`;
}

export function formsListMain(
  req: FastifyRequest,
  items: FormSummary[],
  admin: boolean,
  st: FormPageState = {},
): Html {
  return html`<div class="page-head"><h1>Forms</h1></div>
${notice(st.notice)}
${
  items.length
    ? html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Used for</th><th scope="col">Version</th><th scope="col">Changed</th></tr></thead>
<tbody>${items.map(
        (f) =>
          html`<tr data-row><td><a href="/app/forms/${f.id}" data-row-link>${bdi(f.name)}</a></td><td>${f.requestType ? html`Submit form: ${f.requestType}` : "Onboarding tasks"}</td><td>${f.version}</td><td>${when(f.updatedAt)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="empty">No forms yet.</p>`
}
${admin ? newFormSection(req, st) : html`<p class="hint">Only admins create and change forms.</p>`}`;
}

/** The form that creates a form: on the list, and alone at /app/forms/new. */
export function newFormSection(req: FastifyRequest, st: FormPageState = {}): Html {
  const v = st.values ?? {};
  return html`<section class="card" aria-labelledby="new-form-title" id="new-form">
  <h2 id="new-form-title">New form</h2>
  ${errorSummary(LABELS, st.errors, st.message)}
  <form method="post" action="/app/forms" novalidate data-once>
    ${csrfField(req)}
    <div class="field"><label for="name">Name</label><input id="name" name="name" type="text" required maxlength="${FORM_NAME_MAX}" value="${v.name ?? ""}"${describedBy(st.errors, "name")}>${fieldError(LABELS, st.errors, "name")}</div>
    <div class="field"><label for="requestType">Request type</label><p class="hint" id="requestType-hint">A form for a request type adds its fields to the public submit form; one live form per type.</p>${requestTypeSelect("requestType", v.requestType ?? "")}${fieldError(LABELS, st.errors, "requestType")}</div>
    <button type="submit" class="primary">Create form</button>
  </form>
</section>`;
}

/** The summary of a field's form, linking to its inputs (named with the form's prefix). */
function fieldFormSummary(prefix: string, errors: FieldErrors | undefined, message?: string): Html {
  const named = (o: Record<string, string>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}-${k}`, v]));
  return errorSummary(named(LABELS), errors ? named(errors) : undefined, message);
}

function fieldInputs(prefix: string, f: Partial<FormField>, errors: FieldErrors | undefined): Html {
  const id = (name: string) => `${prefix}-${name}`;
  const err = (name: string) => fieldError(LABELS, errors, name);
  const num = (name: "maxLength" | "min" | "max", hint: string) =>
    html`<div class="field"><label for="${id(name)}">${LABELS[name]} <span class="optional">(${hint})</span></label><input id="${id(name)}" name="${name}" type="number" step="any" value="${f[name] ?? ""}"${describedBy(errors, name)}>${err(name)}</div>`;
  return html`<div class="field"><label for="${id("label")}">Label</label><input id="${id("label")}" name="label" type="text" required maxlength="200" value="${f.label ?? ""}"${describedBy(errors, "label")}>${err("label")}</div>
<div class="field"><label for="${id("type")}">Type</label><select id="${id("type")}" name="type">${FIELD_TYPES.map((t) => option(t, TYPE_LABELS[t], f.type ?? "short_text"))}</select>${err("type")}</div>
<div class="field check"><input id="${id("required")}" name="required" type="checkbox" value="1"${f.required ? html` checked` : ""}><label for="${id("required")}">Required</label></div>
<div class="field"><label for="${id("help")}">Help text <span class="optional">(optional)</span></label><textarea id="${id("help")}" name="help" rows="2" maxlength="1000"${describedBy(errors, "help")}>${f.help ?? ""}</textarea>${err("help")}</div>
<div class="field"><label for="${id("options")}">Choices <span class="optional">(one per line, for a choice)</span></label><textarea id="${id("options")}" name="options" rows="3"${describedBy(errors, "options")}>${(f.options ?? []).join("\n")}</textarea>${err("options")}</div>
${num("maxLength", "text, in characters")}${num("min", "number")}${num("max", "number")}
<div class="field"><label for="${id("property")}">Company property <span class="optional">(optional)</span></label><p class="hint" id="${id("property")}-hint">The answer is kept on the company under this name, e.g. “billing contact”.</p><input id="${id("property")}" name="property" type="text" maxlength="200" value="${f.property ?? ""}"${describedBy(errors, "property", `${id("property")}-hint`)}>${err("property")}</div>`;
}

function fieldRow(
  req: FastifyRequest,
  form: FormDetail,
  f: FormField,
  i: number,
  admin: boolean,
  st: FormPageState,
): Html {
  const base = `/app/forms/${form.id}/fields/${i}`;
  const errors = st.block === i ? st.errors : undefined;
  return html`<li class="form-field-row" id="field-${i}">
  <p><strong>${bdi(f.label)}</strong> <span class="meta">${TYPE_LABELS[f.type]}${f.required ? " · required" : ""}${f.property ? html` · sets “${bdi(f.property)}”` : ""} · key ${f.key}</span></p>
  ${
    admin
      ? html`<div class="row-actions">
    <form method="post" action="${base}/up">${csrfField(req)}<button type="submit"${i === 0 ? html` disabled` : ""} aria-label="Move ${f.label} up">Up</button></form>
    <form method="post" action="${base}/down">${csrfField(req)}<button type="submit"${i === form.fields.length - 1 ? html` disabled` : ""} aria-label="Move ${f.label} down">Down</button></form>
    <form method="post" action="${base}/delete">${csrfField(req)}<button type="submit" aria-label="Remove ${f.label}">Remove</button></form>
  </div>
  <details${errors ? html` open` : ""}><summary>Edit ${bdi(f.label)}</summary>
    ${fieldFormSummary(`f${i}`, errors)}
    <form method="post" action="${base}" novalidate>${csrfField(req)}${fieldInputs(`f${i}`, f, errors)}<button type="submit">Save field</button></form>
  </details>`
      : ""
  }
</li>`;
}

export function formMain(
  req: FastifyRequest,
  form: FormDetail,
  admin: boolean,
  st: FormPageState = {},
): Html {
  const details = st.block === "details" ? st : {};
  const adding = st.block === "new" ? st : {};
  const dv = details.values ?? {};
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/forms">Forms</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(form.name)}</span></nav>
<h1>${bdi(form.name)}</h1>
<p class="meta">Version ${form.version} · ${form.requestType ? `Extends the submit form for ${form.requestType}` : "For onboarding tasks"}${form.archived ? " · Archived" : ""} · changed ${when(form.updatedAt)}</p>
${notice(st.notice)}
<p class="hint">Changing the fields makes a new version; answers already given keep the version they answered.</p>
<section class="card" aria-labelledby="form-details-title" id="details">
  <h2 id="form-details-title">Details</h2>
  ${errorSummary(LABELS, details.errors, details.message)}
  <form method="post" action="/app/forms/${form.id}" novalidate>
    ${csrfField(req)}
    <div class="field"><label for="name">Name</label><input id="name" name="name" type="text" required maxlength="${FORM_NAME_MAX}" value="${dv.name ?? form.name}"${describedBy(details.errors, "name")}${admin ? "" : html` disabled`}>${fieldError(LABELS, details.errors, "name")}</div>
    <div class="field"><label for="description">Description <span class="optional">(shown above the fields)</span></label><textarea id="description" name="description" rows="3" maxlength="2000"${admin ? "" : html` disabled`}>${dv.description ?? form.description}</textarea></div>
    <div class="field"><label for="requestType">Request type</label>${requestTypeSelect("requestType", dv.requestType ?? form.requestType ?? "", !admin)}${fieldError(LABELS, details.errors, "requestType")}</div>
    ${admin ? html`<button type="submit" class="primary">Save details</button>` : ""}
  </form>
  ${
    admin
      ? html`<form method="post" action="/app/forms/${form.id}/archive" class="inline-add">${csrfField(req)}<input type="hidden" name="archived" value="${form.archived ? "" : "1"}"><button type="submit">${form.archived ? "Restore form" : "Archive form"}</button></form>`
      : ""
  }
</section>
<section class="card" aria-labelledby="fields-title" id="fields">
  <h2 id="fields-title">Fields</h2>
  ${form.fields.length ? html`<ol class="form-fields">${form.fields.map((f, i) => fieldRow(req, form, f, i, admin, st))}</ol>` : html`<p class="meta">No fields yet.</p>`}
  ${
    admin
      ? html`<h3 id="add-field-title">Add a field</h3>
  ${fieldFormSummary("new", adding.errors, adding.message)}
  <form method="post" action="/app/forms/${form.id}/fields" novalidate aria-labelledby="add-field-title">${csrfField(req)}${fieldInputs("new", formFieldOfValues(adding.values ?? {}), adding.errors)}<button type="submit" class="primary">Add field</button></form>`
      : ""
  }
</section>
<section class="card form-preview" aria-labelledby="preview-title" id="preview">
  <h2 id="preview-title">Preview</h2>
  <p class="hint">As a customer sees it on the portal.</p>
  <div class="preview-frame">${form.description ? html`<p>${multiline(form.description)}</p>` : ""}${formFieldsHtml(form.fields, {}, undefined, true)}</div>
</section>`;
}

/** What was typed in a field's form, shown again beside its errors. */
function formFieldOfValues(v: Record<string, string>): Partial<FormField> {
  return {
    ...(v.label ? { label: v.label } : {}),
    ...(v.type ? { type: v.type as FormField["type"] } : {}),
    required: v.required === "1",
    ...(v.help ? { help: v.help } : {}),
    ...(v.options ? { options: v.options.split("\n") } : {}),
    ...(v.property ? { property: v.property } : {}),
  };
}

const WHO: Record<string, string> = { agent: "the team", contact: "a contact", system: "Portico" };

/** The company page's Properties: each current value with who gave it and when, and the history. */
export function companyPropertiesSection(
  properties: Record<string, string>,
  history: PropertyChangeView[],
): Html {
  const props = Object.entries(properties);
  const latest = (name: string) => history.find((h) => h.name === name);
  return html`<section class="card" aria-labelledby="properties-title" id="properties">
  <h2 id="properties-title">Properties</h2>
  ${
    props.length
      ? html`<dl class="facts">${props.map(([k, val]) => {
          const h = latest(k);
          return html`<div><dt>${bdi(k)}</dt><dd>${multiline(val)}${h ? html` <span class="meta">from ${h.by.name ? bdi(h.by.name) : WHO[h.by.type]}, ${when(h.at)}</span>` : ""}</dd></div>`;
        })}</dl>`
      : html`<p class="meta">No properties yet. Answers to forms that name a property appear here.</p>`
  }
  ${
    history.length
      ? html`<details><summary>History (${history.length})</summary><ol class="history">${history.map(
          (h) =>
            html`<li><span>${h.by.name ? bdi(h.by.name) : WHO[h.by.type]} set <strong>${bdi(h.name)}</strong> to ${h.value === null ? html`<em>nothing</em>` : html`“${bdi(h.value)}”`}</span> <span class="meta">${when(h.at)}</span></li>`,
        )}</ol></details>`
      : ""
  }
</section>`;
}

/** The queue's filter by an extra field, as key:value. */
export function fieldFilterInput(value: string): Html {
  return html`<div class="field">
    <label for="f-field">Field</label>
    <input id="f-field" name="field" type="text" value="${value}" placeholder="key:value" aria-describedby="f-field-hint" spellcheck="false">
    <p class="hint" id="f-field-hint">A request's extra field, e.g. plan:Pro</p>
  </div>`;
}

/** A ticket's extra fields: what the request type's form asked, on the agents' ticket page. */
export function ticketFieldsBlock(fields: { key: string; label: string; value: string }[]): Html {
  if (!fields.length) return html``;
  return html`<h3 id="ticket-fields-title">Request details</h3>
<dl class="facts ticket-fields" aria-labelledby="ticket-fields-title">${fields.map(
    (f) =>
      html`<div><dt>${bdi(f.label)}</dt><dd>${multiline(f.value)} <a class="meta" href="/app?${new URLSearchParams({ field: `${f.key}:${f.value}`, status: "any" }).toString()}" aria-label="Tickets with ${f.label}: ${f.value}">Filter</a></dd></div>`,
  )}</dl>`;
}

/**
 * A task's form on the team's task page: its state, and the answers once sent (or so far). Given
 * the company, a document answer links to the company's documents page.
 */
export function taskFormAnswers(f: TaskFormView, companyId?: string): Html {
  const state =
    f.status === "submitted"
      ? html`Sent${f.submittedAt ? html` ${when(f.submittedAt)}` : ""} (version ${f.version})`
      : f.status === "draft"
        ? html`Draft${f.updatedAt ? html` saved ${when(f.updatedAt)}` : ""}`
        : "Not started";
  return html`<section class="card" aria-labelledby="task-form-title" id="task-form">
  <h2 id="task-form-title">Form: ${bdi(f.form)}</h2>
  <p class="meta">${state}</p>
  ${
    f.status === "new"
      ? ""
      : answersList(
          f.fields,
          f.answers,
          companyId ? (id) => `/app/companies/${companyId}/documents#doc-${id}` : undefined,
        )
  }
</section>`;
}

import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import {
  DESCRIPTION_MAX,
  OFFSET_MAX,
  type Template,
  type TemplateTask,
  TITLE_MAX,
} from "../../onboarding/onboarding.schemas.ts";
import { describedBy, errorSummary, fieldError, type Labels } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { APP_LABELS, csrfField } from "./layout.ts";

// Templates of onboarding plans as the team edits them: the list with a form to add one, and one
// template with its ordered tasks (move up or down, edit, remove) and a form to add a task.

export const ONBOARDING_LABELS: Labels = {
  ...APP_LABELS,
  name: "Name",
  description: "Description",
  title: "Title",
  dueOffsetDays: "Due after (days)",
  actor: "Who acts",
  formId: "Form",
  portalVisible: "Shown on the portal",
  templateId: "Template",
  dueAt: "Due",
  status: "Team status",
  assigneeAgentId: "Team assignee",
  internalNote: "Internal note",
  portalStatus: "Customer sees",
  portalAssigneeContactId: "Customer assignee",
  reference: "Ticket",
  planId: "Plan",
  taskId: "Task",
  ids: "Order",
};

export interface OnboardingFormState {
  errors?: FieldErrors;
  message?: string;
  values?: Record<string, string>;
  notice?: string;
  /** Which form the errors belong to. */
  form?: string;
}

export type FormOption = { id: string; name: string };

export const notice = (text: string | undefined) =>
  text ? html`<p class="notice success" role="status">${text}</p>` : "";

export const option = (value: string, label: string, selected: string | null | undefined) =>
  html`<option value="${value}"${value === (selected ?? "") ? html` selected` : ""}>${label}</option>`;

export const formSelect = (id: string, forms: FormOption[], selected: string | null | undefined) =>
  html`<select id="${id}" name="formId">${option("", "No form", selected)}${forms.map((f) => option(f.id, f.name, selected))}</select>`;

const errorsFor = (st: OnboardingFormState, form: string) => (st.form === form ? st.errors : undefined);

export function templatesMain(
  req: FastifyRequest,
  templates: Template[],
  st: OnboardingFormState = {},
): Html {
  const errors = errorsFor(st, "new");
  const v = st.form === "new" ? (st.values ?? {}) : {};
  return html`<div class="page-head"><h1>Onboarding templates</h1></div>
${notice(st.notice)}
<p class="meta">A template is an ordered list of tasks. Apply it to a company from the company's Onboarding page: the company gets its own copy to edit.</p>
${
  templates.length
    ? html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Tasks</th><th scope="col">State</th></tr></thead>
<tbody>${templates.map(
        (t) =>
          html`<tr data-row><td><a href="/app/onboarding/templates/${t.id}" data-row-link>${bdi(t.name)}</a></td><td>${t.tasks.length}</td><td>${t.archived ? "Archived" : "In use"}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="empty">No templates yet.</p>`
}
<section class="card" aria-labelledby="new-template-title">
  <h2 id="new-template-title">New template</h2>
  ${errorSummary(ONBOARDING_LABELS, errors, st.form === "new" ? st.message : undefined)}
  <form method="post" action="/app/onboarding/templates" novalidate data-once>
    ${csrfField(req)}
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" required maxlength="${TITLE_MAX}" value="${v.name ?? ""}" placeholder="Onboarding"${describedBy(errors, "name")}>
      ${fieldError(ONBOARDING_LABELS, errors, "name")}
    </div>
    <div class="field">
      <label for="description">Description <span class="optional">(optional)</span></label>
      <textarea id="description" name="description" rows="2" maxlength="${DESCRIPTION_MAX}">${v.description ?? ""}</textarea>
    </div>
    <button type="submit" class="primary">Add template</button>
  </form>
</section>`;
}

/** The fields of a template's task (add and edit share them; ids prefixed per form). */
function templateTaskFields(
  p: string,
  forms: FormOption[],
  t: Partial<TemplateTask>,
  errors?: FieldErrors,
): Html {
  const id = (f: string) => `${p}-${f}`;
  return html`<div class="field">
      <label for="${id("title")}">Title</label>
      <input id="${id("title")}" name="title" required maxlength="${TITLE_MAX}" value="${t.title ?? ""}"${errors?.title ? html` aria-invalid="true" aria-describedby="${id("title")}-error"` : ""}>
      ${errors?.title ? html`<p class="field-error" id="${id("title")}-error">Title ${errors.title}</p>` : ""}
    </div>
    <div class="field">
      <label for="${id("description")}">Description <span class="optional">(shown to the customer)</span></label>
      <textarea id="${id("description")}" name="description" rows="2" maxlength="${DESCRIPTION_MAX}">${t.description ?? ""}</textarea>
    </div>
    <div class="field-row">
      <div class="field">
        <label for="${id("offset")}">Due after (days)</label>
        <input id="${id("offset")}" name="dueOffsetDays" type="number" min="0" max="${OFFSET_MAX}" inputmode="numeric" value="${t.dueOffsetDays ?? ""}"${errors?.dueOffsetDays ? html` aria-invalid="true" aria-describedby="${id("offset")}-error"` : ""}>
        ${errors?.dueOffsetDays ? html`<p class="field-error" id="${id("offset")}-error">Due after ${errors.dueOffsetDays}</p>` : ""}
      </div>
      <div class="field">
        <label for="${id("actor")}">Who acts</label>
        <select id="${id("actor")}" name="actor">${option("customer", "The customer", t.actor ?? "customer")}${option("team", "Our team", t.actor)}</select>
      </div>
      <div class="field">
        <label for="${id("form")}">Form</label>
        ${formSelect(id("form"), forms, t.formId)}
      </div>
    </div>
    <div class="field checkbox"><label><input type="checkbox" name="portalVisible" value="1"${t.portalVisible === false ? "" : html` checked`}> Shown on the portal</label></div>`;
}

export function templateMain(
  req: FastifyRequest,
  t: Template,
  forms: FormOption[],
  st: OnboardingFormState = {},
): Html {
  const base = `/app/onboarding/templates/${t.id}`;
  const detailErrors = errorsFor(st, "details");
  const addErrors = errorsFor(st, "add");
  const v = st.values ?? {};
  const formName = new Map(forms.map((f) => [f.id, f.name]));
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/onboarding/templates">Onboarding templates</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(t.name)}</span></nav>
<div class="page-head"><h1>${bdi(t.name)}</h1></div>
${notice(st.notice)}
${st.form && st.form !== "details" && st.form !== "add" ? errorSummary(ONBOARDING_LABELS, st.errors, st.message) : ""}
<section class="card" aria-labelledby="tasks-title">
  <h2 id="tasks-title">Tasks, in order</h2>
  ${
    t.tasks.length
      ? html`<ol class="onboarding-tasks">${t.tasks.map(
          (task, i) => html`<li id="task-${task.id}">
  <div class="task-line"><strong>${bdi(task.title)}</strong> <span class="meta">${task.actor === "customer" ? "Customer" : "Our team"} · ${task.dueOffsetDays === null ? "no due date" : `due after ${task.dueOffsetDays} day${task.dueOffsetDays === 1 ? "" : "s"}`}${task.formId ? html` · form: ${bdi(formName.get(task.formId) ?? "a form")}` : ""}${task.portalVisible ? "" : " · not on the portal"}</span></div>
  <div class="task-buttons">
    <form method="post" action="${base}/tasks/${task.id}/move">${csrfField(req)}<input type="hidden" name="by" value="up"><button type="submit" class="linkish"${i === 0 ? html` disabled` : ""} aria-label="Move “${task.title}” up">Up</button></form>
    <form method="post" action="${base}/tasks/${task.id}/move">${csrfField(req)}<input type="hidden" name="by" value="down"><button type="submit" class="linkish"${i === t.tasks.length - 1 ? html` disabled` : ""} aria-label="Move “${task.title}” down">Down</button></form>
    <form method="post" action="${base}/tasks/${task.id}/remove">${csrfField(req)}<button type="submit" class="linkish danger" aria-label="Remove “${task.title}”">Remove</button></form>
  </div>
  <details><summary>Edit “${bdi(task.title)}”</summary>
    <form method="post" action="${base}/tasks/${task.id}" novalidate data-once>
      ${csrfField(req)}
      ${templateTaskFields(`t${i}`, forms, task, errorsFor(st, task.id))}
      <button type="submit">Save task</button>
    </form>
  </details>
</li>`,
        )}</ol>`
      : html`<p class="empty">No tasks yet: add the first below.</p>`
  }
</section>
<section class="card" aria-labelledby="add-task-title">
  <h2 id="add-task-title">Add a task</h2>
  ${errorSummary(ONBOARDING_LABELS, addErrors, st.form === "add" ? st.message : undefined)}
  <form method="post" action="${base}/tasks" novalidate data-once>
    ${csrfField(req)}
    ${templateTaskFields(
      "new",
      forms,
      st.form === "add"
        ? {
            title: v.title ?? "",
            description: v.description ?? "",
            actor: v.actor === "team" ? "team" : "customer",
            formId: v.formId ?? null,
          }
        : {},
      addErrors,
    )}
    <button type="submit" class="primary">Add task</button>
  </form>
</section>
<section class="card" aria-labelledby="details-title">
  <h2 id="details-title">Template</h2>
  ${errorSummary(ONBOARDING_LABELS, detailErrors, st.form === "details" ? st.message : undefined)}
  <form method="post" action="${base}" novalidate data-once>
    ${csrfField(req)}
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" required maxlength="${TITLE_MAX}" value="${st.form === "details" ? (v.name ?? "") : t.name}"${describedBy(detailErrors, "name")}>
      ${fieldError(ONBOARDING_LABELS, detailErrors, "name")}
    </div>
    <div class="field">
      <label for="description">Description</label>
      <textarea id="description" name="description" rows="2" maxlength="${DESCRIPTION_MAX}">${t.description}</textarea>
    </div>
    <div class="field checkbox"><label><input type="checkbox" name="archived" value="1"${t.archived ? html` checked` : ""}> Archived (not offered to apply)</label></div>
    <button type="submit">Save template</button>
  </form>
  <form method="post" action="${base}/delete" class="danger-zone">${csrfField(req)}<button type="submit" class="danger">Delete template</button> <span class="hint">Plans applied from it keep their tasks.</span></form>
</section>`;
}

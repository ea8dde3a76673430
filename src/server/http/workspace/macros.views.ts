import type { FastifyRequest } from "fastify";
import {
  PRIORITY_LABELS,
  STATUS_LABELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
} from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import { MACRO_BODY_MAX, MACRO_NAME_MAX, type MacroView, PLACEHOLDERS } from "../../macros/macro.schemas.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// /app/macros: the macros an agent may use (the shared ones and their own), and the form that
// writes one. Only the macros the agent may change show Edit and Delete.

const LABELS: Labels = {
  name: "Name",
  body: "Text",
  shared: "Shared",
  setStatus: "Then set the status to",
  setPriority: "Then set the priority to",
};

export interface MacroValues {
  name: string;
  body: string;
  shared: boolean;
  setStatus: string;
  setPriority: string;
}

export const macroValuesOf = (m: MacroView): MacroValues => ({
  name: m.name,
  body: m.body,
  shared: m.shared,
  setStatus: m.setStatus ?? "",
  setPriority: m.setPriority ?? "",
});

const option = (value: string, label: string, selected: boolean) =>
  html`<option value="${value}"${selected ? html` selected` : ""}>${label}</option>`;

const effects = (m: MacroView): Html =>
  m.setStatus || m.setPriority
    ? html`${m.setStatus ? html`<span class="status status-${m.setStatus}">${STATUS_LABELS[m.setStatus]}</span> ` : ""}${m.setPriority ? html`<span class="priority priority-${m.setPriority}">${PRIORITY_LABELS[m.setPriority]}</span>` : ""}`
    : html`<span class="meta">Text only</span>`;

export function macrosMain(req: FastifyRequest, macros: MacroView[], notice?: string): Html {
  return html`<div class="page-head"><h1>Macros</h1><a class="button primary" href="/app/macros/new">New macro</a></div>
<p class="hint">Saved replies for the ticket page's reply box. Yours are yours alone unless shared; shared ones are for every agent (their author or an admin changes them).</p>
${notice ? html`<p class="notice success" role="status">${notice}</p>` : ""}
${
  macros.length
    ? html`<table class="macros-table">
<caption class="visually-hidden">Macros</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Who</th><th scope="col">Sets</th><th scope="col">Updated</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${macros.map(
        (m) => html`<tr>
  <td class="subject">${m.editable ? html`<a href="/app/macros/${m.id}">${bdi(m.name)}</a>` : bdi(m.name)}<p class="meta macro-snippet">${m.body.slice(0, 140)}</p></td>
  <td>${m.shared ? "Shared" : "Personal"}</td>
  <td>${effects(m)}</td>
  <td class="updated">${when(m.updatedAt)}</td>
  <td>${
    m.editable
      ? html`<form method="post" action="/app/macros/${m.id}/delete">${csrfField(req)}<button type="submit" class="linkish danger" aria-label="Delete ${m.name}">Delete</button></form>`
      : ""
  }</td>
</tr>`,
      )}</tbody></table>`
    : html`<p class="empty">No macros yet. Write the first one.</p>`
}`;
}

export function macroEditor(
  req: FastifyRequest,
  v: MacroValues,
  opts: { macro?: MacroView; errors?: FieldErrors; message?: string },
): Html {
  const { errors, macro } = opts;
  const action = macro ? `/app/macros/${macro.id}` : "/app/macros/new";
  return html`<p class="crumbs"><a href="/app/macros">Macros</a></p>
<h1>${macro ? "Edit macro" : "New macro"}</h1>
${errorSummary(LABELS, errors, opts.message)}
<form method="post" action="${action}" class="card macro-editor" novalidate>
  ${csrfField(req)}
  <div class="field">
    <label for="name">Name</label>
    <input id="name" name="name" type="text" required maxlength="${MACRO_NAME_MAX}" value="${v.name}"${describedBy(errors, "name")}>
    ${fieldError(LABELS, errors, "name")}
  </div>
  <div class="field">
    <label for="body">Text</label>
    <p class="hint" id="body-hint">Plain text. Filled in when used: ${PLACEHOLDERS.map((p, i) => html`${i ? ", " : ""}<code>{{${p}}}</code>`)}.</p>
    <textarea id="body" name="body" rows="8" required maxlength="${MACRO_BODY_MAX}"${describedBy(errors, "body", "body-hint")}>${v.body}</textarea>
    ${fieldError(LABELS, errors, "body")}
  </div>
  <div class="kb-editor-grid two">
    <div class="field">
      <label for="setStatus">Then set the status to</label>
      <select id="setStatus" name="setStatus"${describedBy(errors, "setStatus")}>
        ${option("", "Leave it", !v.setStatus)}
        ${TICKET_STATUSES.map((s) => option(s, STATUS_LABELS[s], v.setStatus === s))}
      </select>
      ${fieldError(LABELS, errors, "setStatus")}
    </div>
    <div class="field">
      <label for="setPriority">Then set the priority to</label>
      <select id="setPriority" name="setPriority"${describedBy(errors, "setPriority")}>
        ${option("", "Leave it", !v.setPriority)}
        ${TICKET_PRIORITIES.map((p) => option(p, PRIORITY_LABELS[p], v.setPriority === p))}
      </select>
      ${fieldError(LABELS, errors, "setPriority")}
    </div>
  </div>
  <div class="field check">
    <input id="shared" name="shared" type="checkbox" value="1"${v.shared ? html` checked` : ""}>
    <label for="shared">Shared with every agent of the workspace</label>
  </div>
  <div class="actions">
    <button type="submit" class="primary">${macro ? "Save" : "Create macro"}</button>
  </div>
</form>`;
}

import type { FieldErrors } from "../../errors.ts";
import type { FormDue, TaskFormView } from "../../forms/form.schemas.ts";
import { when } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { answersList, formFieldsHtml } from "./form-fields.views.ts";

// The portal's form views: the home's section, filling a form, the copy of what was sent.

export const taskFormHref = (ws: Workspace, taskId: string) =>
  `/portal/${ws.slug}/onboarding/tasks/${encodeURIComponent(taskId)}/form`;

/** A document answer's link on the portal: its download. */
const documentDownload = (ws: Workspace) => (documentId: string) =>
  `/portal/${ws.slug}/documents/${encodeURIComponent(documentId)}/download`;

export function formsHomeSection(ws: Workspace, due: FormDue[]): Html {
  return html`<section aria-labelledby="forms-title" data-slot="forms">
  <h2 id="forms-title">Forms to complete</h2>
  ${
    due.length
      ? html`<ul class="request-list forms-due">${due.map(
          (f) => html`<li>
  <a href="${taskFormHref(ws, f.taskId)}">${bdi(f.form)}</a>
  <p class="meta">For ${bdi(f.task)}${f.dueAt ? html` · ${f.overdue ? html`<strong class="overdue">Overdue</strong>, was due` : "Due"} ${when(f.dueAt)}` : ""}${f.started ? " · Draft saved" : ""}</p>
  <p><a class="button${f.started ? "" : " primary"}" href="${taskFormHref(ws, f.taskId)}" aria-label="${f.started ? "Continue" : "Start"} ${f.form}">${f.started ? "Continue" : "Start"}</a></p>
</li>`,
        )}</ul>`
      : html`<p class="meta">No forms to complete.</p>`
  }
</section>`;
}

export interface FillState {
  csrfToken: string;
  errors?: FieldErrors;
  /** What was posted, shown again beside its errors. */
  answers?: TaskFormView["answers"];
  notice?: string;
}

export function fillFormMain(ws: Workspace, f: TaskFormView, st: FillState): Html {
  const action = taskFormHref(ws, f.taskId);
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/portal/${ws.slug}/home">Home</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(f.form)}</span></nav>
<h1>${bdi(f.form)}</h1>
<p class="meta">For ${bdi(f.task)}</p>
${f.description ? html`<p>${multiline(f.description)}</p>` : ""}
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
<form method="post" action="${action}" novalidate class="task-form"${f.mayAnswer ? html` data-form-draft="/api/portal/${ws.slug}/tasks/${encodeURIComponent(f.taskId)}/form/draft" data-csrf="${st.csrfToken}"` : ""}>
  <input type="hidden" name="_csrf" value="${st.csrfToken}">
  ${f.mayAnswer ? "" : html`<p class="notice" role="status">This form is assigned to a colleague: you can read it, and they or your company's manager send it.</p>`}
  ${formFieldsHtml(f.fields, st.answers ?? f.answers, st.errors, !f.mayAnswer, {
    action: `${action}/files`,
    href: documentDownload(ws),
  })}
  <p class="meta" data-draft-status aria-live="polite">${f.status === "draft" && f.updatedAt ? html`Draft saved ${when(f.updatedAt)}` : ""}</p>
  ${
    f.mayAnswer
      ? html`<div class="form-actions">
    <button type="submit" class="primary" name="action" value="submit">Submit</button>
    <button type="submit" name="action" value="save">Save for later</button>
  </div>`
      : ""
  }
</form>`;
}

export function formCopyMain(ws: Workspace, f: TaskFormView): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/portal/${ws.slug}/home">Home</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(f.form)}</span></nav>
<h1>${bdi(f.form)}</h1>
<p class="notice success" role="status">Sent${f.submittedAt ? html` ${when(f.submittedAt)}` : ""}. Here is a copy of your answers.</p>
<p class="meta">For ${bdi(f.task)}</p>
${answersList(f.fields, f.answers, documentDownload(ws))}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">Back to home</a></p>`;
}

export const formNotFoundMain = (ws: Workspace) =>
  html`<h1>Form not found</h1><p>This form does not exist or is not yours to fill.</p><p><a href="/portal/${ws.slug}/home">Back to home</a></p>`;

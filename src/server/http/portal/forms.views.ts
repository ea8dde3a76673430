import type { FieldErrors } from "../../errors.ts";
import type { FormDue, TaskFormView } from "../../forms/form.schemas.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { answersList, formFieldsHtml } from "./form-fields.views.ts";
import type { Reader } from "./reader.ts";

// The portal's form views: the home's section, filling a form, the copy of what was sent.

export const taskFormHref = (ws: Workspace, taskId: string) =>
  `/portal/${ws.slug}/onboarding/tasks/${encodeURIComponent(taskId)}/form`;

/** A document answer's link on the portal: its download. */
const documentDownload = (ws: Workspace) => (documentId: string) =>
  `/portal/${ws.slug}/documents/${encodeURIComponent(documentId)}/download`;

export function formsHomeSection(ws: Workspace, due: FormDue[], r: Reader): Html {
  return html`<section aria-labelledby="forms-title" data-slot="forms">
  <h2 id="forms-title">${r.t("work:forms.title")}</h2>
  ${
    due.length
      ? html`<ul class="request-list forms-due">${due.map(
          (f) => html`<li>
  <a href="${taskFormHref(ws, f.taskId)}">${bdi(f.form)}</a>
  <p class="meta">${r.parts("work:forms.for", { task: bdi(f.task) })}${f.dueAt ? html` · ${f.overdue ? r.parts("work:forms.overdue", { overdue: html`<strong class="overdue">${r.t("work:forms.overdueWord")}</strong>`, when: r.when(f.dueAt) }) : r.parts("work:task.due", { when: r.when(f.dueAt) })}` : ""}${f.started ? ` · ${r.t("work:forms.draftSaved")}` : ""}</p>
  <p><a class="button${f.started ? "" : " primary"}" href="${taskFormHref(ws, f.taskId)}" aria-label="${f.started ? r.t("work:forms.continue") : r.t("work:forms.start")} ${f.form}">${f.started ? r.t("work:forms.continue") : r.t("work:forms.start")}</a></p>
</li>`,
        )}</ul>`
      : html`<p class="meta">${r.t("work:forms.none")}</p>`
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

const crumbs = (ws: Workspace, f: TaskFormView, r: Reader) =>
  html`<nav class="crumbs" aria-label="${r.t("work:forms.breadcrumb")}"><a href="/portal/${ws.slug}/home">${r.t("common:nav.home")}</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(f.form)}</span></nav>`;

export function fillFormMain(ws: Workspace, f: TaskFormView, st: FillState, r: Reader): Html {
  const action = taskFormHref(ws, f.taskId);
  return html`${crumbs(ws, f, r)}
<h1>${bdi(f.form)}</h1>
<p class="meta">${r.parts("work:forms.for", { task: bdi(f.task) })}</p>
${f.description ? html`<p>${multiline(f.description)}</p>` : ""}
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
<form method="post" action="${action}" novalidate class="task-form"${f.mayAnswer ? html` data-form-draft="/api/portal/${ws.slug}/tasks/${encodeURIComponent(f.taskId)}/form/draft" data-csrf="${st.csrfToken}"` : ""}>
  <input type="hidden" name="_csrf" value="${st.csrfToken}">
  ${f.mayAnswer ? "" : html`<p class="notice" role="status">${r.t("work:forms.colleagues")}</p>`}
  ${formFieldsHtml(
    f.fields,
    st.answers ?? f.answers,
    st.errors,
    !f.mayAnswer,
    {
      action: `${action}/files`,
      href: documentDownload(ws),
    },
    r,
  )}
  <p class="meta" data-draft-status aria-live="polite">${f.status === "draft" && f.updatedAt ? r.parts("work:forms.draftSavedAt", { when: r.when(f.updatedAt) }) : ""}</p>
  ${
    f.mayAnswer
      ? html`<div class="form-actions">
    <button type="submit" class="primary" name="action" value="submit">${r.t("work:forms.submit")}</button>
    <button type="submit" name="action" value="save">${r.t("work:forms.save")}</button>
  </div>`
      : ""
  }
</form>`;
}

export function formCopyMain(ws: Workspace, f: TaskFormView, r: Reader): Html {
  return html`${crumbs(ws, f, r)}
<h1>${bdi(f.form)}</h1>
<p class="notice success" role="status">${f.submittedAt ? r.parts("work:forms.sentAt", { when: r.when(f.submittedAt) }) : r.t("work:forms.sent")}</p>
<p class="meta">${r.parts("work:forms.for", { task: bdi(f.task) })}</p>
${answersList(f.fields, f.answers, documentDownload(ws), r)}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">${r.t("work:forms.backHome")}</a></p>`;
}

export const formNotFoundMain = (ws: Workspace, r: Reader) =>
  html`<h1>${r.t("work:forms.notFound")}</h1><p>${r.t("work:forms.notFoundText")}</p><p><a href="/portal/${ws.slug}/home">${r.t("work:forms.backHome")}</a></p>`;

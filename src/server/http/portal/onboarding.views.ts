import type {
  PortalOnboardingSummary,
  PortalPlanView,
  PortalTaskDetail,
  PortalTaskSummary,
} from "../../onboarding/onboarding.schemas.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import type { Reader } from "./reader.ts";

// The portal's onboarding views: the home's section, the plan page, one task, and the tasks on a
// request. They receive the portal side of tasks only (portal-onboarding.ts).

const base = (ws: Workspace) => `/portal/${ws.slug}/onboarding`;
const taskHref = (ws: Workspace, id: string) => `${base(ws)}/tasks/${id}`;
const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export const taskBadge = (r: Reader, t: { portalStatus: string }) =>
  html`<span class="status task-status task-${t.portalStatus}">${r.t(`work:task.status.${t.portalStatus}`)}</span>`;

/** "3 of 8 done", as text and as a bar. */
export function progress(r: Reader, done: number, total: number, id: string): Html {
  const text = r.t("work:progress", { done, count: total });
  return html`<div class="onboarding-progress"><progress id="${id}" max="${Math.max(total, 1)}" value="${done}" aria-label="${r.t("work:progressLabel", { text })}">${text}</progress> <span class="meta">${text}</span></div>`;
}

const due = (r: Reader, t: PortalTaskSummary) =>
  t.dueAt
    ? html`<span class="${t.overdue ? "overdue" : ""}">${r.parts(t.overdue ? "work:task.overdue" : "work:task.due", { when: r.when(t.dueAt) })}</span>`
    : "";

const forWhom = (r: Reader, t: { actor: string }) =>
  t.actor === "customer" ? r.t("work:task.forYou") : r.t("work:task.forTeam");

function taskItems(ws: Workspace, r: Reader, tasks: PortalTaskSummary[], empty: string): Html {
  if (!tasks.length) return html`<p class="meta">${empty}</p>`;
  return html`<ul class="task-list">${tasks.map(
    (t) => html`<li>
  <a href="${taskHref(ws, t.id)}">${bdi(t.title)}</a>
  <p class="meta">${taskBadge(r, t)} · ${forWhom(r, t)}${t.dueAt ? html` · ${due(r, t)}` : ""}</p>
</li>`,
  )}</ul>`;
}

export function onboardingHomeSection(ws: Workspace, s: PortalOnboardingSummary, r: Reader): Html {
  if (!s.plan) {
    return html`<section aria-labelledby="onboarding-title" data-slot="onboarding">
  <h2 id="onboarding-title">${r.t("work:onboarding.title")}</h2>
  <p class="meta">${r.t("work:onboarding.nothing")}</p>
</section>`;
  }
  return html`<section aria-labelledby="onboarding-title" data-slot="onboarding" class="onboarding-home">
  <h2 id="onboarding-title">${r.parts("work:onboarding.titleWithPlan", { plan: bdi(s.plan.name) })}</h2>
  ${progress(r, s.plan.done, s.plan.total, "onboarding-home-progress")}
  <h3>${r.t("work:onboarding.next")}</h3>
  ${taskItems(ws, r, s.next, r.t("work:onboarding.allDone"))}
  <h3>${r.t("work:onboarding.dueFromYou")}</h3>
  ${taskItems(ws, r, s.dueFromYou, r.t("work:onboarding.nothingWaiting"))}
  <p class="secondary-actions"><a href="${base(ws)}">${r.t("work:onboarding.wholePlan")}</a></p>
</section>`;
}

export function plansMain(ws: Workspace, plans: PortalPlanView[], r: Reader): Html {
  if (!plans.length)
    return html`<h1>${r.t("work:onboarding.title")}</h1><p class="meta">${r.t("work:onboarding.nothing")}</p>`;
  return html`<h1>${r.t("work:onboarding.title")}</h1>
${plans.map(
  (p, i) => html`<section aria-labelledby="plan-${i}" class="plan">
  <h2 id="plan-${i}">${bdi(p.name)}${p.status === "completed" ? html` <span class="status task-status task-complete">${r.t("work:onboarding.completed")}</span>` : ""}</h2>
  ${progress(r, p.done, p.total, `plan-progress-${i}`)}
  ${
    p.tasks.length
      ? html`<ol class="task-list plan-tasks">${p.tasks.map(
          (t) => html`<li>
  <a href="${taskHref(ws, t.id)}">${bdi(t.title)}</a>
  <p class="meta">${taskBadge(r, t)} · ${forWhom(r, t)}${t.dueAt ? html` · ${due(r, t)}` : ""}${t.formName ? html` · ${r.parts("work:task.form", { form: bdi(t.formName) })}` : ""}</p>
</li>`,
        )}</ol>`
      : html`<p class="meta">${r.t("work:onboarding.noTasks")}</p>`
  }
</section>`,
)}`;
}

export function taskMain(
  ws: Workspace,
  t: PortalTaskDetail,
  opts: { csrfToken: string; notice?: string | undefined; error?: string | undefined },
  r: Reader,
): Html {
  const action = (what: "start" | "complete", label: string, primary: boolean) =>
    html`<form method="post" action="${taskHref(ws, t.id)}/${what}">${csrf(opts.csrfToken)}<button type="submit" class="${primary ? "primary" : "button"}">${label}</button></form>`;
  const formLink = (cls: string) =>
    html`<a class="${cls}" href="${taskHref(ws, t.id)}/form">${t.formName ? r.parts("work:task.fillNamed", { form: bdi(t.formName) }) : r.t("work:task.fill")}</a>`;
  // A task with a form is completed by sending it: its "Mark complete" is the form.
  const needsForm = t.formId !== null && !t.formSent;
  const actions =
    t.canAct && t.portalStatus !== "complete"
      ? html`<div class="task-actions">${t.portalStatus === "not_started" || t.portalStatus === "waiting_on_you" ? action("start", r.t("work:task.start"), false) : ""}${needsForm ? formLink("button primary") : action("complete", r.t("work:task.complete"), true)}</div>`
      : "";
  return html`<p class="reference"><a href="${base(ws)}">${bdi(t.planName)}</a></p>
<h1>${bdi(t.title)}</h1>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${opts.error ? html`<p class="notice error" role="alert">${opts.error}</p>` : ""}
<p class="meta">${taskBadge(r, t)} · ${forWhom(r, t)}${t.dueAt ? html` · ${due(r, t)}` : ""}${t.assignee ? html` · ${r.parts("work:task.assignedTo", { name: bdi(t.assignee.name) })}` : ""}</p>
${t.portalStart ? html`<p class="meta">${r.parts("work:task.started", { when: r.when(t.portalStart) })}${t.portalComplete ? html` · ${r.parts("work:task.completed", { when: r.when(t.portalComplete) })}` : ""}</p>` : ""}
${t.description ? html`<div class="body task-description">${multiline(t.description)}</div>` : ""}
${t.formId && t.portalStatus !== "complete" && !(t.canAct && needsForm) ? html`<p>${formLink("button")}</p>` : ""}
${t.actor === "customer" && t.portalStatus !== "complete" ? html`<p class="secondary-actions"><a href="/portal/${ws.slug}/documents?task=${t.id}">${r.t("work:task.upload")}</a></p>` : ""}
${actions}
<section aria-labelledby="task-requests-title">
  <h2 id="task-requests-title">${r.t("work:task.requests")}</h2>
  ${
    t.requests.length
      ? html`<ul class="request-list">${t.requests.map(
          (r) =>
            html`<li><a href="/portal/${ws.slug}/requests/${r.reference}"><span class="reference">${r.reference}</span> ${bdi(r.subject)}</a></li>`,
        )}</ul>`
      : html`<p class="meta">${r.t("work:task.noRequests")}</p>`
  }
</section>`;
}

export const taskNotFoundMain = (ws: Workspace, r: Reader) =>
  html`<h1>${r.t("work:task.notFound")}</h1><p>${r.parts("work:task.notFoundText", { link: html`<a href="${base(ws)}">${r.t("work:task.seePlan")}</a>` })}</p>`;

/** On a request's page: the onboarding tasks it is linked to. */
export function requestTasksSection(
  ws: Workspace,
  tasks: { id: string; title: string; statusLabel: string; portalStatus?: string }[],
  r: Reader,
): Html {
  if (!tasks.length) return html``;
  return html`<section aria-labelledby="request-tasks-title" class="request-tasks">
  <h2 id="request-tasks-title">${r.t("work:task.onRequest", { count: tasks.length })}</h2>
  <ul class="task-list">${tasks.map(
    (t) =>
      html`<li><a href="${taskHref(ws, t.id)}">${bdi(t.title)}</a> <span class="meta">${t.portalStatus ? r.t(`work:task.status.${t.portalStatus}`) : t.statusLabel}</span></li>`,
  )}</ul>
</section>`;
}

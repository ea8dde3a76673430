import type {
  PortalOnboardingSummary,
  PortalPlanView,
  PortalTaskDetail,
  PortalTaskSummary,
} from "../../onboarding/onboarding.schemas.ts";
import { when } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The portal's onboarding views: the home's section, the plan page, one task, and the tasks on a
// request. They receive the portal side of tasks only (portal-onboarding.ts).

const base = (ws: Workspace) => `/portal/${ws.slug}/onboarding`;
const taskHref = (ws: Workspace, id: string) => `${base(ws)}/tasks/${id}`;
const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export const taskBadge = (t: { portalStatus: string; statusLabel: string }) =>
  html`<span class="status task-status task-${t.portalStatus}">${t.statusLabel}</span>`;

/** "3 of 8 done", as text and as a bar. */
export function progress(done: number, total: number, id: string): Html {
  const text = `${done} of ${total} done`;
  return html`<div class="onboarding-progress"><progress id="${id}" max="${Math.max(total, 1)}" value="${done}" aria-label="Progress: ${text}">${text}</progress> <span class="meta">${text}</span></div>`;
}

const due = (t: PortalTaskSummary) =>
  t.dueAt
    ? html`<span class="${t.overdue ? "overdue" : ""}">${t.overdue ? "Overdue, was due" : "Due"} ${when(t.dueAt)}</span>`
    : "";

function taskItems(ws: Workspace, tasks: PortalTaskSummary[], empty: string): Html {
  if (!tasks.length) return html`<p class="meta">${empty}</p>`;
  return html`<ul class="task-list">${tasks.map(
    (t) => html`<li>
  <a href="${taskHref(ws, t.id)}">${bdi(t.title)}</a>
  <p class="meta">${taskBadge(t)} · ${t.actor === "customer" ? "For you" : "For our team"}${t.dueAt ? html` · ${due(t)}` : ""}</p>
</li>`,
  )}</ul>`;
}

export function onboardingHomeSection(ws: Workspace, s: PortalOnboardingSummary): Html {
  if (!s.plan) {
    return html`<section aria-labelledby="onboarding-title" data-slot="onboarding">
  <h2 id="onboarding-title">Onboarding</h2>
  <p class="meta">Nothing in progress.</p>
</section>`;
  }
  return html`<section aria-labelledby="onboarding-title" data-slot="onboarding" class="onboarding-home">
  <h2 id="onboarding-title">Onboarding: ${bdi(s.plan.name)}</h2>
  ${progress(s.plan.done, s.plan.total, "onboarding-home-progress")}
  <h3>Next</h3>
  ${taskItems(ws, s.next, "Everything is done.")}
  <h3>Due from you</h3>
  ${taskItems(ws, s.dueFromYou, "Nothing is waiting on you.")}
  <p class="secondary-actions"><a href="${base(ws)}">The whole plan</a></p>
</section>`;
}

export function plansMain(ws: Workspace, plans: PortalPlanView[]): Html {
  if (!plans.length) return html`<h1>Onboarding</h1><p class="meta">Nothing in progress.</p>`;
  return html`<h1>Onboarding</h1>
${plans.map(
  (p, i) => html`<section aria-labelledby="plan-${i}" class="plan">
  <h2 id="plan-${i}">${bdi(p.name)}${p.status === "completed" ? html` <span class="status task-status task-complete">Completed</span>` : ""}</h2>
  ${progress(p.done, p.total, `plan-progress-${i}`)}
  ${
    p.tasks.length
      ? html`<ol class="task-list plan-tasks">${p.tasks.map(
          (t) => html`<li>
  <a href="${taskHref(ws, t.id)}">${bdi(t.title)}</a>
  <p class="meta">${taskBadge(t)} · ${t.actor === "customer" ? "For you" : "For our team"}${t.dueAt ? html` · ${due(t)}` : ""}${t.formName ? html` · Form: ${bdi(t.formName)}` : ""}</p>
</li>`,
        )}</ol>`
      : html`<p class="meta">No tasks yet.</p>`
  }
</section>`,
)}`;
}

export function taskMain(
  ws: Workspace,
  t: PortalTaskDetail,
  opts: { csrfToken: string; notice?: string | undefined; error?: string | undefined },
): Html {
  const action = (what: "start" | "complete", label: string, primary: boolean) =>
    html`<form method="post" action="${taskHref(ws, t.id)}/${what}">${csrf(opts.csrfToken)}<button type="submit" class="${primary ? "primary" : "button"}">${label}</button></form>`;
  const formLink = (cls: string) =>
    html`<a class="${cls}" href="${taskHref(ws, t.id)}/form">Fill in the form${t.formName ? html`: ${bdi(t.formName)}` : ""}</a>`;
  // A task with a form is completed by sending it: its "Mark complete" is the form.
  const needsForm = t.formId !== null && !t.formSent;
  const actions =
    t.canAct && t.portalStatus !== "complete"
      ? html`<div class="task-actions">${t.portalStatus === "not_started" || t.portalStatus === "waiting_on_you" ? action("start", "Start", false) : ""}${needsForm ? formLink("button primary") : action("complete", "Mark complete", true)}</div>`
      : "";
  return html`<p class="reference"><a href="${base(ws)}">${bdi(t.planName)}</a></p>
<h1>${bdi(t.title)}</h1>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${opts.error ? html`<p class="notice error" role="alert">${opts.error}</p>` : ""}
<p class="meta">${taskBadge(t)} · ${t.actor === "customer" ? "For you" : "For our team"}${t.dueAt ? html` · ${due(t)}` : ""}${t.assignee ? html` · Assigned to ${bdi(t.assignee.name)}` : ""}</p>
${t.portalStart ? html`<p class="meta">Started ${when(t.portalStart)}${t.portalComplete ? html` · Completed ${when(t.portalComplete)}` : ""}</p>` : ""}
${t.description ? html`<div class="body task-description">${multiline(t.description)}</div>` : ""}
${t.formId && t.portalStatus !== "complete" && !(t.canAct && needsForm) ? html`<p>${formLink("button")}</p>` : ""}
${t.actor === "customer" && t.portalStatus !== "complete" ? html`<p class="secondary-actions"><a href="/portal/${ws.slug}/documents?task=${t.id}">Upload a document for this task</a></p>` : ""}
${actions}
<section aria-labelledby="task-requests-title">
  <h2 id="task-requests-title">Requests about this task</h2>
  ${
    t.requests.length
      ? html`<ul class="request-list">${t.requests.map(
          (r) =>
            html`<li><a href="/portal/${ws.slug}/requests/${r.reference}"><span class="reference">${r.reference}</span> ${bdi(r.subject)}</a></li>`,
        )}</ul>`
      : html`<p class="meta">None.</p>`
  }
</section>`;
}

export const taskNotFoundMain = (ws: Workspace) =>
  html`<h1>Task not found</h1><p>There is no such task in your onboarding. <a href="${base(ws)}">See your plan</a>.</p>`;

/** On a request's page: the onboarding tasks it is linked to. */
export function requestTasksSection(
  ws: Workspace,
  tasks: { id: string; title: string; statusLabel: string }[],
): Html {
  if (!tasks.length) return html``;
  return html`<section aria-labelledby="request-tasks-title" class="request-tasks">
  <h2 id="request-tasks-title">Onboarding task</h2>
  <ul class="task-list">${tasks.map(
    (t) =>
      html`<li><a href="${taskHref(ws, t.id)}">${bdi(t.title)}</a> <span class="meta">${t.statusLabel}</span></li>`,
  )}</ul>
</section>`;
}

import { MAX_FILES_CUSTOMER_REPLY } from "../../../shared/files.ts";
import type { FieldErrors } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import type {
  Colleague,
  PortalActivity,
  PortalHome,
  PortalStatusFilter,
  PortalTicket,
  PortalTicketList,
  PortalTicketSummary,
  PortalWhoseFilter,
} from "../../tickets/customer-portal.schemas.ts";
import { fileField } from "../../web/attachments.ts";
import { describedBy, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { searchForm } from "../public/kb.views.ts";
import { conversationList, resolutionBlock } from "../public/tracking.views.ts";
import {
  customerErrorSummary as errorSummary,
  customerFieldError as fieldError,
} from "../shared/customer.layout.ts";
import { documentsHomeSection } from "./documents.views.ts";
import { formsHomeSection } from "./forms.views.ts";
import { onboardingHomeSection, requestTasksSection } from "./onboarding.views.ts";

// The signed-in portal's pages: home, the list of requests, one request. What they show comes
// from customer-portal.ts, already scoped to the customer; every form carries the CSRF token.

const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;
const requestHref = (ws: Workspace, reference: string) => `/portal/${ws.slug}/requests/${reference}`;

const statusBadge = (t: { status: string; statusLabel: string }) =>
  html`<span class="status status-${t.status}">${t.statusLabel}</span>`;

function requestRows(ws: Workspace, items: PortalTicketSummary[], empty: string): Html {
  if (items.length === 0) return html`<p class="meta">${empty}</p>`;
  return html`<ul class="request-list">${items.map(
    (r) => html`<li>
  <a href="${requestHref(ws, r.reference)}"><span class="reference">${r.reference}</span> ${bdi(r.subject)}</a>
  <p class="meta">${statusBadge(r)} · ${r.mine ? "Yours" : html`From ${bdi(r.contact.name)}`} · Last activity ${when(r.lastActivityAt)}</p>
</li>`,
  )}</ul>`;
}

const ACTIVITY_WORDS: Record<PortalActivity["kind"], string> = {
  submitted: "submitted",
  replied: "replied to",
  status_changed: "changed the status of",
  resolved: "resolved",
  plan_applied: "started the plan",
  task_started: "started",
  task_completed: "completed",
  form_submitted: "sent the form",
  document_uploaded: "uploaded",
  document_published: "shared",
};

function activityLink(ws: Workspace, a: PortalActivity): Html {
  const base = `/portal/${ws.slug}`;
  switch (a.target) {
    case "request":
      return a.reference
        ? html`<a href="${requestHref(ws, a.reference)}">${a.reference}</a> ${bdi(a.subject)}`
        : bdi(a.subject);
    case "task":
      return html`<a href="${base}/onboarding/tasks/${a.targetId ?? ""}">${bdi(a.subject)}</a>`;
    case "document":
      return html`<a href="${base}/documents#doc-${a.targetId ?? ""}">${bdi(a.subject)}</a>`;
    default:
      return html`<a href="${base}/onboarding">${bdi(a.subject)}</a>`;
  }
}

function timeline(ws: Workspace, activity: PortalActivity[]): Html {
  if (activity.length === 0) return html`<p class="meta">Nothing has happened yet.</p>`;
  return html`<ol class="activity">${activity.map(
    (a) =>
      html`<li>${bdi(a.who)} ${ACTIVITY_WORDS[a.kind]} ${activityLink(ws, a)} <span class="meta">${when(a.at)}</span></li>`,
  )}</ol>`;
}

export function homeMain(ws: Workspace, home: PortalHome, name: string): Html {
  return html`<h1>Welcome, ${bdi(name)}</h1>
${searchForm(ws, "", true)}
<section aria-labelledby="open-title">
  <h2 id="open-title">Open requests</h2>
  ${requestRows(ws, home.open, "You have no open requests.")}
  <p class="secondary-actions"><a href="/portal/${ws.slug}/requests?status=all">All requests</a> · <a href="/portal/${ws.slug}/submit">New request</a></p>
</section>
${onboardingHomeSection(ws, home.onboarding)}
${formsHomeSection(ws, home.formsDue)}
${documentsHomeSection(ws, home.documents)}
<section aria-labelledby="activity-title">
  <h2 id="activity-title">Recent activity</h2>
  ${timeline(ws, home.activity)}
</section>`;
}

const STATUS_FILTERS: [PortalStatusFilter, string][] = [
  ["open", "Open"],
  ["resolved", "Resolved"],
  ["all", "All"],
];

export function requestsMain(
  ws: Workspace,
  list: PortalTicketList,
  filters: { status: PortalStatusFilter; whose: PortalWhoseFilter | undefined; companyName: string | null },
): Html {
  const query = (more: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ status: filters.status, whose: filters.whose, ...more })) {
      if (v) p.set(k, v);
    }
    return `/portal/${ws.slug}/requests?${p.toString()}`;
  };
  const whose: [PortalWhoseFilter | undefined, string][] = [
    [undefined, "Everything I can see"],
    ["mine", "Mine"],
    ...(filters.companyName ? [["company", `${filters.companyName}'s`] as [PortalWhoseFilter, string]] : []),
  ];
  return html`<h1>Requests</h1>
<nav class="filters" aria-label="Filter requests">
  <ul>${STATUS_FILTERS.map(
    ([value, label]) =>
      html`<li><a href="${query({ status: value, cursor: undefined })}"${filters.status === value ? html` aria-current="true"` : ""}>${label}</a></li>`,
  )}</ul>
  <ul>${whose.map(
    ([value, label]) =>
      html`<li><a href="${query({ whose: value ?? "", cursor: undefined })}"${filters.whose === value ? html` aria-current="true"` : ""}>${label}</a></li>`,
  )}</ul>
</nav>
${requestRows(ws, list.items, "No requests here.")}
${list.nextCursor ? html`<p class="secondary-actions"><a href="${query({ cursor: list.nextCursor })}">Older requests</a></p>` : ""}
<p class="secondary-actions"><a class="button primary" href="/portal/${ws.slug}/submit">New request</a></p>`;
}

export interface RequestPageState {
  /** The reader's language, for the reply form's errors. */
  t: Translator;
  csrfToken: string;
  errors?: FieldErrors;
  draft?: string;
  notice?: string;
  colleagues: Colleague[];
  /** The onboarding tasks linked to the request that the customer sees. */
  tasks?: { id: string; title: string; statusLabel: string }[];
}

export function requestMain(ws: Workspace, view: PortalTicket, s: RequestPageState): Html {
  const base = requestHref(ws, view.reference);
  const fileHref = (f: { id: string }) => `${base}/attachments/${f.id}`;
  const copied = new Set(view.ccs.map((c) => c.id));
  const addable = s.colleagues.filter((c) => !copied.has(c.id));
  return html`<div class="ticket-head">
  <p class="reference">${view.reference}</p>
  <h1>${bdi(view.subject)}</h1>
  <p class="meta">Status: ${statusBadge(view)} · Opened ${when(view.createdAt)} by ${view.mine ? "you" : bdi(view.contact.name)}${view.assignee ? html` · Handled by ${bdi(view.assignee.name)}` : ""}</p>
</div>
${s.notice ? html`<p class="notice success" role="status">${s.notice}</p>` : ""}
${resolutionBlock(view.resolution)}
${requestTasksSection(ws, s.tasks ?? [])}
<section aria-labelledby="conversation-title">
  <h2 id="conversation-title">Conversation</h2>
  ${conversationList(view, fileHref)}
</section>
<section aria-labelledby="reply-title" class="reply">
  <h2 id="reply-title">Reply</h2>
  ${
    view.status === "closed"
      ? html`<p class="hint">This request is closed. Sending a message starts a new request that refers to this one.</p>`
      : view.status === "resolved"
        ? html`<p class="hint">Not solved after all? Replying reopens this request.</p>`
        : ""
  }
  ${errorSummary(s.t, s.errors)}
  <form method="post" action="${base}/reply" novalidate data-portal-form data-once>
    ${csrf(s.csrfToken)}
    <div class="field">
      <label for="body">Your reply</label>
      <textarea id="body" name="body" rows="5" required data-max="20000"${describedBy(s.errors, "body")}>${s.draft ?? ""}</textarea>
      ${fieldError(s.t, s.errors, "body")}
    </div>
    ${fileField({ uploadUrl: `/api/public/upload?portal=${ws.slug}`, maxFiles: MAX_FILES_CUSTOMER_REPLY })}
    ${fieldError(s.t, s.errors, "attachments")}
    <button type="submit" class="primary">Send reply</button>
  </form>
</section>
${
  view.canClose
    ? html`<section aria-labelledby="solved-title" class="solved">
  <h2 id="solved-title">All sorted?</h2>
  <form method="post" action="${base}/close">${csrf(s.csrfToken)}<button type="submit" class="button">This is solved</button></form>
</section>`
    : ""
}
<section aria-labelledby="cc-title" class="ccs">
  <h2 id="cc-title">Colleagues copied in</h2>
  ${
    view.ccs.length === 0
      ? html`<p class="meta">No one is copied in.</p>`
      : html`<ul class="cc-list">${view.ccs.map(
          (c) =>
            html`<li>${bdi(c.name)}${
              view.canCopyIn
                ? html` <form method="post" action="${base}/ccs/remove" class="inline">${csrf(s.csrfToken)}<input type="hidden" name="contactId" value="${c.id}"><button type="submit" class="linkish">Remove<span class="visually-hidden"> ${c.name}</span></button></form>`
                : ""
            }</li>`,
        )}</ul>`
  }
  ${
    view.canCopyIn && addable.length > 0
      ? html`<form method="post" action="${base}/ccs" class="cc-add">${csrf(s.csrfToken)}
    <div class="field"><label for="cc-contact">Copy in a colleague</label>
    <select id="cc-contact" name="contactId">${addable.map((c) => html`<option value="${c.id}">${c.name} (${c.email})</option>`)}</select></div>
    <button type="submit" class="button">Copy in</button>
  </form>`
      : ""
  }
</section>
<p class="secondary-actions"><a href="/portal/${ws.slug}/requests">All requests</a></p>`;
}

export function requestNotFoundMain(ws: Workspace): Html {
  return html`<h1>We could not find that request</h1>
<p>It may have been mistyped, or it is not one you can see.</p>
<p><a class="button primary" href="/portal/${ws.slug}/requests">Your requests</a></p>`;
}

export function followUpStartedMain(ws: Workspace, closedReference: string, reference: string): Html {
  return html`<div class="confirmation" role="status">
  <h1>We started a new request</h1>
  <p>${closedReference} was closed, so your message opened a new request that refers to it.</p>
  <p class="big-reference">${reference}</p>
</div>
<p class="actions"><a class="button primary" href="${requestHref(ws, reference)}">Open it</a></p>`;
}

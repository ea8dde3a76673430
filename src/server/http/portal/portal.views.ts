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
import { describedBy } from "../../web/forms.ts";
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
import type { Reader } from "./reader.ts";

// The signed-in portal's pages: home, the list of requests, one request. What they show comes
// from customer-portal.ts, already scoped to the customer; every form carries the CSRF token.

const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;
const requestHref = (ws: Workspace, reference: string) => `/portal/${ws.slug}/requests/${reference}`;

const statusBadge = (r: Reader, t: { status: string }) =>
  html`<span class="status status-${t.status}">${r.t(`requests:status.${t.status}`)}</span>`;

function requestRows(ws: Workspace, r: Reader, items: PortalTicketSummary[], empty: string): Html {
  if (items.length === 0) return html`<p class="meta">${empty}</p>`;
  return html`<ul class="request-list">${items.map(
    (item) => html`<li>
  <a href="${requestHref(ws, item.reference)}"><span class="reference">${item.reference}</span> ${bdi(item.subject)}</a>
  <p class="meta">${statusBadge(r, item)} · ${item.mine ? r.t("requests:list.yours") : r.parts("requests:list.from", { name: bdi(item.contact.name) })} · ${r.t("requests:list.lastActivity")} ${r.when(item.lastActivityAt)}</p>
</li>`,
  )}</ul>`;
}

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

/** Who did it: the names the portal's reads give for "someone", in the customer's words. */
const whoOf = (r: Reader, who: string) =>
  who === "Support team"
    ? r.t("overview:who.team")
    : who === "A colleague"
      ? r.t("overview:who.colleague")
      : who;

function timeline(ws: Workspace, r: Reader, activity: PortalActivity[]): Html {
  if (activity.length === 0) return html`<p class="meta">${r.t("overview:activity.empty")}</p>`;
  return html`<ol class="activity">${activity.map(
    (a) =>
      html`<li>${
        a.who === "You"
          ? r.parts(`overview:activityYou.${a.kind}`, { what: activityLink(ws, a) })
          : r.parts(`overview:activity.${a.kind}`, { who: bdi(whoOf(r, a.who)), what: activityLink(ws, a) })
      } <span class="meta">${r.when(a.at)}</span></li>`,
  )}</ol>`;
}

export function homeMain(ws: Workspace, home: PortalHome, name: string, r: Reader): Html {
  return html`<h1>${r.parts("overview:welcome", { name: bdi(name) })}</h1>
${searchForm(ws, "", true, r)}
<section aria-labelledby="open-title">
  <h2 id="open-title">${r.t("overview:open.title")}</h2>
  ${home.open.length ? html`<p class="meta">${r.t("overview:open.count", { count: home.open.length })}</p>` : ""}
  ${requestRows(ws, r, home.open, r.t("overview:open.empty"))}
  <p class="secondary-actions"><a href="/portal/${ws.slug}/requests?status=all">${r.t("overview:open.all")}</a> · <a href="/portal/${ws.slug}/submit">${r.t("requests:new")}</a></p>
</section>
${onboardingHomeSection(ws, home.onboarding, r)}
${formsHomeSection(ws, home.formsDue, r)}
${documentsHomeSection(ws, home.documents, r)}
<section aria-labelledby="activity-title">
  <h2 id="activity-title">${r.t("overview:activity.title")}</h2>
  ${timeline(ws, r, home.activity)}
</section>`;
}

const STATUS_FILTERS: PortalStatusFilter[] = ["open", "resolved", "all"];

export function requestsMain(
  ws: Workspace,
  list: PortalTicketList,
  filters: { status: PortalStatusFilter; whose: PortalWhoseFilter | undefined; companyName: string | null },
  r: Reader,
): Html {
  const query = (more: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ status: filters.status, whose: filters.whose, ...more })) {
      if (v) p.set(k, v);
    }
    return `/portal/${ws.slug}/requests?${p.toString()}`;
  };
  const whose: [PortalWhoseFilter | undefined, string][] = [
    [undefined, r.t("requests:filter.everything")],
    ["mine", r.t("requests:filter.mine")],
    ...(filters.companyName
      ? [
          ["company", r.t("requests:filter.company", { company: filters.companyName })] as [
            PortalWhoseFilter,
            string,
          ],
        ]
      : []),
  ];
  return html`<h1>${r.t("requests:title")}</h1>
<nav class="filters" aria-label="${r.t("requests:filter.label")}">
  <ul>${STATUS_FILTERS.map(
    (value) =>
      html`<li><a href="${query({ status: value, cursor: undefined })}"${filters.status === value ? html` aria-current="true"` : ""}>${r.t(`requests:filter.${value}`)}</a></li>`,
  )}</ul>
  <ul>${whose.map(
    ([value, label]) =>
      html`<li><a href="${query({ whose: value ?? "", cursor: undefined })}"${filters.whose === value ? html` aria-current="true"` : ""}>${label}</a></li>`,
  )}</ul>
</nav>
${requestRows(ws, r, list.items, r.t("requests:list.empty"))}
${list.nextCursor ? html`<p class="secondary-actions"><a href="${query({ cursor: list.nextCursor })}">${r.t("requests:list.older")}</a></p>` : ""}
<p class="secondary-actions"><a class="button primary" href="/portal/${ws.slug}/submit">${r.t("requests:new")}</a></p>`;
}

export interface RequestPageState {
  /** The reader's language, for the reply form's errors. */
  t: Translator;
  csrfToken: string;
  errors?: FieldErrors;
  draft?: string;
  notice?: string;
  /** The reply was refused (too many): how long to wait, in minutes; the form keeps the text. */
  limited?: number;
  /** The page of the conversation shown: the messages older than this one; the newest when unset. */
  before?: string | undefined;
  /** Something asked for could not be shown (an older page), said above the conversation. */
  warning?: string;
  colleagues: Colleague[];
  /** The onboarding tasks linked to the request that the customer sees. */
  tasks?: { id: string; title: string; statusLabel: string }[];
  /** "We usually reply within 4 business hours" (web/expectations.ts), where the workspace shows it. */
  expectations?: Html | "";
}

export function requestMain(ws: Workspace, view: PortalTicket, s: RequestPageState, r: Reader): Html {
  const base = requestHref(ws, view.reference);
  const fileHref = (f: { id: string }) => `${base}/attachments/${f.id}`;
  const copied = new Set(view.ccs.map((c) => c.id));
  const addable = s.colleagues.filter((c) => !copied.has(c.id));
  return html`<div class="ticket-head">
  <p class="reference">${view.reference}</p>
  <h1>${bdi(view.subject)}</h1>
  <p class="meta">${r.parts("requests:one.status", { status: statusBadge(r, view) })} · ${r.parts(view.mine ? "requests:one.openedByYou" : "requests:one.openedBy", { when: r.when(view.createdAt), name: bdi(view.contact.name) })}${view.assignee ? html` · ${r.parts("requests:one.handledBy", { name: bdi(view.assignee.name) })}` : ""}</p>
</div>
${s.expectations ?? ""}
${s.notice ? html`<p class="notice success" role="status">${s.notice}</p>` : ""}
${resolutionBlock(view.resolution, undefined, r)}
${requestTasksSection(ws, s.tasks ?? [], r)}
<section aria-labelledby="conversation-title">
  <h2 id="conversation-title">${r.t("requests:one.conversation")}</h2>
  ${s.warning ? html`<p class="notice" role="alert">${s.warning}</p>` : ""}
  ${conversationList(view, fileHref, undefined, r, {
    olderHref:
      view.hasOlder && view.nextBefore ? `${base}?before=${encodeURIComponent(view.nextBefore)}` : null,
    newerHref: s.before ? base : null,
  })}
</section>
<section aria-labelledby="reply-title" class="reply">
  <h2 id="reply-title">${r.t("requests:one.reply")}</h2>
  ${
    view.status === "closed"
      ? html`<p class="hint">${r.t("requests:one.closedHint")}</p>`
      : view.status === "resolved"
        ? html`<p class="hint">${r.t("requests:one.resolvedHint")}</p>`
        : ""
  }
  ${errorSummary(s.t, s.errors, s.limited ? s.t.t("tracking:tooMany", { count: s.limited }) : undefined)}
  <form method="post" action="${base}/reply" novalidate data-portal-form data-once>
    ${csrf(s.csrfToken)}
    <div class="field">
      <label for="body">${r.t("requests:one.yourReply")}</label>
      <textarea id="body" name="body" rows="5" required data-max="20000"${describedBy(s.errors, "body")}>${s.draft ?? ""}</textarea>
      ${fieldError(s.t, s.errors, "body")}
    </div>
    ${fileField({ uploadUrl: `/api/public/upload?portal=${ws.slug}`, maxFiles: MAX_FILES_CUSTOMER_REPLY, t: r })}
    ${fieldError(s.t, s.errors, "attachments")}
    <button type="submit" class="primary">${r.t("requests:one.send")}</button>
  </form>
</section>
${
  view.canClose
    ? html`<section aria-labelledby="solved-title" class="solved">
  <h2 id="solved-title">${r.t("requests:one.solvedTitle")}</h2>
  <form method="post" action="${base}/close">${csrf(s.csrfToken)}<button type="submit" class="button">${r.t("requests:one.solved")}</button></form>
</section>`
    : ""
}
<section aria-labelledby="cc-title" class="ccs">
  <h2 id="cc-title">${r.t("requests:cc.title")}</h2>
  ${
    view.ccs.length === 0
      ? html`<p class="meta">${r.t("requests:cc.none")}</p>`
      : html`<ul class="cc-list">${view.ccs.map(
          (c) =>
            html`<li>${bdi(c.name)}${
              view.canCopyIn
                ? html` <form method="post" action="${base}/ccs/remove" class="inline">${csrf(s.csrfToken)}<input type="hidden" name="contactId" value="${c.id}"><button type="submit" class="linkish">${r.t("requests:cc.remove")}<span class="visually-hidden"> ${c.name}</span></button></form>`
                : ""
            }</li>`,
        )}</ul>`
  }
  ${
    view.canCopyIn && addable.length > 0
      ? html`<form method="post" action="${base}/ccs" class="cc-add">${csrf(s.csrfToken)}
    <div class="field"><label for="cc-contact">${r.t("requests:cc.add")}</label>
    <select id="cc-contact" name="contactId">${addable.map((c) => html`<option value="${c.id}">${c.name} (${c.email})</option>`)}</select></div>
    <button type="submit" class="button">${r.t("requests:cc.addButton")}</button>
  </form>`
      : ""
  }
</section>
<p class="secondary-actions"><a href="/portal/${ws.slug}/requests">${r.t("requests:one.all")}</a></p>`;
}

export function requestNotFoundMain(ws: Workspace, r: Reader): Html {
  return html`<h1>${r.t("requests:notFound.title")}</h1>
<p>${r.t("requests:notFound.text")}</p>
<p><a class="button primary" href="/portal/${ws.slug}/requests">${r.t("requests:notFound.yours")}</a></p>`;
}

export function followUpStartedMain(
  ws: Workspace,
  closedReference: string,
  reference: string,
  r: Reader,
): Html {
  return html`<div class="confirmation" role="status">
  <h1>${r.t("requests:followUp.title")}</h1>
  <p>${r.t("requests:followUp.text", { reference: closedReference })}</p>
  <p class="big-reference">${reference}</p>
</div>
<p class="actions"><a class="button primary" href="${requestHref(ws, reference)}">${r.t("requests:followUp.open")}</a></p>`;
}

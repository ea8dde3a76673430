import { MAX_FILES_CUSTOMER_REPLY } from "../../../shared/files.ts";
import { STATUS_LABELS, type TicketStatus } from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import type { TrackingView } from "../../tickets/ticket.schemas.ts";
import { attachmentChips, fileField } from "../../web/attachments.ts";
import { describedBy, when } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import {
  customerErrorSummary as errorSummary,
  customerFieldError as fieldError,
} from "../shared/customer.layout.ts";
import { submitAnother } from "./submit.views.ts";

// The tracking page a token opens: the request, its conversation, and the reply form. No address
// here carries the token: the page's own path holds it in a cookie (tracking.pages.ts). portal.js
// polls the live part (?part=live, answered 304 while its state is the same) and swaps it in.

function statusBadge(status: TicketStatus): Html {
  return html`<span class="status status-${status}" id="ticket-status">${STATUS_LABELS[status]}</span>`;
}

export function trackingMain(
  ws: Workspace,
  view: TrackingView,
  opts: { errors?: FieldErrors; draft?: string; notice?: string } = {},
): Html {
  const base = `/portal/${ws.slug}/tickets/${view.reference}`;
  return html`<div class="ticket-head">
  <p class="reference">${view.reference}</p>
  <h1>${bdi(view.subject)}</h1>
  <p class="meta">Status: ${statusBadge(view.status)} · Opened ${when(view.createdAt)}</p>
</div>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${liveSection(ws, view)}
<p class="visually-hidden" aria-live="polite" id="live-announce"></p>
<section aria-labelledby="reply-title" class="reply">
  <h2 id="reply-title">Reply</h2>
  ${
    view.status === "closed"
      ? html`<p class="hint">This request is closed. Sending a message starts a new request that refers to this one.</p>`
      : view.status === "resolved"
        ? html`<p class="hint">Not solved after all? Replying reopens this request.</p>`
        : ""
  }
  ${errorSummary(opts.errors)}
  <form method="post" action="${base}/reply" novalidate data-portal-form data-once>
    <div class="field">
      <label for="body">Your reply</label>
      <textarea id="body" name="body" rows="5" required data-max="20000"${describedBy(opts.errors, "body")}>${opts.draft ?? ""}</textarea>
      ${fieldError(opts.errors, "body")}
    </div>
    ${fileField({ uploadUrl: `/api/public/upload?portal=${ws.slug}`, maxFiles: MAX_FILES_CUSTOMER_REPLY })}
    ${fieldError(opts.errors, "attachments")}
    <button type="submit" class="primary">Send reply</button>
  </form>
</section>
<p class="secondary-actions"><a href="/portal/${ws.slug}/submit">Submit another request</a></p>`;
}

/** The part of the tracking page that changes: re-rendered alone for the live poller. */
function liveSection(ws: Workspace, view: TrackingView): Html {
  const base = `/portal/${ws.slug}/tickets/${view.reference}`;
  const fileHref = (f: { id: string }) => `${base}/attachments/${f.id}`;
  return html`<div id="live" data-poll="${base}?part=live" data-state="${stateKey(view)}" data-announce="${announcement(view)}">
<section id="resolution" aria-labelledby="resolution-title">
${resolutionBlock(view.resolution, "resolution-title")}
</section>
<section aria-labelledby="conversation-title">
  <h2 id="conversation-title">Conversation</h2>
  ${conversationList(view, fileHref, "conversation")}
</section>
</div>`;
}

/** Just the changing parts, for portal.js: no <style>, so nothing to fight the page's CSP. */
export function liveFragment(ws: Workspace, view: TrackingView): Html {
  return html`${statusBadge(view.status)}${liveSection(ws, view)}`;
}

/** What the live poller sends back (If-None-Match): a change means something new to show. */
export function stateKey(v: TrackingView): string {
  return `${v.status}:${v.conversation.length}:${v.conversation.at(-1)?.id ?? ""}`;
}

/** What a screen reader hears when the live part changes. */
function announcement(v: TrackingView): string {
  const last = v.conversation.at(-1);
  return last && last.author.type === "agent"
    ? `New reply from ${last.author.name}`
    : `Status: ${v.statusLabel}`;
}

export function notFoundMain(ws: Workspace | undefined, slug: string): Html {
  return html`<h1>We could not open that request</h1>
<p>The link may be mistyped, or it has expired: tracking links work for 30 days.</p>
${
  ws
    ? html`<p><a class="button primary" href="/portal/${slug}/submit">Submit a new request</a></p>
<p class="secondary-actions"><a href="/portal/${slug}/lost-link">Lost your link? Email me my requests</a></p>`
    : ""
}`;
}

/** A reply to a closed request started a new one. */
export function followUpMain(
  ws: Workspace,
  closedReference: string,
  result: { reference: string; trackingUrl: string },
  contactName: string,
): Html {
  return html`<div class="confirmation" role="status">
  <h1>We started a new request</h1>
  <p>${closedReference} was closed, so your message opened a new request that refers to it.</p>
  <p class="big-reference">${result.reference}</p>
</div>
<div class="actions"><a class="button primary" href="${result.trackingUrl}">Track ticket</a>
  ${submitAnother(ws, { name: contactName }, "Submit another request", false)}</div>`;
}

/** A request's resolution as its customer reads it (the tracking page, the signed-in portal). */
export function resolutionBlock(resolution: TrackingView["resolution"], headingId?: string): Html | "" {
  if (!resolution) return "";
  return html`<div class="resolution"><h2${headingId ? html` id="${headingId}"` : ""}>Resolution</h2>
  ${resolution.details ? html`<p>${multiline(resolution.details)}</p>` : html`<p>This request was resolved.</p>`}
  <p class="meta">Resolved ${when(resolution.resolvedAt)}</p></div>`;
}

/**
 * A request's conversation as its customer reads it: their description and files first, then
 * the public messages, the last one marked #latest (the tracking page, the signed-in portal).
 */
export function conversationList(
  view: Pick<TrackingView, "contact" | "createdAt" | "description" | "attachments" | "conversation">,
  fileHref: (f: { id: string }) => string,
  listId?: string,
): Html {
  return html`<ol class="conversation"${listId ? html` id="${listId}"` : ""}>
    <li class="message from-contact">
      <p class="who">${bdi(view.contact.name)} <span class="meta">${when(view.createdAt)}</span></p>
      <div class="body">${view.description ? multiline(view.description) : html`<p class="meta">No description.</p>`}</div>
      ${attachmentChips(view.attachments, fileHref)}
    </li>
    ${view.conversation.map(
      (
        m,
        i,
      ) => html`<li class="message from-${m.author.type}"${i === view.conversation.length - 1 ? html` id="latest"` : ""}>
      <p class="who">${bdi(m.author.name)}${m.author.type === "agent" ? html` <span class="tag">Support</span>` : ""} <span class="meta">${when(m.createdAt)}</span></p>
      <div class="body">${multiline(m.body)}</div>
      ${attachmentChips(m.attachments, fileHref)}
    </li>`,
    )}
  </ol>`;
}

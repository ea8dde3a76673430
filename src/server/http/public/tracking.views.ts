import { MAX_FILES_CUSTOMER_REPLY } from "../../../shared/files.ts";
import type { TicketStatus } from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import { type Translator, translatorFor } from "../../i18n/translator.ts";
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

/** The signed-in portal's pages that share these parts pass their reader's translator. */
const ENGLISH = translatorFor("en");

/** A status as customers read it, in their language. */
export const statusLabel = (t: Translator, status: TicketStatus) => t.t(`tracking:status.${status}`);

/** A message with a moment in it ("Opened {{when}}"): the <time> element time.js localises. */
export function withTime(t: Translator, key: string, iso: string): Html {
  const [before = "", after = ""] = t.t(key, { when: "\u0000" }).split("\u0000");
  return html`${before}${when(iso, t.locale)}${after}`;
}

function statusBadge(t: Translator, status: TicketStatus): Html {
  return html`<span class="status status-${status}" id="ticket-status">${statusLabel(t, status)}</span>`;
}

/** The addresses of the conversation's other pages, where there are any. */
interface ConversationPaging {
  /** The messages just older than those shown. */
  olderHref?: string | null;
  /** Back to the newest messages, from an older page. */
  newerHref?: string | null;
}

/** The tracking page's paging links: older while there are older ones, newest from an older page. */
function trackingPaging(base: string, view: TrackingView, before: string | undefined): ConversationPaging {
  return {
    olderHref:
      view.hasOlder && view.nextBefore ? `${base}?before=${encodeURIComponent(view.nextBefore)}` : null,
    newerHref: before ? base : null,
  };
}

export function trackingMain(
  ws: Workspace,
  t: Translator,
  view: TrackingView,
  opts: {
    /** Which page of the conversation this is (tracking.pages.ts); the newest when left out. */
    before?: string | undefined;
    errors?: FieldErrors;
    draft?: string;
    notice?: string;
    expectations?: Html | "";
    /** The reply was refused (too many): what to do, above the form that keeps the text. */
    refused?: string;
    /** Something asked for could not be shown (an older page), said above the conversation. */
    warning?: string;
  } = {},
): Html {
  const base = `/portal/${ws.slug}/tickets/${view.reference}`;
  return html`<div class="ticket-head">
  <p class="reference">${view.reference}</p>
  <h1>${bdi(view.subject)}</h1>
  <p class="meta">${t.t("tracking:status.label")} ${statusBadge(t, view.status)} · ${withTime(t, "tracking:opened", view.createdAt)}</p>
  ${opts.expectations ?? ""}
</div>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${opts.warning ? html`<p class="notice" role="alert">${opts.warning}</p>` : ""}
${liveSection(ws, t, view, opts.before)}
<p class="visually-hidden" aria-live="polite" id="live-announce"></p>
<section aria-labelledby="reply-title" class="reply">
  <h2 id="reply-title">${t.t("tracking:reply")}</h2>
  ${
    view.status === "closed"
      ? html`<p class="hint">${t.t("tracking:closedHint")}</p>`
      : view.status === "resolved"
        ? html`<p class="hint">${t.t("tracking:resolvedHint")}</p>`
        : ""
  }
  ${errorSummary(t, opts.errors, opts.refused)}
  <form method="post" action="${base}/reply" novalidate data-portal-form data-once>
    <div class="field">
      <label for="body">${t.t("tracking:yourReply")}</label>
      <textarea id="body" name="body" rows="5" required data-max="20000"${describedBy(opts.errors, "body")}>${opts.draft ?? ""}</textarea>
      ${fieldError(t, opts.errors, "body")}
    </div>
    ${fileField({ uploadUrl: `/api/public/upload?portal=${ws.slug}`, maxFiles: MAX_FILES_CUSTOMER_REPLY, t })}
    ${fieldError(t, opts.errors, "attachments")}
    <button type="submit" class="primary">${t.t("tracking:sendReply")}</button>
  </form>
</section>
<p class="secondary-actions"><a href="/portal/${ws.slug}/submit">${t.t("tracking:another")}</a></p>`;
}

/**
 * The part of the tracking page that changes: re-rendered alone for the live poller, which asks
 * for the page of the conversation shown (`before`).
 */
function liveSection(ws: Workspace, t: Translator, view: TrackingView, before?: string): Html {
  const base = `/portal/${ws.slug}/tickets/${view.reference}`;
  const fileHref = (f: { id: string }) => `${base}/attachments/${f.id}`;
  const poll = `${base}?part=live${before ? `&before=${encodeURIComponent(before)}` : ""}`;
  return html`<div id="live" data-poll="${poll}" data-state="${stateKey(view)}" data-announce="${announcement(t, view)}">
<section id="resolution" aria-labelledby="resolution-title">
${resolutionBlock(view.resolution, "resolution-title", t)}
</section>
<section aria-labelledby="conversation-title">
  <h2 id="conversation-title">${t.t("tracking:conversation")}</h2>
  ${conversationList(view, fileHref, "conversation", t, trackingPaging(base, view, before))}
</section>
</div>`;
}

/** Just the changing parts, for portal.js: no <style>, so nothing to fight the page's CSP. */
export function liveFragment(ws: Workspace, t: Translator, view: TrackingView, before?: string): Html {
  return html`${statusBadge(t, view.status)}${liveSection(ws, t, view, before)}`;
}

/** What the live poller sends back (If-None-Match): a change means something new to show. */
export function stateKey(v: TrackingView): string {
  return `${v.status}:${v.conversation.length}:${v.conversation.at(-1)?.id ?? ""}`;
}

/** What a screen reader hears when the live part changes. */
function announcement(t: Translator, v: TrackingView): string {
  const last = v.conversation.at(-1);
  return last && last.author.type === "agent"
    ? t.t("tracking:newReply", { name: last.author.name })
    : t.t("tracking:announceStatus", { status: statusLabel(t, v.status) });
}

export function notFoundMain(ws: Workspace | undefined, slug: string, t: Translator): Html {
  return html`<h1>${t.t("tracking:notFound.heading")}</h1>
<p>${t.t("tracking:notFound.text")}</p>
${
  ws
    ? html`<p><a class="button primary" href="/portal/${slug}/submit">${t.t("tracking:notFound.new")}</a></p>
<p class="secondary-actions"><a href="/portal/${slug}/lost-link">${t.t("tracking:notFound.lostLink")}</a></p>`
    : ""
}`;
}

/** A reply to a closed request started a new one. */
export function followUpMain(
  ws: Workspace,
  t: Translator,
  closedReference: string,
  result: { reference: string; trackingUrl: string },
  contactName: string,
): Html {
  return html`<div class="confirmation" role="status">
  <h1>${t.t("tracking:followUp.heading")}</h1>
  <p>${t.t("tracking:followUp.text", { reference: closedReference })}</p>
  <p class="big-reference">${result.reference}</p>
</div>
<div class="actions"><a class="button primary" href="${result.trackingUrl}">${t.t("tracking:followUp.track")}</a>
  ${submitAnother(ws, { name: contactName }, t.t("tracking:followUp.another"), false)}</div>`;
}

/** A request's resolution as its customer reads it (the tracking page, the signed-in portal). */
export function resolutionBlock(
  resolution: TrackingView["resolution"],
  headingId?: string,
  t: Translator = ENGLISH,
): Html | "" {
  if (!resolution) return "";
  return html`<div class="resolution"><h2${headingId ? html` id="${headingId}"` : ""}>${t.t("tracking:resolution")}</h2>
  ${resolution.details ? html`<p>${multiline(resolution.details)}</p>` : html`<p>${t.t("tracking:wasResolved")}</p>`}
  <p class="meta">${withTime(t, "tracking:resolvedAt", resolution.resolvedAt)}</p></div>`;
}

/**
 * A request's conversation as its customer reads it: their description and files first (the
 * request itself, on every page), then one page of the public messages; on the newest page the
 * last one is marked #latest (the tracking page, the signed-in portal). The links to the other
 * pages are plain links: they work without JavaScript.
 */
export function conversationList(
  view: Pick<TrackingView, "contact" | "createdAt" | "description" | "attachments" | "conversation">,
  fileHref: (f: { id: string }) => string,
  listId?: string,
  t: Translator = ENGLISH,
  paging: ConversationPaging = {},
): Html {
  const newest = !paging.newerHref;
  return html`<ol class="conversation"${listId ? html` id="${listId}"` : ""}>
    <li class="message from-contact">
      <p class="who">${bdi(view.contact.name)} <span class="meta">${when(view.createdAt, t.locale)}</span></p>
      <div class="body">${view.description ? multiline(view.description) : html`<p class="meta">${t.t("tracking:noDescription")}</p>`}</div>
      ${attachmentChips(view.attachments, fileHref, t)}
    </li>
    ${paging.olderHref ? html`<li class="paging"><a href="${paging.olderHref}#conversation-title" rel="prev">${t.t("tracking:older")}</a></li>` : ""}
    ${view.conversation.map(
      (
        m,
        i,
      ) => html`<li class="message from-${m.author.type}"${newest && i === view.conversation.length - 1 ? html` id="latest"` : ""}>
      <p class="who">${bdi(m.author.name)}${m.author.type === "agent" ? html` <span class="tag">${t.t("tracking:support")}</span>` : ""} <span class="meta">${when(m.createdAt, t.locale)}</span></p>
      <div class="body">${multiline(m.body)}</div>
      ${attachmentChips(m.attachments, fileHref, t)}
    </li>`,
    )}
    ${paging.newerHref ? html`<li class="paging"><a href="${paging.newerHref}#latest" rel="next">${t.t("tracking:newer")}</a></li>` : ""}
  </ol>`;
}

import type { FastifyRequest } from "fastify";
import type { AuditEventView } from "../../audit/audit.schemas.ts";
import { AUDIT_ACTIONS } from "../../audit/audit.ts";
import type { FieldErrors } from "../../errors.ts";
import { RETENTION_MAX_DAYS } from "../../lib/retention.ts";
import { RETENTION_LABELS, type Retention } from "../../lifecycle/retention.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// The data's lifecycle in the app: Settings → Data retention, a contact's export and erasure, and
// the audit log (/app/settings/audit). Times are <time> elements, shown in the reader's zone by time.js.

export interface RetentionState {
  values?: Record<keyof Retention, string>;
  errors?: FieldErrors;
}

const RETENTION_HINTS: Record<keyof Retention, string> = {
  outboxDays:
    "After this, a ticket's emails keep their subject, recipient and Message-ID (so late replies still thread) and lose their text; other emails are deleted.",
  inboundDays: "After processing, the raw message is deleted; the ticket and its messages stay.",
  searchMissesDays: "Knowledge-base searches with no result, by when last searched.",
  eventsDays:
    "The submit form's suggestion events (shown, clicked, dismissed). Ticket history is never pruned.",
};

export function retentionSection(
  req: FastifyRequest,
  r: Retention,
  isAdmin: boolean,
  st: RetentionState = {},
): Html {
  const v = st.values ?? {
    outboxDays: r.outboxDays === null ? "" : String(r.outboxDays),
    inboundDays: r.inboundDays === null ? "" : String(r.inboundDays),
    searchMissesDays: r.searchMissesDays === null ? "" : String(r.searchMissesDays),
    eventsDays: r.eventsDays === null ? "" : String(r.eventsDays),
  };
  const dis = isAdmin ? html`` : html` disabled`;
  const field = (k: keyof Retention) => html`<div class="field">
      <label for="${k}">${RETENTION_LABELS[k]} (days)</label>
      <p class="hint" id="${k}-hint">${RETENTION_HINTS[k]}</p>
      <input id="${k}" name="${k}" type="number" inputmode="numeric" min="0" max="${RETENTION_MAX_DAYS}" value="${v[k]}" placeholder="Keep forever"${describedBy(st.errors, k, `${k}-hint`)}${dis}>
      ${fieldError(RETENTION_LABELS, st.errors, k)}
    </div>`;
  return html`<section class="card" aria-labelledby="retention-title" id="retention">
  <h2 id="retention-title">Data retention</h2>
  <p class="hint">Older records are removed every night at 03:00 in the workspace's time zone. Leave a field blank (or 0) to keep for ever.${isAdmin ? "" : " Only admins change this."}</p>
  ${errorSummary(RETENTION_LABELS, st.errors)}
  <form method="post" action="/app/settings/retention" novalidate>
    ${csrfField(req)}
    ${field("outboxDays")}${field("inboundDays")}${field("searchMissesDays")}${field("eventsDays")}
    ${isAdmin ? html`<button type="submit">Save retention</button>` : ""}
  </form>
  ${isAdmin ? html`<p><a href="/app/settings/audit">Audit log</a>: who changed what, and when.</p>` : ""}
</section>`;
}

export interface ContactDataState {
  errors?: FieldErrors;
  notice?: string;
}

/** The contact page's block for admins: download their data, or erase them. */
export function contactDataBlock(
  req: FastifyRequest,
  c: { id: string; erasedAt: string | null },
  st: ContactDataState = {},
): Html {
  const notice = st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : "";
  if (c.erasedAt) {
    return html`<section class="card" aria-labelledby="data-title" id="data">
  <h2 id="data-title">Personal data</h2>${notice}
  <p>This contact was erased on ${when(c.erasedAt)}. Their requests remain, without what they wrote or uploaded.</p>
</section>`;
  }
  const labels: Labels = { confirmEmail: "Email address" };
  return html`<section class="card" aria-labelledby="data-title" id="data">
  <h2 id="data-title">Personal data</h2>${notice}
  <p><a class="button" href="/api/workspace/contacts/${c.id}/export" download>Download their data (JSON)</a></p>
  <p class="hint">Everything held about them, for an access request: profile, requests with their public conversation, survey and form answers, documents, sessions. Internal notes are not included.</p>
  <details${st.errors ? html` open` : ""}>
    <summary>Erase this contact</summary>
    ${errorSummary(labels, st.errors)}
    <form method="post" action="/app/contacts/${c.id}/erase" novalidate>
      ${csrfField(req)}
      <p>Erasing cannot be undone. Their name, email address and phone, what they wrote and the files they uploaded are removed; their requests stay, with the team's messages. They are signed out and their links stop working.</p>
      <div class="field">
        <label for="confirmEmail">Type their email address to confirm</label>
        <input id="confirmEmail" name="confirmEmail" type="email" autocomplete="off" required${describedBy(st.errors, "confirmEmail")}>
        ${fieldError(labels, st.errors, "confirmEmail")}
      </div>
      <button type="submit" class="danger">Erase contact</button>
    </form>
  </details>
</section>`;
}

const targetLink = (e: AuditEventView): Html | string => {
  if (e.targetType === "contact" && e.targetId)
    return html`<a href="/app/contacts/${e.targetId}">contact</a>`;
  if (e.targetType === "agent") return html`<a href="/app/settings#agents">agent</a>`;
  return e.targetType ?? "";
};

/** /app/settings/audit: newest first, a filter by action, a link to the next page. */
export function auditMain(items: AuditEventView[], action: string | undefined, next: string | null): Html {
  const options = Object.entries(AUDIT_ACTIONS).map(
    ([code, label]) =>
      html`<option value="${code}"${code === action ? html` selected` : ""}>${label}</option>`,
  );
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/settings">Settings</a> <span aria-hidden="true">/</span> <span aria-current="page">Audit log</span></nav>
<h1>Audit log</h1>
<p class="meta">Every change admins made to settings, agents and contacts' access, and every export and erasure, with who made it and from which address.</p>
<form method="get" action="/app/settings/audit" class="filters">
  <div class="field">
    <label for="action">Action</label>
    <select id="action" name="action"><option value="">All actions</option>${options}</select>
  </div>
  <button type="submit">Show</button>
</form>
${
  items.length
    ? html`<div class="table-wrap"><table class="list audit-table">
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Of</th><th scope="col">From</th></tr></thead>
<tbody>${items.map(
        (e) =>
          html`<tr><td>${when(e.at)}</td><td>${e.actor ? bdi(e.actor.name) : "System"}</td><td><strong>${AUDIT_ACTIONS[e.action as keyof typeof AUDIT_ACTIONS] ?? e.action}</strong><br><span class="meta">${bdi(e.summary)}</span></td><td>${targetLink(e)}</td><td>${e.ip ?? ""}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">Nothing recorded${action ? " for this action" : ""} yet.</p>`
}
${next ? html`<p><a href="${next}" rel="next">Older entries</a></p>` : ""}`;
}

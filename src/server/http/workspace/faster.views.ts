import type { FastifyRequest } from "fastify";
import {
  PRIORITY_LABELS,
  STATUS_LABELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
} from "../../../shared/tickets.ts";
import type { AgentView } from "../../agents/agent.service.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import type { BulkItemResult, QueueView } from "../../tickets/faster.schemas.ts";
import type { TicketDetail, TicketSummary } from "../../tickets/ticket.schemas.ts";
import { type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// Working faster, as the queue and a ticket show it: the views with their counts, the row's
// checkbox, unread dot and "Take it", the bulk bar, the merge card and the undo toast. Every form
// posts without JavaScript; app.js makes them answer in place.

const opt = (value: string, label: string) =>
  html`<option value="${value}">${withoutBidiControls(label)}</option>`;

/** The views with their counts; app.js refreshes the counts (GET /api/workspace/views). */
export function viewNav(
  current: { status: string; assignee: string; waiting?: string; team?: string },
  views: QueueView[],
): Html {
  const key =
    current.waiting === "us"
      ? "waiting"
      : current.team === "mine"
        ? "teams"
        : current.team
          ? ""
          : current.status === "any"
            ? "all"
            : current.status === "unresolved"
              ? current.assignee === "me"
                ? "mine"
                : current.assignee === "unassigned"
                  ? "unassigned"
                  : current.assignee
                    ? ""
                    : "open"
              : "";
  return html`<nav class="views view-counts" aria-label="Views" data-view-counts>${views.map(
    (v) =>
      html`<a href="${v.href}" data-view="${v.key}"${v.key === key ? html` aria-current="page"` : ""}>${v.label} <span class="view-count" data-count>${String(v.count)}</span><span class="visually-hidden"> tickets</span></a>`,
  )}<a href="/app?status=any"${key === "all" ? html` aria-current="page"` : ""}>All tickets</a></nav>`;
}

/** A queue row's reference (for app.js) and whether it is unread. */
export function rowMarks(t: TicketSummary): Html {
  return html` data-reference="${t.reference}"${t.unread ? html` class="unread"` : ""}`;
}

/** The first cell of a queue row: its checkbox for the bulk bar's form. */
export function pickCell(t: TicketSummary): Html {
  return html`<td class="pick"><input type="checkbox" name="references" value="${t.reference}" form="bulk" aria-label="Select ${t.reference}" data-pick></td>`;
}

export const pickAllHeader = html`<th scope="col" class="pick"><input type="checkbox" data-pick-all aria-label="Select all tickets on this page"></th>`;

/** A dot before the subject when the customer wrote since I last opened the ticket. */
export function unreadDot(t: TicketSummary): Html | "" {
  return t.unread
    ? html`<span class="unread-dot" aria-hidden="true"></span><span class="visually-hidden">Unread customer reply: </span>`
    : "";
}

/** "Take it" in a row, for a ticket not mine: a button of the page's one take form. */
export function takeCell(t: TicketSummary, me: string): Html | "" {
  if (t.assignee?.id === me) return "";
  return html` <button type="submit" class="linkish take" form="take" formaction="/app/tickets/${t.reference}/take" data-take="${t.reference}">Take it<span class="visually-hidden"> (${t.reference})</span></button>`;
}

/** The queue's bulk bar and the one form every row's "Take it" posts through. */
export function bulkBar(req: FastifyRequest, agents: AgentView[]): Html {
  return html`<form id="take" method="post" action="/app/tickets/bulk" hidden>${csrfField(req)}<input type="hidden" name="back" value="queue"></form>
<form id="bulk" class="bulk-bar" method="post" action="/app/tickets/bulk" aria-label="Change the selected tickets" data-bulk data-me="${(req.session as SessionInfo).actor.agentId}">
  ${csrfField(req)}
  <p class="bulk-count" aria-live="polite" data-bulk-count>Select tickets to change several at once.</p>
  <div class="field">
    <label for="bulk-action">Change</label>
    <select id="bulk-action" name="action">
      <optgroup label="Assign to">${opt("assign:me", "Me")}${opt("assign:", "Nobody (unassign)")}${agents.map((a) => opt(`assign:${a.id}`, a.name))}</optgroup>
      <optgroup label="Status">${TICKET_STATUSES.filter((s) => s !== "resolved").map((s) => opt(`status:${s}`, STATUS_LABELS[s]))}</optgroup>
      <optgroup label="Priority">${TICKET_PRIORITIES.map((p) => opt(`priority:${p}`, PRIORITY_LABELS[p]))}</optgroup>
      <optgroup label="Merge">${opt("merge:", "Merge into the ticket below")}</optgroup>
    </select>
  </div>
  <div class="field">
    <label for="bulk-into">Merge into</label>
    <input id="bulk-into" name="into" placeholder="TKT-0042" maxlength="20" autocomplete="off" aria-describedby="bulk-into-hint">
    <span class="hint" id="bulk-into-hint">Only for merging: the ticket the others go into.</span>
  </div>
  <button type="submit">Change selected tickets</button>
</form>
${undoToast}`;
}

/** The answer to a bulk change without JavaScript: what worked and what did not. */
export function bulkResultMain(results: BulkItemResult[]): Html {
  const failed = results.filter((r) => !r.ok);
  return html`<div class="page-head"><h1>Bulk change</h1></div>
<p class="notice ${failed.length ? "warning" : "success"}" role="status">${String(results.length - failed.length)} of ${String(results.length)} tickets changed.</p>
${failed.length ? html`<ul>${failed.map((r) => html`<li><a href="/app/tickets/${r.reference}">${r.reference}</a>: ${r.message ?? r.code ?? ""}</li>`)}</ul>` : ""}
<p><a href="/app">Back to the queue</a></p>`;
}

/** The ticket head's "Take it", unless it is mine already. */
export function takeButton(req: FastifyRequest, t: TicketDetail, me: string): Html | "" {
  if (t.assignee?.id === me) return "";
  return html`<form method="post" action="/app/tickets/${t.reference}/take" class="take-form" data-take-form>${csrfField(req)}<button type="submit" class="take">Take it</button></form>`;
}

/** The merge card in a ticket's side column, and the undo toast's region. */
export function mergeCard(req: FastifyRequest, t: TicketDetail, error?: string): Html | "" {
  if (t.status === "closed") return "";
  return html`<section class="card" aria-labelledby="merge-title">
  <h2 id="merge-title">Merge</h2>
  <form method="post" action="/app/tickets/${t.reference}/merge">
    ${csrfField(req)}
    <div class="field">
      <label for="merge-into">Merge this ticket into</label>
      <p class="hint" id="merge-hint">Another ticket of the same customer. This one is closed; its messages, files and history move there.</p>
      <input id="merge-into" name="into" placeholder="TKT-0042" maxlength="20" required aria-describedby="merge-hint${error ? " merge-error" : ""}"${error ? html` aria-invalid="true"` : ""}>
      ${error ? html`<p class="field-error" id="merge-error">${error}</p>` : ""}
    </div>
    <button type="submit">Merge</button>
  </form>
</section>`;
}

export const undoToast = html`<div class="toast" id="undo-toast" role="status" aria-live="polite" hidden><span data-toast-text></span> <button type="button" data-undo>Undo</button></div>`;

/** The history's sentences for a merge (tickets.views.ts). */
export const MERGE_EVENT_TEXT = {
  merged_into: (e: { data: Record<string, unknown> }) =>
    `merged it into ${String(e.data.into ?? "another ticket")}`,
  merged_from: (e: { data: Record<string, unknown> }) =>
    `merged ${String(e.data.from ?? "another ticket")} into this one`,
};

// Longer than 400 lines: the queue and the ticket page share their pieces (options, badges, the
// history's sentences); the team's parts are apart in ticket-team.views.ts.
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { MAX_FILES_AGENT } from "../../../shared/files.ts";
import {
  MESSAGE_MAX,
  PRIORITY_LABELS,
  STATUS_LABELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type TicketStatus,
} from "../../../shared/tickets.ts";
import type { AgentView } from "../../agents/agent.service.ts";
import { csrfTokenFor } from "../../auth/session.service.ts";
import type { CompanyOption } from "../../companies/company.schemas.ts";
import type { FieldErrors } from "../../errors.ts";
import type { TicketFieldView } from "../../forms/request-fields.ts";
import { isLocale, LANGUAGE_IN_ENGLISH, LOCALE_NAMES } from "../../i18n/locales.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import { QUEUE_SORTS, type QueueSort } from "../../tickets/queue.ts";
import type { TicketDetail, TicketEventView, TicketSummary } from "../../tickets/ticket.schemas.ts";
import { attachmentChips, fileField } from "../../web/attachments.ts";
import { describedBy, when } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import { companySelect } from "./companies.views.ts";
import { MERGE_EVENT_TEXT, pickAllHeader, pickCell, rowMarks, takeCell, unreadDot } from "./faster.views.ts";
import { fieldFilterInput, ticketFieldsBlock } from "./forms.views.ts";
import { appErrorSummary, appFieldError, csrfField, priorityBadge, statusBadge } from "./layout.ts";
import { replyTools } from "./reply-tools.views.ts";
import { moodFilterField, moodMarker, ticketMoodLine } from "./sentiment.views.ts";
import { ageCell, nextDueCell, slaCard } from "./sla.ticket.views.ts";
import { collisionFields, presenceLine } from "./ticket-live.views.ts";
import { queueTeamFilter, type TeamOption, ticketTeamField } from "./ticket-team.views.ts";

// The queue and a ticket as the agents see them. The queue's rows and the changing parts of a
// ticket are also sent alone, as fragments app.js polls for (?part=rows, ?part=live).

const SORT_LABELS: Record<QueueSort, string> = {
  newest: "Newest first",
  oldest: "Oldest first",
  updated: "Recently updated",
  sentiment: "Most negative first",
  due: "Next deadline",
};

export interface QueueParams {
  status: string;
  priority: string;
  assignee: string;
  /** A company's id, or "" for any. */
  company: string;
  /** An extra field's "key:value", or "" for any. */
  field?: string;
  waiting?: string; // "us": only tickets whose customer wrote last (faster.views.ts)
  q: string;
  /** negative, angry or urgent (sentiment.views.ts), or "" for any. */
  mood?: string;
  sort: QueueSort;
  cursor: string;
  /** "mine" (my teams), a team's id, or "" for any. */
  team?: string;
}

export type Query = Record<string, string | undefined>;

function queueHref(p: Partial<QueueParams>, extra: Query = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...p, ...extra })) {
    if (v && !(k === "sort" && v === "newest")) qs.set(k, v);
  }
  const s = qs.toString();
  return s ? `/app?${s}` : "/app";
}

// An option's label is text alone (no element can isolate it there): an agent's name goes
// without its bidirectional controls.
const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}"${value === selected ? html` selected` : ""}>${withoutBidiControls(label)}</option>`;

function viewTabs(p: QueueParams): Html {
  const views: [string, string, Partial<QueueParams>][] = [
    ["Unresolved", "unresolved-all", { status: "unresolved" }],
    ["Mine", "mine", { status: "unresolved", assignee: "me" }],
    ["Unassigned", "unassigned", { status: "unresolved", assignee: "unassigned" }],
    ["My teams", "my-teams", { status: "unresolved", team: "mine" }],
    ["All tickets", "all", { status: "any" }],
  ];
  const current = (v: Partial<QueueParams>) =>
    v.status === p.status &&
    (v.assignee ?? "") === p.assignee &&
    (v.team ?? "") === (p.team ?? "") &&
    !p.priority &&
    !p.q &&
    !p.company;
  return html`<nav class="views" aria-label="Views">${views.map(
    ([label, , v]) =>
      html`<a href="${queueHref(v)}"${current(v) ? html` aria-current="page"` : ""}>${label}</a>`,
  )}</nav>`;
}

function filters(
  p: QueueParams,
  agents: AgentView[],
  companies: CompanyOption[],
  teams?: TeamOption[],
): Html {
  return html`<form class="filters" method="get" action="/app" role="search" aria-label="Filter the queue">
  <div class="field search">
    <label for="q">Search</label>
    <input id="q" name="q" type="search" value="${p.q}" placeholder="Subject, message or reference" data-shortcut-search>
  </div>
  <div class="field">
    <label for="f-status">Status</label>
    <select id="f-status" name="status">
      ${option("unresolved", "Unresolved", p.status)}
      ${option("any", "Any status", p.status)}
      ${TICKET_STATUSES.map((s) => option(s, STATUS_LABELS[s], p.status))}
    </select>
  </div>
  <div class="field">
    <label for="f-priority">Priority</label>
    <select id="f-priority" name="priority">
      ${option("", "Any priority", p.priority)}
      ${TICKET_PRIORITIES.map((s) => option(s, PRIORITY_LABELS[s], p.priority))}
    </select>
  </div>
  <div class="field">
    <label for="f-assignee">Assignee</label>
    <select id="f-assignee" name="assignee">
      ${option("", "Anyone", p.assignee)}
      ${option("me", "Me", p.assignee)}
      ${option("unassigned", "Unassigned", p.assignee)}
      ${agents.map((a) => option(a.id, a.name, p.assignee))}
    </select>
  </div>
  ${queueTeamFilter(p.team ?? "", teams)}
  ${
    companies.length || p.company
      ? html`<div class="field">
    <label for="f-company">Company</label>
    ${companySelect("f-company", "company", companies, p.company, "Any company")}
  </div>`
      : ""
  }
  <div class="field">
    <label for="f-sort">Sort</label>
    <select id="f-sort" name="sort">${QUEUE_SORTS.map((s) => option(s, SORT_LABELS[s], p.sort))}</select>
  </div>
  ${moodFilterField(p.mood ?? "")}
  ${fieldFilterInput(p.field ?? "")}
  <button type="submit">Apply</button>
</form>`;
}

export function queueRows(items: TicketSummary[], p: QueueParams, me = ""): Html {
  const state = createHash("sha256")
    .update(items.map((t) => `${t.reference}:${t.updatedAt}`).join(","))
    .digest("base64url")
    .slice(0, 16);
  const poll = p.cursor ? "" : queueHref(p, { part: "rows" });
  return html`<div id="queue-live" data-state="${state}"${poll ? html` data-poll="${poll}"` : ""}>
${
  items.length === 0
    ? html`<p class="empty">${p.q ? html`No tickets match “${bdi(p.q)}”.` : "Nothing here. New requests appear on their own."}</p>`
    : html`<table class="queue">
  <thead><tr>${pickAllHeader}<th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Customer</th><th scope="col">Company</th><th scope="col">Status</th><th scope="col">Priority</th><th scope="col">Assignee</th><th scope="col">Updated</th><th scope="col">Next deadline</th><th scope="col">Age</th></tr></thead>
  <tbody>${items.map(
    (t) => html`<tr data-row${rowMarks(t)}>${pickCell(t)}
    <td class="ref">${t.reference}</td>
    <td class="subject">${unreadDot(t)}<a href="/app/tickets/${t.reference}" data-row-link>${bdi(t.subject)}</a>${moodMarker(t.sentiment)}</td>
    <td class="customer">${bdi(t.contact.name)}<span class="email">${t.contact.email}</span></td>
    <td class="company">${t.company ? html`<a href="/app/companies/${t.company.id}">${bdi(t.company.name)}</a>` : ""}</td>
    <td>${statusBadge(t.status)}</td>
    <td>${priorityBadge(t.priority)}</td>
    <td class="assignee">${t.assignee ? bdi(t.assignee.name) : html`<span class="muted">Unassigned</span>`}${takeCell(t, me)}</td>
    <td class="updated" data-label="Updated">${when(t.updatedAt)}</td>
    ${nextDueCell(t.nextDueAt, Date.now())}${ageCell(t.createdAt, Date.now())}
  </tr>`,
  )}</tbody>
</table>`
}
</div>`;
}

// The sentences of the history: an agent's name inside one goes without bidirectional controls.
const EVENT_TEXT: Record<string, (e: TicketEventView, agents: Map<string, string>) => string> = {
  created: (e) => `created the ticket (${String(e.data.channel ?? "portal")})`,
  agent_replied: () => "replied to the customer",
  customer_replied: () => "replied",
  note_added: () => "added an internal note",
  status_changed: (e) =>
    `changed the status from ${label(STATUS_LABELS, e.data.from)} to ${label(STATUS_LABELS, e.data.to)}`,
  reopened: (e) => `reopened the ticket (was ${label(STATUS_LABELS, e.data.from)})`,
  resolved: () => "resolved the ticket",
  priority_changed: (e) =>
    `changed the priority from ${label(PRIORITY_LABELS, e.data.from)} to ${label(PRIORITY_LABELS, e.data.to)}${e.data.reason === "sentiment" ? " (a strongly negative customer message)" : ""}`,
  assignee_changed: (e, agents) =>
    e.data.to
      ? `assigned it to ${withoutBidiControls(agents.get(String(e.data.to)) ?? "an agent")}`
      : "unassigned it",
  ...MERGE_EVENT_TEXT,
  follow_up_created: (e) => `started a follow-up, ${String(e.data.reference ?? "")}`,
  email_failed: (e) =>
    `could not deliver an email to ${String(e.data.to ?? "")}: ${String(e.data.reason ?? "")}`,
  incident_linked: (e) => `linked it to the incident “${withoutBidiControls(String(e.data.title ?? ""))}”`,
  incident_resolved: (e) => `resolved the incident “${withoutBidiControls(String(e.data.title ?? ""))}”`,
  team_changed: (e) => (e.data.to ? "moved it to another team" : "took it out of its team"),
};

/** Emails that could not be delivered: said at the top of the ticket, since the customer never got them. */
function emailProblems(t: TicketDetail): Html | "" {
  const failed = t.events.filter((e) => e.type === "email_failed");
  if (!failed.length) return "";
  return html`<div class="notice warning" role="alert"><p><strong>${failed.length === 1 ? "An email was not delivered" : `${failed.length} emails were not delivered`}.</strong></p><ul>${failed.map(
    (e) =>
      html`<li>To ${String(e.data.to ?? "")}: ${String(e.data.reason ?? "")} <span class="meta">${when(e.createdAt)}</span></li>`,
  )}</ul></div>`;
}

function label(labels: Record<string, string>, v: unknown): string {
  return labels[String(v)] ?? String(v);
}

export interface TicketPageState {
  errors?: FieldErrors;
  message?: string;
  draft?: string;
  kind?: string;
  resolutionDraft?: string;
  notice?: string;
  /** The onboarding section (onboarding-plans.views.ts). */
  onboarding?: Html;
  faster?: { take: Html | ""; side: Html }; // "Take it", merge, undo (faster.views.ts)
  /** The ticket's open follow-up tasks (agent-tasks.views.ts). */
  followUps?: Html;
  /** The ticket's incidents and the select to link one (incidents.views.ts). */
  incidents?: Html;
  extraFields?: TicketFieldView[];
  /** The workspace's teams, for the ticket's team (routing). */
  teams?: TeamOption[];
  /** The reply was refused: a newer customer message arrived (ticket-live.views.ts). */
  newerMessage?: boolean;
  /** An older page of a long conversation (?before=): shown as it is, not kept up to date. */
  older?: boolean;
}

/** The parts of a ticket page that change while it is open: re-rendered for app.js's poller. */
function badges(t: TicketDetail): Html {
  return html`<p class="badges" id="ticket-badges">${statusBadge(t.status)} ${priorityBadge(t.priority)} <span class="meta">Opened ${when(t.createdAt)}</span></p>`;
}

const fileHref = (f: { id: string }) => `/api/workspace/attachments/${f.id}`;

/**
 * The request itself, then the messages shown: the newest of a long conversation, a link to the
 * older ones between them; on an older page (`older`), a link back to the newest after them.
 */
function conversation(t: TicketDetail, older = false): Html {
  const base = `/app/tickets/${t.reference}`;
  return html`<ol class="conversation" id="conversation">
      <li class="entry from-contact">
        <p class="who"><strong>${bdi(t.contact.name)}</strong> <span class="meta">${when(t.createdAt)}</span></p>
        <div class="body">${t.description ? multiline(t.description) : html`<p class="meta">No description.</p>`}</div>
        ${attachmentChips(t.attachments, fileHref)}
      </li>
      ${
        t.hasOlder && t.nextBefore
          ? html`<li class="older-messages"><a href="${base}?before=${encodeURIComponent(t.nextBefore)}#conversation">Show older messages</a></li>`
          : ""
      }
      ${t.conversation.map(
        (c) => html`<li class="entry ${c.internal ? "internal" : `from-${c.author.type}`}">
        <p class="who"><strong>${bdi(c.author.name || "Portico")}</strong> ${
          c.internal
            ? html`<span class="tag note-tag">Internal note · agents only</span>`
            : c.author.type === "agent"
              ? html`<span class="tag">Reply · customer sees this</span>`
              : ""
        } <span class="meta">${c.channel === "email" ? "by email · " : ""}${when(c.createdAt)}</span></p>
        <div class="body">${multiline(c.body)}</div>
        ${attachmentChips(c.attachments, fileHref)}
      </li>`,
      )}
      ${older ? html`<li class="older-messages"><a href="${base}#conversation">Back to the newest messages</a></li>` : ""}
    </ol>`;
}

function history(t: TicketDetail, names: Map<string, string>): Html {
  return html`<ol class="history" id="history">${t.events.map((e) => {
    const text = EVENT_TEXT[e.type]?.(e, names) ?? e.type;
    const who = e.actor.name ?? (e.actor.type === "system" ? "Portico" : "Someone");
    return html`<li><span>${bdi(who)} ${text}</span> <span class="meta">${when(e.createdAt)}</span></li>`;
  })}</ol>`;
}

function ticketState(t: TicketDetail): string {
  // The newest message and event, not counts: a page of a long conversation keeps its length.
  return `${t.status}:${t.priority}:${t.conversation.at(-1)?.id ?? ""}:${t.events.at(-1)?.id ?? ""}:${t.updatedAt}`;
}

export function ticketMain(
  req: FastifyRequest,
  t: TicketDetail,
  agents: AgentView[],
  st: TicketPageState,
): Html {
  const base = `/app/tickets/${t.reference}`;
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const kind = st.kind === "note" ? "note" : "reply";
  const open = t.status !== "resolved" && t.status !== "closed";
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app">Queue</a> <span aria-hidden="true">/</span> <span aria-current="page">${t.reference}</span></nav>
<div class="ticket-head">
  <p class="meta">${t.reference} · ${t.type} · via ${t.channel}${t.followUpOf ? html` · follow-up of <a href="/app/tickets/${t.followUpOf}">${t.followUpOf}</a>` : ""}</p>
  <h1>${bdi(t.subject)}</h1>
  ${badges(t)}${st.faster?.take ?? ""}
  ${ticketMoodLine(t.sentiment)}
  ${presenceLine(t, req.session?.agent.id ?? "")}
</div>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${emailProblems(t)}
<div class="ticket-layout"${st.older ? "" : html` data-poll="${base}?part=live"`} data-state="${ticketState(t)}">
<div class="thread">
  <section aria-labelledby="conv-title">
    <h2 id="conv-title" class="visually-hidden">Conversation</h2>
    ${st.older ? html`<p class="notice" role="status">Older messages of this conversation. <a href="${base}#conversation">Back to the newest</a></p>` : ""}
    ${conversation(t, st.older)}
  </section>
  <section aria-labelledby="composer-title" class="composer-wrap" id="composer">
    <h2 id="composer-title">Respond</h2>
    ${st.errors || st.message ? appErrorSummary(st.errors, st.message) : ""}
    <form method="post" action="${base}/messages" class="composer" novalidate data-once>
      ${csrfField(req)}
      <fieldset class="mode">
        <legend>Send as</legend>
        <label class="mode-reply"><input type="radio" name="kind" value="reply" id="kind-reply"${kind === "reply" ? html` checked` : ""}> Reply to customer <span class="hint">${bdi(t.contact.name)} sees this</span></label>
        <label class="mode-note"><input type="radio" name="kind" value="note" id="kind-note"${kind === "note" ? html` checked` : ""}> Internal note <span class="hint">only agents see this</span></label>
      </fieldset>
      <div class="field">
        <label for="body"><span class="when-reply">Reply to ${bdi(t.contact.name)}</span><span class="when-note">Internal note</span></label>
        <textarea id="body" name="body" rows="6" required maxlength="${MESSAGE_MAX}"${describedBy(st.errors, "body")}>${st.draft ?? ""}</textarea>
        ${appFieldError(st.errors, "body")}
      </div>
      ${replyTools(req, t.reference)}
      ${fileField({ uploadUrl: "/api/workspace/uploads", maxFiles: MAX_FILES_AGENT, csrf: csrfTokenFor(req.sessionToken as string) })}
      ${appFieldError(st.errors, "attachments")}
      ${collisionFields(t, st.newerMessage, st.older)}
      <div class="field when-reply">
        <label for="then-status">Then set the status to</label>
        <select id="then-status" name="status">
          ${option("", "Keep it as it is", "")}
          ${(["in_progress", "waiting", "resolved"] as TicketStatus[]).map((s) => option(s, STATUS_LABELS[s], ""))}
        </select>
      </div>
      <button type="submit" class="primary send"><span class="when-reply">Send reply to customer</span><span class="when-note">Add internal note</span></button>
    </form>
  </section>
</div>
<aside class="side" aria-label="Ticket details">
  ${slaCard(t.sla, Date.now())}
  <section class="card" aria-labelledby="props-title">
    <h2 id="props-title">Details</h2>
    <form method="post" action="${base}/properties" data-autosave>
      ${csrfField(req)}
      <div class="field">
        <label for="p-status">Status</label>
        <select id="p-status" name="status">${TICKET_STATUSES.map((s) => option(s, STATUS_LABELS[s], t.status))}</select>
      </div>
      <div class="field">
        <label for="p-priority">Priority</label>
        <select id="p-priority" name="priority">${TICKET_PRIORITIES.map((s) => option(s, PRIORITY_LABELS[s], t.priority))}</select>
      </div>
      <div class="field">
        <label for="p-assignee">Assignee</label>
        <select id="p-assignee" name="assigneeId">
          ${option("", "Unassigned", t.assignee?.id ?? "")}
          ${agents.filter((a) => a.active || a.id === t.assignee?.id).map((a) => option(a.id, a.name, t.assignee?.id ?? ""))}
        </select>
      </div>
      ${ticketTeamField(t.teamId, st.teams)}
      <button type="submit">Save details</button>
    </form>
  </section>
  <section class="card" aria-labelledby="resolve-title">
    <h2 id="resolve-title">${open ? "Resolve" : "Resolution"}</h2>
    ${
      open
        ? html`<form method="post" action="${base}/resolve" novalidate data-once>
      ${csrfField(req)}
      <div class="field">
        <label for="resolution">Resolution</label>
        <p class="hint" id="resolution-hint">The customer sees this on their tracking page.</p>
        <textarea id="resolution" name="resolution" rows="3" required maxlength="${MESSAGE_MAX}"${describedBy(st.errors, "resolution", "resolution-hint")}>${st.resolutionDraft ?? ""}</textarea>
        ${appFieldError(st.errors, "resolution")}
      </div>
      <button type="submit" class="resolve">Resolve ticket</button>
    </form>`
        : html`<p>${t.resolution ? multiline(t.resolution) : "No resolution note."}</p>${t.resolvedAt ? html`<p class="meta">Resolved ${when(t.resolvedAt)}</p>` : ""}`
    }
  </section>
  <section class="card" aria-labelledby="contact-title">
    <h2 id="contact-title">Customer</h2>
    <p><a href="/app/contacts/${t.contact.id}">${bdi(t.contact.name)}</a><br><a href="mailto:${t.contact.email}" class="email">${t.contact.email}</a></p>
    ${t.company ? html`<p>Company: <a href="/app/companies/${t.company.id}">${bdi(t.company.name)}</a></p>` : ""}
    ${isLocale(t.language) ? html`<p>Language: ${LANGUAGE_IN_ENGLISH[t.language]}${t.language === "en" ? "" : html` (<span lang="${t.language}">${LOCALE_NAMES[t.language]}</span>)`} <span class="meta">their emails are in it</span></p>` : ""}
    ${
      t.contactTickets.length
        ? html`<h3>Other tickets</h3><ul class="plain">${t.contactTickets.map(
            (o) =>
              html`<li><a href="/app/tickets/${o.reference}">${o.reference}</a> ${bdi(o.subject)} ${statusBadge(o.status)}</li>`,
          )}</ul>`
        : html`<p class="meta">No other tickets.</p>`
    }
    ${ticketFieldsBlock(st.extraFields ?? [])}
  </section>
  ${satisfactionCard(t)}
  <section class="card" aria-labelledby="history-title">
    <h2 id="history-title">History</h2>
    ${history(t, names)}
  </section>
  ${st.onboarding ?? ""}
  ${st.followUps ?? ""}
  ${st.incidents ?? ""}
  ${st.faster?.side ?? ""}
</aside>
</div>`;
}

/** The queue page's main part: views, filters, the rows and the pager. */
export function queueMain(
  p: QueueParams,
  agents: AgentView[],
  companies: CompanyOption[],
  items: TicketSummary[],
  nextCursor: string | null,
  problem?: string,
  teams?: TeamOption[],
  faster: { me?: string; views?: Html; tools?: Html } = {},
): Html {
  return html`<div class="page-head"><h1>Queue</h1></div>
${faster.views ?? viewTabs(p)}
${filters(p, agents, companies, teams)}
${problem ? html`<p class="notice" role="status">${problem}</p>` : ""}${faster.tools ?? ""}
${queueRows(items, p, faster.me)}
<nav class="pager" aria-label="Pages">
  ${p.cursor ? html`<a href="${queueHref({ ...p, cursor: "" })}">First page</a>` : ""}
  ${nextCursor ? html`<a href="${queueHref({ ...p, cursor: nextCursor })}" rel="next">Next page</a>` : ""}
</nav>`;
}

/** What changes on an open ticket page, for app.js's poller: the badges, conversation and history. */
export function ticketLiveFragment(t: TicketDetail, agents: AgentView[]): Html {
  const names = new Map(agents.map((a) => [a.id, a.name]));
  return html`<div data-state="${ticketState(t)}">${badges(t)}${conversation(t)}${history(t, names)}</div>`;
}

/** The customer's CSAT rating and "Still fixed?" answer, once given. */
function satisfactionCard(t: TicketDetail): Html | "" {
  if (!t.satisfaction && !t.stillFixed) return "";
  const r = t.satisfaction;
  const f = t.stillFixed;
  return html`<section class="card satisfaction" aria-labelledby="csat-title">
    <h2 id="csat-title">Customer satisfaction</h2>
    ${
      r
        ? html`<p><strong>${r.score} / 5</strong> <span class="stars" aria-hidden="true">${"★".repeat(r.score)}${"☆".repeat(5 - r.score)}</span></p>
    ${r.comment ? html`<blockquote>${multiline(r.comment)}</blockquote>` : ""}
    <p class="meta">Rated ${when(r.answeredAt)}</p>`
        : ""
    }
    ${
      f
        ? html`<p>Still fixed? <strong>${f.answer === "yes" ? "Yes" : "No"}</strong> <span class="meta">${when(f.answeredAt)}</span></p>
    ${f.comment ? html`<blockquote>${multiline(f.comment)}</blockquote>` : ""}`
        : ""
    }
  </section>`;
}

import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import { TIME_ZONES } from "../../i18n/time-zones.ts";
import { noticeParts } from "../../notifications/notice-text.ts";
import type { NotificationView, Profile } from "../../notifications/notification.schemas.ts";
import { NOTIFICATION_KINDS, type NotificationKind } from "../../notifications/notification-kinds.ts";
import { describedBy, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { appErrorSummary, appFieldError, csrfField } from "./layout.ts";

// /app/notifications (the bell's page: newest first, mark one or all read) and /app/profile
// (where each kind of notice reaches the agent, and their time zone).

const KIND_LABELS: Record<NotificationKind, string> = {
  new_ticket: "A new ticket for my team (or any, while it has no team)",
  assigned: "A ticket is assigned to me",
  customer_reply: "The customer replied on my ticket (or an unassigned one)",
  mention: "A colleague @mentions me in an internal note",
  sla_warning: "A ticket of mine is about to miss its SLA deadline",
  sla_breach: "A ticket of mine missed its SLA deadline",
  incident: "An incident is declared or resolved",
  webhook_disabled: "A webhook is switched off after failing for days (admins)",
};

/** The sentence with the name isolated. */
const verbOf = (n: NotificationView): Html => {
  const [before, name, after] = noticeParts(n.kind, n.by, n.event);
  return name === undefined ? html`${before}` : html`${before}${bdi(name)}${after ?? ""}`;
};

function noticeItem(req: FastifyRequest, n: NotificationView): Html {
  const unread = n.readAt === null;
  const ticket = n.ticket;
  return html`<li class="notice-item${unread ? " unread" : ""}">
  <p class="notice-line">${unread ? html`<span class="unread-dot" aria-hidden="true"></span><span class="visually-hidden">Unread: </span>` : ""}${verbOf(n)}${
    ticket
      ? html` on <a href="/app/tickets/${ticket.reference}" data-notice-open="${n.id}">${ticket.reference}${ticket.subject ? html`: ${bdi(ticket.subject)}` : ""}</a>`
      : n.incident
        ? html`: <a href="/app/incidents/${encodeURIComponent(n.incident.id)}">${bdi(n.incident.title)}</a>`
        : ""
  }</p>
  ${n.excerpt ? html`<p class="notice-excerpt">${bdi(n.excerpt)}</p>` : ""}
  <p class="meta">${when(n.createdAt)}</p>
  ${
    unread
      ? html`<form method="post" action="/app/notifications/${n.id}/read" class="notice-read">${csrfField(req)}<button type="submit" class="small">Mark read<span class="visually-hidden">: ${verbOf(n)}${ticket ? ` on ${ticket.reference}` : ""}</span></button></form>`
      : ""
  }
</li>`;
}

export function notificationsMain(
  req: FastifyRequest,
  list: { unread: number; items: NotificationView[] },
  st: { unreadOnly: boolean; notice?: string | undefined },
): Html {
  return html`<div class="page-head notices-head">
  <h1>Notifications</h1>
  ${
    list.unread > 0
      ? html`<form method="post" action="/app/notifications/read-all">${csrfField(req)}<button type="submit" class="small">Mark all read</button></form>`
      : ""
  }
</div>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
<p class="meta">${list.unread > 0 ? `${list.unread} unread.` : "Nothing unread."} ${
    st.unreadOnly
      ? html`<a href="/app/notifications">Show all</a>`
      : html`<a href="/app/notifications?unread=1">Show only unread</a>`
  } · <a href="/app/profile">Choose which notices you get</a></p>
${
  list.items.length
    ? html`<ol class="notice-list card">${list.items.map((n) => noticeItem(req, n))}</ol>`
    : html`<p class="card empty">${st.unreadOnly ? "No unread notifications." : "No notifications yet. New tickets, replies on yours and mentions show up here."}</p>`
}`;
}

export function profileMain(
  req: FastifyRequest,
  p: Profile,
  st: { saved?: boolean; errors?: FieldErrors | undefined; email: string },
): Html {
  const e = st.errors;
  const zones = p.timeZone && !TIME_ZONES.includes(p.timeZone) ? [p.timeZone, ...TIME_ZONES] : TIME_ZONES;
  return html`<h1>Your profile</h1>
${st.saved ? html`<p class="notice success" role="status">Saved.</p>` : ""}
${appErrorSummary(e)}
<form method="post" action="/app/profile" class="card profile-form">
  ${csrfField(req)}
  <fieldset class="prefs">
    <legend>Tell me when</legend>
    <p class="meta">Emails go to ${bdi(st.email)}, to you alone.</p>
    ${NOTIFICATION_KINDS.map(
      (k) => html`<fieldset class="pref-row">
      <legend>${KIND_LABELS[k]}</legend>
      <label><input type="checkbox" name="${k}.app" value="1"${p.notifications[k].app ? html` checked` : ""}> In the app</label>
      <label><input type="checkbox" name="${k}.email" value="1"${p.notifications[k].email ? html` checked` : ""}> By email</label>
    </fieldset>`,
    )}
  </fieldset>
  <div class="field">
    <label for="timeZone">Time zone</label>
    <select id="timeZone" name="timeZone"${describedBy(e, "timeZone", "timeZone-hint")}>
      <option value=""${p.timeZone ? "" : html` selected`}>The browser's</option>
      ${zones.map((z) => html`<option value="${z}"${z === p.timeZone ? html` selected` : ""}>${z}</option>`)}
    </select>
    <p class="hint" id="timeZone-hint">Times in the app are shown in this zone.</p>
    ${appFieldError(e, "timeZone")}
  </div>
  <button type="submit">Save</button>
</form>`;
}

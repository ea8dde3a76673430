import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import {
  type DeliveryDetailT,
  type DeliveryView,
  WEBHOOK_ENDPOINTS_MAX,
  WEBHOOK_NAME_MAX,
  type WebhookView,
} from "../../webhooks/webhook.schemas.ts";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENTS, WEBHOOK_PING } from "../../webhooks/webhook-events.ts";
import { WEBHOOK_URL_MAX } from "../../webhooks/webhook-url.ts";
import { csrfField } from "./layout.ts";

// Settings → Webhooks: the endpoints with their state and last results, the form that adds or
// changes one, the signing secret shown once, and an endpoint's delivery log with each
// delivery's attempts. Every action is a form (POST, then a redirect or the page again).

const LABELS: Labels = { name: "Name", url: "Address", format: "Format", events: "Events" };

export interface WebhookValues {
  name: string;
  url: string;
  format: string;
  events: string[];
}

export const emptyWebhookValues = (): WebhookValues => ({
  name: "",
  url: "",
  format: "json",
  events: ["ticket.created"],
});

export const webhookValuesOf = (w: WebhookView): WebhookValues => ({
  name: w.name,
  url: w.url,
  format: w.format,
  events: w.events,
});

const eventLabel = (e: string) =>
  e === WEBHOOK_PING ? "Test event" : (WEBHOOK_EVENT_LABELS[e as keyof typeof WEBHOOK_EVENT_LABELS] ?? e);

const stateTag = (w: WebhookView): Html =>
  w.state === "active"
    ? html`<span class="tag mail-sent">Active</span>`
    : w.state === "paused"
      ? html`<span class="tag mail-suppressed">Paused</span>`
      : html`<span class="tag mail-failed">Disabled</span>${w.disabledReason ? html`<br><span class="meta">${w.disabledReason}</span>` : ""}`;

const lastResults = (w: WebhookView): Html =>
  html`${w.lastSuccessAt ? html`<span class="meta">Last success</span> ${when(w.lastSuccessAt)}` : html`<span class="meta">No success yet</span>`}${w.lastFailureAt ? html`<br><span class="meta">Last failure</span> ${when(w.lastFailureAt)}` : ""}`;

const FORMAT_LABELS: Record<string, string> = {
  json: "Signed JSON",
  slack: "Slack / chat incoming webhook",
};

/** The signing secret, right after it was made: the one time anyone sees it. */
export function secretPanel(secret: string | null): Html {
  if (secret === null) {
    return html`<p class="notice success" role="status">Saved. Chat messages are not signed: there is no secret to copy.</p>`;
  }
  return html`<section class="card" aria-labelledby="secret-title" id="secret">
  <h2 id="secret-title">Signing secret</h2>
  <p id="secret-hint">Copy it now into the receiving service: it is shown only this once. Each request carries a <code>Portico-Signature</code> made with it.</p>
  <div class="copy-row">
    <label class="visually-hidden" for="webhook-secret">Signing secret</label>
    <input id="webhook-secret" type="text" readonly value="${secret}" aria-describedby="secret-hint" autocomplete="off" spellcheck="false">
    <button type="button" data-copy="webhook-secret">Copy</button>
  </div>
  <p class="visually-hidden" aria-live="polite" data-copy-status></p>
</section>`;
}

function endpointForm(
  req: FastifyRequest,
  v: WebhookValues,
  opts: { action: string; submit: string; errors?: FieldErrors | undefined },
): Html {
  const { errors } = opts;
  return html`<form method="post" action="${opts.action}" class="webhook-form" novalidate>
  ${csrfField(req)}
  <div class="field">
    <label for="name">Name</label>
    <input id="name" name="name" type="text" required maxlength="${WEBHOOK_NAME_MAX}" value="${v.name}"${describedBy(errors, "name")}>
    ${fieldError(LABELS, errors, "name")}
  </div>
  <div class="field">
    <label for="url">Address</label>
    <p class="hint" id="url-hint">The receiver's https address, e.g. https://example.com/hooks/portico. Internal addresses are refused unless the operator allowed them.</p>
    <input id="url" name="url" type="url" required maxlength="${WEBHOOK_URL_MAX}" value="${v.url}" inputmode="url" spellcheck="false"${describedBy(errors, "url", "url-hint")}>
    ${fieldError(LABELS, errors, "url")}
  </div>
  <fieldset id="format"${describedBy(errors, "format")}>
    <legend>Format</legend>
    ${(["json", "slack"] as const).map(
      (f) =>
        html`<div class="webhook-choice"><input type="radio" id="format-${f}" name="format" value="${f}"${v.format === f ? html` checked` : ""}> <label for="format-${f}">${FORMAT_LABELS[f]}</label></div>`,
    )}
    ${fieldError(LABELS, errors, "format")}
  </fieldset>
  <fieldset id="events"${describedBy(errors, "events")}>
    <legend>Events</legend>
    ${WEBHOOK_EVENTS.map(
      (e) =>
        html`<div class="webhook-choice"><input type="checkbox" id="event-${e.replace(".", "-")}" name="events" value="${e}"${v.events.includes(e) ? html` checked` : ""}> <label for="event-${e.replace(".", "-")}">${WEBHOOK_EVENT_LABELS[e]} <code>${e}</code></label></div>`,
    )}
    ${fieldError(LABELS, errors, "events")}
  </fieldset>
  <div class="actions"><button type="submit" class="primary">${opts.submit}</button></div>
</form>`;
}

export function webhooksMain(
  req: FastifyRequest,
  list: WebhookView[],
  opts: {
    values: WebhookValues;
    errors?: FieldErrors | undefined;
    message?: string | undefined;
    notice?: string | undefined;
  },
): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/settings">Settings</a> <span aria-hidden="true">/</span> <span aria-current="page">Webhooks</span></nav>
<h1>Webhooks and chat notifications</h1>
<p class="hint">Portico POSTs the events you choose to each address, signed, retried for a day when the receiver fails, and logged. An address failing for three days is switched off and the admins are told.</p>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${
  list.length
    ? html`<div class="table-wrap"><table class="mail-table">
<caption class="visually-hidden">Webhooks</caption>
<thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Events</th><th scope="col">Results</th></tr></thead>
<tbody>${list.map(
        (w) => html`<tr>
<td><a href="/app/settings/webhooks/${w.id}">${bdi(w.name)}</a><br><span class="meta">${FORMAT_LABELS[w.format]}</span></td>
<td>${stateTag(w)}</td>
<td>${w.events.map((e, i) => html`${i ? ", " : ""}${eventLabel(e)}`)}</td>
<td>${lastResults(w)}</td>
</tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">No webhooks yet.</p>`
}
<section class="card" aria-labelledby="add-title" id="add">
  <h2 id="add-title">Add a webhook</h2>
  ${
    list.length >= WEBHOOK_ENDPOINTS_MAX
      ? html`<p>A workspace keeps at most ${String(WEBHOOK_ENDPOINTS_MAX)} webhooks: delete one to add another.</p>`
      : html`${errorSummary(LABELS, opts.errors, opts.message)}${endpointForm(req, opts.values, { action: "/app/settings/webhooks", submit: "Add webhook", errors: opts.errors })}`
  }
</section>`;
}

const DELIVERY_STATE: Record<string, Html> = {
  pending: html`<span class="tag">Waiting</span>`,
  succeeded: html`<span class="tag mail-sent">Sent</span>`,
  failed: html`<span class="tag mail-failed">Failed</span>`,
};

const resendButton = (req: FastifyRequest, w: WebhookView, d: DeliveryView) =>
  html`<form method="post" action="/app/settings/webhooks/${w.id}/deliveries/${d.id}/resend">${csrfField(req)}<button type="submit" class="linkish" aria-label="Resend the ${eventLabel(d.event)} of ${d.createdAt}">Resend</button></form>`;

function deliveryLog(
  req: FastifyRequest,
  w: WebhookView,
  items: DeliveryView[],
  state: string | undefined,
  next: string | null,
): Html {
  const filter = (value: string | undefined, label: string) =>
    html`<a href="/app/settings/webhooks/${w.id}${value ? `?state=${value}` : ""}#log"${state === value ? html` aria-current="page"` : ""}>${label}</a>`;
  return html`<section class="card" aria-labelledby="log-title" id="log">
<h2 id="log-title">Deliveries</h2>
<nav class="toc" aria-label="Filter deliveries">${filter(undefined, "All")} ${filter("pending", "Waiting")} ${filter("succeeded", "Sent")} ${filter("failed", "Failed")}</nav>
${
  items.length
    ? html`<div class="table-wrap"><table class="mail-table">
<caption class="visually-hidden">Deliveries, newest first</caption>
<thead><tr><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last status</th><th scope="col">Time</th><th scope="col">Duration</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${items.map(
        (d) => html`<tr>
<td><a href="/app/settings/webhooks/${w.id}/deliveries/${d.id}">${eventLabel(d.event)}</a><br><code class="meta">${d.event}</code>${d.resentFromId ? html`<br><span class="meta">Resent</span>` : ""}</td>
<td>${DELIVERY_STATE[d.state]}</td>
<td>${String(d.attempts)}</td>
<td>${d.lastStatus !== null ? String(d.lastStatus) : d.lastError ? html`<span class="meta">${d.lastError.slice(0, 80)}</span>` : "—"}</td>
<td>${when(d.createdAt)}</td>
<td>${d.lastDurationMs !== null ? `${d.lastDurationMs} ms` : "—"}</td>
<td>${d.state === "pending" ? "" : resendButton(req, w, d)}</td>
</tr>`,
      )}</tbody></table></div>
${next ? html`<p><a href="${next}">Older deliveries</a></p>` : ""}`
    : html`<p class="meta">No deliveries${state ? " in this state" : " yet: send a test event to try the address"}.</p>`
}
</section>`;
}

export function webhookMain(
  req: FastifyRequest,
  w: WebhookView,
  log: { items: DeliveryView[]; state: string | undefined; next: string | null },
  opts: {
    values: WebhookValues;
    errors?: FieldErrors | undefined;
    message?: string | undefined;
    notice?: string | undefined;
    secret?: { value: string | null } | undefined;
  },
): Html {
  const base = `/app/settings/webhooks/${w.id}`;
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/settings">Settings</a> <span aria-hidden="true">/</span> <a href="/app/settings/webhooks">Webhooks</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(w.name)}</span></nav>
<h1>${bdi(w.name)}</h1>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${opts.secret ? secretPanel(opts.secret.value) : ""}
<dl class="facts">
  <dt>State</dt><dd>${stateTag(w)}</dd>
  <dt>Address</dt><dd><code>${w.url}</code></dd>
  <dt>Format</dt><dd>${FORMAT_LABELS[w.format]}</dd>
  <dt>Results</dt><dd>${lastResults(w)}</dd>
</dl>
<div class="actions webhook-actions">
  <form method="post" action="${base}/test">${csrfField(req)}<button type="submit" class="primary">Send test event</button></form>
  <form method="post" action="${base}/state">${csrfField(req)}<input type="hidden" name="state" value="${w.state === "active" ? "paused" : "active"}"><button type="submit">${w.state === "active" ? "Pause" : w.state === "paused" ? "Resume" : "Turn on again"}</button></form>
  <form method="post" action="${base}/secret">${csrfField(req)}<button type="submit">New signing secret</button></form>
</div>
${deliveryLog(req, w, log.items, log.state, log.next)}
<section class="card" aria-labelledby="edit-title" id="edit">
  <h2 id="edit-title">Change</h2>
  ${errorSummary(LABELS, opts.errors, opts.message)}
  ${endpointForm(req, opts.values, { action: base, submit: "Save", errors: opts.errors })}
</section>
<section class="card" aria-labelledby="delete-title">
  <h2 id="delete-title">Delete</h2>
  <details>
    <summary>Delete this webhook…</summary>
    <p>Nothing more is sent to this address, and its delivery log is deleted too.</p>
    <form method="post" action="${base}/delete">${csrfField(req)}<button type="submit" class="danger">Delete “${w.name}”</button></form>
  </details>
</section>`;
}

export function deliveryMain(req: FastifyRequest, w: WebhookView, d: DeliveryDetailT): Html {
  const x = d.delivery;
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/settings/webhooks">Webhooks</a> <span aria-hidden="true">/</span> <a href="/app/settings/webhooks/${w.id}">${bdi(w.name)}</a> <span aria-hidden="true">/</span> <span aria-current="page">Delivery</span></nav>
<h1>${eventLabel(x.event)}</h1>
<dl class="facts">
  <dt>Event</dt><dd><code>${x.event}</code></dd>
  <dt>State</dt><dd>${DELIVERY_STATE[x.state]}</dd>
  <dt>Happened</dt><dd>${when(x.occurredAt)}</dd>
  ${x.nextAttemptAt ? html`<dt>Next attempt</dt><dd>${when(x.nextAttemptAt)}</dd>` : ""}
  ${x.finishedAt ? html`<dt>Finished</dt><dd>${when(x.finishedAt)}</dd>` : ""}
  <dt>Delivery id</dt><dd><code>${x.id}</code></dd>
  ${x.resentFromId ? html`<dt>Resends</dt><dd><a href="/app/settings/webhooks/${w.id}/deliveries/${x.resentFromId}">the earlier delivery</a></dd>` : ""}
</dl>
${x.state === "pending" ? "" : html`<div class="actions">${resendButton(req, w, x)}</div>`}
<section class="card" aria-labelledby="attempts-title">
<h2 id="attempts-title">Attempts</h2>
${
  d.attemptLog.length
    ? html`<div class="table-wrap"><table class="mail-table">
<thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Answer</th></tr></thead>
<tbody>${d.attemptLog.map(
        (a) => html`<tr>
<td>${when(a.at)}</td>
<td>${a.status !== null ? String(a.status) : "No answer"}</td>
<td>${String(a.durationMs)} ms</td>
<td>${a.error ? html`<p class="meta">${a.error}</p>` : ""}${a.responseExcerpt ? html`<pre class="webhook-excerpt">${a.responseExcerpt}</pre>` : ""}</td>
</tr>`,
      )}</tbody></table></div>`
    : html`<p class="meta">Not tried yet.</p>`
}
</section>
${d.body ? html`<section class="card" aria-labelledby="body-title"><h2 id="body-title">Body sent</h2><pre class="webhook-excerpt" tabindex="0">${d.body}</pre></section>` : ""}`;
}

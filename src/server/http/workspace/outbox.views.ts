import type { FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import { mailDir } from "../../email/email.transport.ts";
import type { getOutboxEmail, OutboxItem } from "../../email/outbox.service.ts";
import { when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// Admins' view of outgoing mail: every email with its state, the text and HTML as sent, and the
// .eml. On the embedded default (no SMTP_URL) this is where a newcomer sees what would be sent.

const KIND_LABELS: Record<string, string> = {
  ticket_confirmation: "Confirmation",
  agent_reply: "Agent's reply",
  ticket_resolved: "Resolution",
  agent_new_ticket: "New ticket (agents)",
  agent_customer_reply: "Customer replied (agents)",
  agent_invitation: "Invitation",
  open_requests: "Open requests (lost link)",
  customer_invitation: "Portal invitation",
  customer_magic_link: "Sign-in link",
  customer_password_reset: "Password reset",
  customer_verify_email: "Email to confirm",
  agent_password_reset: "Password reset (agent)",
  incident_resolved: "Incident resolved",
};

const STATE_LABELS: Record<string, string> = {
  pending: "Waiting",
  sent: "Sent",
  failed: "Failed",
  suppressed: "Not sent",
};

function stateBadge(e: OutboxItem) {
  const label = e.status === "pending" && e.attempts > 0 ? "Retrying" : STATE_LABELS[e.status];
  return html`<span class="tag mail-${e.status}">${label}</span>`;
}

export function outboxMain(
  ctx: AppContext,
  items: OutboxItem[],
  counts: Record<string, number>,
  status: string | undefined,
  next: string | null,
): Html {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const filter = (value: string | undefined, label: string) =>
    html`<a href="/app/outbox${value ? `?status=${value}` : ""}"${status === value ? html` aria-current="page"` : ""}>${label}</a>`;
  return html`<h1>Outbox</h1>
<p class="meta">${
    ctx.mailer.kind === "smtp"
      ? "Emails go out through the SMTP relay in SMTP_URL. Failed ones can be sent again."
      : html`No SMTP relay is set (SMTP_URL), so emails are written as .eml files to <code>${mailDir(ctx.config)}</code> instead of being sent. This is exactly what would go out.`
  }</p>
<nav class="toc" aria-label="Filter emails">${filter(undefined, `All (${total})`)} ${filter("pending", `Waiting (${counts.pending ?? 0})`)} ${filter("sent", `Sent (${counts.sent ?? 0})`)} ${filter("failed", `Failed (${counts.failed ?? 0})`)} ${filter("suppressed", `Not sent (${counts.suppressed ?? 0})`)}</nav>
${
  items.length
    ? html`<div class="table-wrap"><table class="mail-table">
<thead><tr><th scope="col">Email</th><th scope="col">To</th><th scope="col">Ticket</th><th scope="col">State</th><th scope="col">Written</th></tr></thead>
<tbody>${items.map(
        (e) => html`<tr>
<td><a href="/app/outbox/${e.id}">${bdi(e.subject)}</a><br><span class="meta">${KIND_LABELS[e.kind] ?? e.kind}</span></td>
<td>${e.to}</td>
<td>${e.ticket ? html`<a href="/app/tickets/${e.ticket}">${e.ticket}</a>` : ""}</td>
<td>${stateBadge(e)}${e.lastError ? html`<br><span class="meta">${e.lastError}</span>` : ""}</td>
<td>${when(e.createdAt)}</td>
</tr>`,
      )}</tbody></table></div>
${next ? html`<p><a href="/app/outbox?${status ? `status=${status}&` : ""}before=${next}">Older emails</a></p>` : ""}`
    : html`<p class="meta">No emails ${status ? `in “${STATE_LABELS[status]}”` : "yet"}.</p>`
}`;
}

type OutboxEmail = Awaited<ReturnType<typeof getOutboxEmail>>;

export function outboxEmailMain(req: FastifyRequest, e: OutboxEmail): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/outbox">Outbox</a> <span aria-hidden="true">/</span> <span aria-current="page">Email</span></nav>
<h1>${bdi(e.subject)}</h1>
<dl class="facts">
  <div><dt>State</dt><dd>${stateBadge(e)} ${e.sentAt ? html`<span class="meta">sent ${when(e.sentAt)}</span>` : e.nextAttemptAt && e.attempts ? html`<span class="meta">next try ${when(e.nextAttemptAt)}</span>` : ""}</dd></div>
  ${e.lastError ? html`<div><dt>${e.status === "suppressed" ? "Why" : "Last error"}</dt><dd>${e.lastError}</dd></div>` : ""}
  <div><dt>From</dt><dd>${bdi(e.headers.from.name)} &lt;${e.headers.from.address}&gt;</dd></div>
  <div><dt>To</dt><dd>${e.to}</dd></div>
  ${e.headers.replyTo ? html`<div><dt>Reply-To</dt><dd>${e.headers.replyTo}</dd></div>` : ""}
  <div><dt>Message-ID</dt><dd><code>${e.messageId}</code></dd></div>
  ${e.ticket ? html`<div><dt>Ticket</dt><dd><a href="/app/tickets/${e.ticket}">${e.ticket}</a></dd></div>` : ""}
  <div><dt>Attempts</dt><dd>${e.attempts}</dd></div>
</dl>
<p><a href="/app/outbox/${e.id}/eml" download>Download .eml</a></p>
${
  e.status === "failed" && !e.contentRemoved
    ? html`<form method="post" action="/app/outbox/${e.id}/retry">${csrfField(req)}<button type="submit">Send again</button></form>`
    : ""
}
<h2>As HTML</h2>
<iframe class="mail-preview" src="/app/outbox/${e.id}/html" title="The email as HTML" sandbox></iframe>
<h2>As plain text</h2>
<pre class="mail-text">${e.text}</pre>`;
}

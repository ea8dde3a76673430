import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { OutboxEmailTable } from "../db/schema.ts";
import { conflict, notFound, validationFailed } from "../errors.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { outgoingMessageOf, renderedOf, type StoredHeaders } from "./email.message.ts";
import { mailOptions } from "./email.transport.ts";
import { outboxVisibleTo, retryFailedEmail } from "./outbox.access.ts";

// What admins see of outgoing mail: every email, its state, its text and HTML, the .eml.

export const OUTBOX_STATES = ["pending", "sent", "failed", "suppressed"] as const;

export interface OutboxItem {
  id: string;
  kind: string;
  to: string;
  subject: string;
  status: OutboxEmailTable["status"];
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  sentAt: string | null;
  createdAt: string;
  ticket: string | null;
}

type Row = OutboxEmailTable & { number: number | null };

const toItem = (r: Row): OutboxItem => ({
  id: r.id,
  kind: r.kind,
  to: r.to_address,
  subject: r.subject,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: r.status === "pending" ? r.next_attempt_at : null,
  sentAt: r.sent_at,
  createdAt: r.created_at,
  ticket: r.number === null ? null : formatReference(r.number),
});

function withTicket(ctx: AppContext, actor: AgentActor) {
  const db = ctx.database.db;
  return outboxVisibleTo(db, actor)
    .leftJoin(
      ticketsVisibleTo(db, actor).select(["tickets.id", "tickets.number"]).as("t"),
      "t.id",
      "outbox_emails.ticket_id",
    )
    .selectAll("outbox_emails")
    .select("t.number");
}

export async function listOutbox(
  ctx: AppContext,
  actor: AgentActor,
  q: { status?: string | undefined; before?: string | undefined; limit?: number | undefined },
): Promise<{ items: OutboxItem[]; next: string | null; counts: Record<string, number> }> {
  const limit = q.limit ?? 50;
  if (q.status && !(OUTBOX_STATES as readonly string[]).includes(q.status)) {
    throw validationFailed({ status: `must be one of ${OUTBOX_STATES.join(", ")}` });
  }
  let qb = withTicket(ctx, actor);
  if (q.status) qb = qb.where("outbox_emails.status", "=", q.status as OutboxEmailTable["status"]);
  if (q.before) qb = qb.where("outbox_emails.id", "<", q.before);
  const rows = (await qb
    .orderBy("outbox_emails.id", "desc")
    .limit(limit + 1)
    .execute()) as Row[];
  const counts = await outboxVisibleTo(ctx.database.db, actor)
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("status")
    .execute();
  return {
    items: rows.slice(0, limit).map(toItem),
    next: rows.length > limit ? (rows[limit - 1]?.id ?? null) : null,
    counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
  };
}

/**
 * Emails whose link signs someone in or sets their password: an admin reading the Outbox sees
 * them (and their .eml) with the link's token hidden, so the Outbox is no way into another's
 * account. What is sent is unchanged.
 */
const ONE_TIME_LINK_KINDS: ReadonlySet<string> = new Set([
  "customer_invitation",
  "customer_magic_link",
  "customer_password_reset",
  "customer_verify_email",
  "agent_password_reset",
]);

/**
 * Emails carrying a survey's one-time links (answer and unsubscribe): those links, and the
 * List-Unsubscribe header, are hidden in the Outbox the same way. The resolution email's
 * tracking link is left as it is.
 */
const SURVEY_LINK_FIELDS: Readonly<Record<string, readonly string[]>> = {
  survey_request: ["url", "rateUrl", "unsubscribeUrl"],
  ticket_resolved: ["rateUrl", "unsubscribeUrl"],
};

const hideToken = (url: string) => url.replace(/\/[^/]+$/, "/(link-hidden-in-the-outbox)");

function withLinkHidden(row: Row): Row {
  const fields = ONE_TIME_LINK_KINDS.has(row.kind) ? ["url"] : SURVEY_LINK_FIELDS[row.kind];
  if (!fields) return row;
  let next = row;
  if (row.template_data !== null) {
    const params = JSON.parse(row.template_data) as Record<string, unknown>;
    for (const f of fields) {
      const v = params[f];
      if (typeof v === "string") params[f] = hideToken(v);
    }
    next = { ...next, template_data: JSON.stringify(params) };
  }
  const h = JSON.parse(row.headers) as StoredHeaders;
  if (h.listUnsubscribe) {
    next = { ...next, headers: JSON.stringify({ ...h, listUnsubscribe: hideToken(h.listUnsubscribe) }) };
  }
  return next;
}

export async function getOutboxEmail(ctx: AppContext, actor: AgentActor, id: string) {
  const found = (await withTicket(ctx, actor).where("outbox_emails.id", "=", id).executeTakeFirst()) as
    | Row
    | undefined;
  if (!found) throw notFound("No such email.");
  const row = withLinkHidden(found);
  const h = JSON.parse(row.headers) as StoredHeaders;
  const rendered = renderedOf(row);
  return {
    ...toItem(row),
    headers: h,
    messageId: row.message_id,
    text: rendered.text,
    html: rendered.html,
    /** Retention or an erasure removed its content: it is shown, never sent again. */
    contentRemoved: row.content_pruned_at !== null,
    row,
  };
}

/** A failed email, sent again from now on (after the operator fixed the address or the relay). */
export async function retryOutboxEmail(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  const db = ctx.database.db;
  const retried = await retryFailedEmail(db, actor, id, ctx.now().toISOString());
  if (retried) return;
  const row = await outboxVisibleTo(db, actor)
    .select(["status", "content_pruned_at"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (row?.status === "failed" && row.content_pruned_at !== null) {
    throw conflict("email_content_removed", "This email's content was removed: it cannot be sent again.");
  }
  throw notFound("No such failed email.");
}

/** The message exactly as it is (or would be) sent, as .eml bytes. */
export async function outboxEml(ctx: AppContext, actor: AgentActor, id: string): Promise<Buffer> {
  const e = await getOutboxEmail(ctx, actor, id);
  // Loaded when an agent downloads an email: nodemailer otherwise lives on the mail thread only.
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer/index.js");
  const composer = new MailComposer(mailOptions(outgoingMessageOf(e.row)));
  return new Promise((resolve, reject) =>
    composer.compile().build((err, message) => (err ? reject(err) : resolve(message))),
  );
}

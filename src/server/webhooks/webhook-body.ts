import { createHmac } from "node:crypto";
import { formatReference, STATUS_LABELS, type TicketStatus } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { absoluteUrl } from "../email/outbox.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { isWebhookEvent, WEBHOOK_EVENT_LABELS, WEBHOOK_PING } from "./webhook-events.ts";

// What a delivery sends, composed once at its first attempt and stored (webhook_deliveries.body),
// so every retry and every resend carries the same bytes: the JSON envelope of the contract
// (README, "Deliveries, signatures and retries"), or a chat message for Slack-format endpoints
// (Slack, Mattermost and Rocket.Chat incoming webhooks read `text`). The ticket's summary is read
// as it is when composed, through the access functions, as the workspace's system.

export interface TicketSummary {
  id: string;
  reference: string;
  subject: string;
  status: string;
  priority: string;
  type: string;
  channel: string;
  assignee: { id: string; name: string } | null;
  contact: { id: string; name: string; email: string };
  company: { id: string; name: string } | null;
  url: string;
  createdAt: string;
  updatedAt: string;
}

export interface Envelope {
  id: string;
  event: string;
  occurredAt: string;
  workspace: { id: string; slug: string; name: string };
  ticket: TicketSummary | null;
  data: Record<string, unknown>;
}

/** The row's facts the body is made of. */
export interface DeliveryFacts {
  id: string;
  workspace_id: string;
  event: string;
  ticket_id: string | null;
  data: string;
  occurred_at: string;
}

/** The ticket as the workspace's system sees it now; null when it is gone. */
async function ticketSummary(ctx: AppContext, workspaceId: string, ticketId: string) {
  const db = ctx.database.db;
  const actor = systemActorIn("webhook delivery", workspaceId);
  const t = await ticketsVisibleTo(db, actor)
    .select([
      "id",
      "number",
      "subject",
      "status",
      "priority",
      "type",
      "channel",
      "assignee_id",
      "contact_id",
      "company_id",
      "created_at",
      "updated_at",
    ])
    .where("tickets.id", "=", ticketId)
    .executeTakeFirst();
  if (!t) return null;
  const [contact, company, assignee] = await Promise.all([
    contactsVisibleTo(db, actor)
      .select(["id", "name", "email"])
      .where("id", "=", t.contact_id)
      .executeTakeFirst(),
    t.company_id
      ? companiesVisibleTo(db, actor).select(["id", "name"]).where("id", "=", t.company_id).executeTakeFirst()
      : undefined,
    // Agents are not a guarded table: their names show on every ticket.
    t.assignee_id
      ? db
          .selectFrom("agents")
          .select(["id", "name"])
          .where("workspace_id", "=", workspaceId)
          .where("id", "=", t.assignee_id)
          .executeTakeFirst()
      : undefined,
  ]);
  const reference = formatReference(t.number);
  const summary: TicketSummary = {
    id: t.id,
    reference,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    type: t.type,
    channel: t.channel,
    assignee: assignee ? { id: assignee.id, name: assignee.name } : null,
    contact: { id: t.contact_id, name: contact?.name ?? "", email: contact?.email ?? "" },
    company: company ? { id: company.id, name: company.name } : null,
    url: absoluteUrl(ctx, `/app/tickets/${reference}`),
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
  return summary;
}

function parsedData(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The JSON envelope of a delivery, read now. */
export async function composeEnvelope(ctx: AppContext, row: DeliveryFacts): Promise<Envelope> {
  const ws = await ctx.database.db
    .selectFrom("workspaces")
    .select(["id", "slug", "name"])
    .where("id", "=", row.workspace_id)
    .executeTakeFirstOrThrow();
  const ticket = row.ticket_id ? await ticketSummary(ctx, row.workspace_id, row.ticket_id) : null;
  const data = row.event === WEBHOOK_PING ? { message: "Test event from Portico" } : parsedData(row.data);
  return {
    id: row.id,
    event: row.event,
    occurredAt: new Date(row.occurred_at).toISOString(),
    workspace: { id: ws.id, slug: ws.slug, name: ws.name },
    ticket,
    data,
  };
}

/**
 * Text of a customer's or an agent's as chat markup reads it, made inert: Slack's &, < and >
 * escaped (no <!channel>, no <url|label>), and for chats that read Markdown in the message line
 * (Mattermost, Rocket.Chat) no @mention (@all, @here) and no [label](url) link disguising an
 * address: a zero-width space breaks each.
 */
const mrkdwn = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "@\u200b")
    .replace(/\]\(/g, "]\u200b(");

const statusLabel = (s: string) => STATUS_LABELS[s as TicketStatus] ?? s;

/** The event's words: "A request is opened", or the test's. */
function eventWords(e: Envelope): string {
  if (e.event === WEBHOOK_PING) return "Test event from Portico";
  return isWebhookEvent(e.event) ? WEBHOOK_EVENT_LABELS[e.event] : e.event;
}

/** Who did it, when the event's data says (an agent's or the customer's name). */
function actorName(data: Record<string, unknown>): string | null {
  const actor = data.actor as { name?: unknown } | undefined;
  if (actor && typeof actor.name === "string" && actor.name) return actor.name;
  return typeof data.by === "string" && data.by ? data.by : null;
}

/** The chat message: one line of text, and blocks with the ticket linked. */
export function slackMessage(e: Envelope): { text: string; blocks: unknown[] } {
  const words = eventWords(e);
  const by = actorName(e.data);
  const t = e.ticket;
  const text = mrkdwn(
    t
      ? `${words}: ${t.reference} ${t.subject}${by ? ` (by ${by})` : ""} [${e.workspace.name}]`
      : `${words} [${e.workspace.name}]`,
  );
  const blocks: unknown[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: t
          ? `*${mrkdwn(words)}*\n<${t.url}|${mrkdwn(t.reference)}> ${mrkdwn(t.subject)}`
          : `*${mrkdwn(words)}*`,
      },
    },
  ];
  const facts = t
    ? [
        `Status: ${statusLabel(t.status)}`,
        `Priority: ${t.priority}`,
        `Assignee: ${t.assignee?.name ?? "nobody"}`,
        `Customer: ${t.contact.name || t.contact.email}`,
        ...(by ? [`By: ${by}`] : []),
      ]
    : [e.workspace.name];
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: mrkdwn(facts.join(" · ")) }] });
  return { text, blocks };
}

/** The exact bytes a delivery sends, for its endpoint's format. */
export async function composeBody(ctx: AppContext, row: DeliveryFacts, format: string): Promise<string> {
  const envelope = await composeEnvelope(ctx, row);
  return JSON.stringify(format === "slack" ? slackMessage(envelope) : envelope);
}

/** The Portico-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${v1}`;
}

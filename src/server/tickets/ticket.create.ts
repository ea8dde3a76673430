import { type Expression, sql } from "kysely";
import {
  formatReference,
  type TicketPriority,
  type TicketStatus,
  type TicketType,
} from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { type AppContext, nowIso } from "../context.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { SentimentPriorityRule } from "../db/schema.sentiment.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { isLocale } from "../i18n/locales.ts";
import { newId } from "../ids.ts";
import type { SlaPolicyRule } from "../lib/sla.ts";
import { type Routed, routeNewTicket } from "../routing/auto-assign.ts";
import { moodOfNewTicket, noteCustomerMessage } from "../sentiment/sentiment.ts";
import { syncSla } from "../sla/sla.timers.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { ticketsWritableBy } from "./ticket.access.ts";
import { type EventActor, recordEvent } from "./ticket.events.ts";
import { indexTicketText } from "./ticket.search.ts";

// What every way of opening a ticket shares (the portal, email, a follow-up): the ticket with its
// number, first event and search row, and the tracking token for the link to it. All are prepared
// writes run in the caller's transaction: the submission is the hot path.

export const TRACKING_TOKEN_TTL_DAYS = 30;

/** Line endings to \n and no trailing blank space: what people meant, stored once. */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+$/gm, "")
    .trim();
}

/** The status a customer sees: the portal override when an agent set one, else the ticket's own. */
export function customerStatusOf(t: Pick<TicketTable, "status" | "portal_status">): TicketStatus {
  return (t.portal_status ?? t.status) as TicketStatus;
}

export function trackingPath(slug: string, number: number, token: string): string {
  return `/portal/${slug}/tickets/${formatReference(number)}?t=${token}`;
}

const TRACKING_TOKEN_INSERT = new PreparedWrite(
  ["tokenHash", "workspaceId", "ticketId", "email", "createdAt", "expiresAt"],
  (db, p) =>
    db.insertInto("tracking_tokens").values({
      token_hash: p.tokenHash,
      workspace_id: p.workspaceId,
      ticket_id: p.ticketId,
      email_normalized: p.email,
      created_at: p.createdAt,
      expires_at: p.expiresAt,
    }),
  { batched: true },
);

/** A token chosen by the caller (derived from another): written once, its expiry renewed after. */
const TRACKING_TOKEN_RENEW = new PreparedWrite(
  ["tokenHash", "workspaceId", "ticketId", "email", "createdAt", "expiresAt"],
  (db, p) =>
    db
      .insertInto("tracking_tokens")
      .values({
        token_hash: p.tokenHash,
        workspace_id: p.workspaceId,
        ticket_id: p.ticketId,
        email_normalized: p.email,
        created_at: p.createdAt,
        expires_at: p.expiresAt,
      })
      .onConflict((oc) => oc.column("token_hash").doUpdateSet({ expires_at: p.expiresAt })),
);

export async function issueTrackingToken(
  ctx: AppContext,
  tx: Tx,
  t: { workspaceId: string; ticketId: string; emailNormalized: string; at: Date; token?: string },
): Promise<string> {
  const token = t.token ?? newToken();
  await (t.token ? TRACKING_TOKEN_RENEW : TRACKING_TOKEN_INSERT).execute(ctx.database, tx, {
    tokenHash: hashToken(token),
    workspaceId: t.workspaceId,
    ticketId: t.ticketId,
    email: t.emailNormalized,
    createdAt: t.at.toISOString(),
    expiresAt: new Date(t.at.getTime() + TRACKING_TOKEN_TTL_DAYS * 86400_000).toISOString(),
  });
  return token;
}

export interface NewTicket {
  workspace: Workspace;
  contactId: string;
  companyId: string | null;
  subject: string;
  description: string;
  type: TicketType;
  channel: TicketTable["channel"];
  actor: EventActor;
  followUpOfId?: string;
  /** Email tickets thread on the customer's own Message-ID. */
  emailThreadId?: string;
  /** The language it was written in (the page's), when known: its emails speak it. */
  locale?: string | null | undefined;
  /** The priority it starts with (a bot handover may say); medium when not given. */
  priority?: TicketPriority | undefined;
  /** The workspace's SLA policies, read by the caller before its transaction (policyRulesOf). */
  slaPolicies?: SlaPolicyRule[] | undefined;
}

const NEXT_NUMBER = new PreparedWrite(["workspaceId"], (db, p) =>
  db
    .updateTable("ticket_sequences")
    .set((eb) => ({ last_number: eb("last_number", "+", 1) }))
    .where("workspace_id", "=", p.workspaceId)
    .returning("last_number"),
);

const TICKET_PARAMS = [
  "id",
  "workspaceId",
  "number",
  "contactId",
  "companyId",
  "subject",
  "description",
  "type",
  "channel",
  "emailThreadId",
  "followUpOfId",
  "locale",
  "priority",
  "sentiment",
  "sentimentTrend",
  "mood",
  "at",
] as const;
type TicketParams = Record<(typeof TICKET_PARAMS)[number], never>;

const ticketValues = (p: TicketParams, number: Expression<number>) => ({
  id: p.id,
  workspace_id: p.workspaceId,
  number,
  contact_id: p.contactId,
  company_id: p.companyId,
  subject: p.subject,
  description: p.description,
  type: p.type,
  status: "open",
  portal_status: null,
  priority: p.priority,
  channel: p.channel,
  assignee_id: null,
  email_thread_id: p.emailThreadId,
  resolution: null,
  resolved_at: null,
  closed_at: null,
  first_response_at: null,
  follow_up_of_id: p.followUpOfId,
  locale: p.locale,
  sentiment: p.sentiment,
  sentiment_trend: p.sentimentTrend,
  mood: p.mood,
  created_at: p.at,
  updated_at: p.at,
});

const TICKET_INSERT = new PreparedWrite(TICKET_PARAMS, (db, p) =>
  db.insertInto("tickets").values(ticketValues(p, p.number)),
);

/**
 * PostgreSQL: the next number and the ticket in one statement. The number's row stays locked
 * until the commit, so each statement saved after it is time the workspace's other submissions
 * no longer wait.
 */
const NUMBERED_TICKET_INSERT = new PreparedWrite(
  TICKET_PARAMS.filter((n) => n !== "number"),
  (db, p) =>
    db
      .with("seq", (q) =>
        q
          .updateTable("ticket_sequences")
          .set((eb) => ({ last_number: eb("last_number", "+", 1) }))
          .where("workspace_id", "=", p.workspaceId)
          .returning("last_number"),
      )
      .insertInto("tickets")
      .values(ticketValues(p as TicketParams, sql<number>`(select last_number from seq)`))
      .returning("number"),
);

/**
 * Takes the next number of the workspace inside the caller's transaction: no gaps, no repeats.
 * The ticket is routed at once (its team, its assignee: routing/auto-assign.ts); whoever was told
 * is in `routed.notified`, for the caller to publish after commit (publishRouted).
 */
export async function insertTicket(
  ctx: AppContext,
  tx: Tx,
  t: NewTicket,
): Promise<TicketTable & { routed: Routed }> {
  // On PostgreSQL the number is taken by the ticket's own insert (NUMBERED_TICKET_INSERT).
  const numberedByInsert = ctx.database.dialect === "postgres";
  let number = 0;
  if (!numberedByInsert) {
    const [seq] = await NEXT_NUMBER.execute(ctx.database, tx, { workspaceId: t.workspace.id });
    if (!seq) throw new Error(`no ticket sequence for workspace ${t.workspace.id}`);
    number = seq.last_number;
  }
  const now = nowIso(ctx);
  const id = newId();
  const row: TicketTable = {
    id,
    workspace_id: t.workspace.id,
    number,
    contact_id: t.contactId,
    company_id: t.companyId,
    subject: t.subject,
    description: t.description,
    type: t.type,
    status: "open",
    portal_status: null,
    priority: t.priority ?? "medium",
    channel: t.channel,
    assignee_id: null,
    // Replies by email will thread on this id (RFC 5322 Message-ID form).
    email_thread_id: t.emailThreadId ?? `<ticket-${id}@portico>`,
    resolution: null,
    resolved_at: null,
    closed_at: null,
    first_response_at: null,
    follow_up_of_id: t.followUpOfId ?? null,
    team_id: null,
    locale: isLocale(t.locale) ? t.locale : null,
    created_at: now,
    updated_at: now,
  };
  // A customer's ticket is scored before it is written (sentiment/sentiment.ts), its score in the
  // insert itself; the priority the workspace's rule raises it to too, with its event below.
  const text = `${t.subject}\n${t.description}`;
  const rule = (t.workspace as { sentiment_priority_rule?: SentimentPriorityRule }).sentiment_priority_rule;
  const mood =
    t.actor.type === "contact" && rule !== undefined
      ? moodOfNewTicket(rule, row.priority as TicketPriority, text, row.locale)
      : null;
  const bornPriority = row.priority;
  if (mood?.raisedTo) row.priority = mood.raisedTo;
  const values = {
    id,
    workspaceId: row.workspace_id,
    contactId: row.contact_id,
    companyId: row.company_id,
    subject: row.subject,
    description: row.description,
    type: row.type,
    channel: row.channel,
    emailThreadId: row.email_thread_id,
    followUpOfId: row.follow_up_of_id,
    locale: row.locale,
    priority: row.priority,
    sentiment: mood?.score ?? 0,
    sentimentTrend: mood?.trend ?? null,
    mood: mood?.mood ?? null,
    at: now,
  };
  if (numberedByInsert) {
    const [numbered] = await NUMBERED_TICKET_INSERT.execute(ctx.database, tx, values);
    if (!numbered) throw new Error(`no ticket sequence for workspace ${t.workspace.id}`);
    row.number = numbered.number;
  } else {
    await TICKET_INSERT.execute(ctx.database, tx, { ...values, number });
  }
  await recordEvent(ctx.database, tx, {
    workspaceId: row.workspace_id,
    ticketId: id,
    actor: t.actor,
    type: "created",
    data: { channel: t.channel, followUpOf: t.followUpOfId ?? undefined },
    at: now,
  });
  await indexTicketText(ctx, tx, {
    workspaceId: row.workspace_id,
    ticketId: id,
    content: `${t.subject}\n${t.description}`,
  });
  if (mood?.raisedTo) {
    await recordEvent(ctx.database, tx, {
      workspaceId: row.workspace_id,
      ticketId: id,
      actor: { type: "system", id: null },
      type: "priority_changed",
      data: { from: bornPriority, to: mood.raisedTo, reason: "sentiment", score: mood.score },
      at: now,
    });
  } else if (t.actor.type === "contact" && !mood) {
    // A workspace given without its rule: read and applied in the transaction.
    const noted = await noteCustomerMessage(ctx, tx, {
      workspaceId: row.workspace_id,
      ticketId: id,
      text,
      at: now,
      reply: false,
    });
    if (noted.raisedTo) row.priority = noted.raisedTo;
  }
  const routed = await routeNewTicket(ctx, tx, row, t.workspace);
  const placed = { ...row, team_id: routed.teamId, assignee_id: routed.assigneeId };
  await syncSla(ctx, tx, placed, null, undefined, t.slaPolicies);
  return { ...placed, routed };
}

export interface NewComment {
  workspaceId: string;
  ticketId: string;
  author: { type: "agent"; agentId: string } | { type: "contact"; contactId: string } | { type: "system" };
  body: string;
  internal: boolean;
  channel: "web" | "portal" | "email" | "chat";
  emailMessageId?: string | null;
  at: string;
}

/** One comment row, in the caller's transaction: a reply, a note, or a message by email. Returns its id. */
export async function insertComment(tx: Tx, c: NewComment): Promise<string> {
  const id = newId();
  await tx
    .insertInto("comments")
    .values({
      id,
      workspace_id: c.workspaceId,
      ticket_id: c.ticketId,
      author_type: c.author.type,
      author_agent_id: c.author.type === "agent" ? c.author.agentId : null,
      author_contact_id: c.author.type === "contact" ? c.author.contactId : null,
      body: c.body,
      internal: c.internal,
      channel: c.channel,
      email_message_id: c.emailMessageId ?? null,
      created_at: c.at,
    })
    .execute();
  if (!c.internal && c.author.type !== "system") await noteLastMessage(tx, c, c.author.type);
  return id;
}

/** Who wrote last, and when the customer did: "Waiting for us" and the unread marker (migration 0031). */
function noteLastMessage(tx: Tx, c: NewComment, by: "contact" | "agent") {
  return ticketsWritableBy(tx, systemActorIn("last message", c.workspaceId))
    .set(by === "contact" ? { last_message_by: by, last_customer_message_at: c.at } : { last_message_by: by })
    .where("tickets.id", "=", c.ticketId)
    .execute();
}

import { randomBytes } from "node:crypto";
import { formatReference } from "../../shared/tickets.ts";
import { type Actor, systemActorIn } from "../actors.ts";
import { hashToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { OutboxEmailTable, Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { withoutBidiControls } from "../lib/bidi.ts";
import { commentsVisibleTo } from "../tickets/comment.access.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { domainOf, headerText, plusAddress } from "./email.headers.ts";
import type { StoredHeaders } from "./email.message.ts";
import { renderTemplate, type TemplateCall } from "./email.templates.ts";
import { isCustomerEmail } from "./email.wording.ts";
import {
  absoluteUrl,
  earlierConversation,
  emailLangOf,
  filesSentWith,
  repliesCanArrive,
  supportAddressOf,
} from "./outbox.customer.ts";

export type { EmailKind } from "./email.templates.ts";
export { absoluteUrl, repliesCanArrive, supportAddressOf };

// The transactional outbox. Every email is a row written with `tx`, the transaction of the
// change that causes it: the ticket and its email commit together or not at all. delivery.ts
// sends the rows later; a row's Message-ID is fixed here, so a retry is the same message.

export interface Recipient {
  address: string;
  name: string | null;
}

interface Thread {
  ticketId: string;
  /** tickets.email_thread_id, the root every message of the ticket refers to. */
  threadId: string | null;
  /** The newest message of the customer's we know (an inbound email), answered directly. */
  lastInbound?: string | null | undefined;
}

/** One email: its template and inputs, who gets it, and where it belongs. */
export type EmailSpec = TemplateCall & {
  ws: Workspace;
  audience: OutboxEmailTable["audience"];
  to: Recipient[];
  thread?: Thread | undefined;
  autoSubmitted: boolean;
  /** Written as never to be sent, with this reason for the Outbox. */
  suppressed?: string | undefined;
  /** RFC 8058 one-click unsubscribe (survey emails): the List-Unsubscribe headers' link. */
  listUnsubscribe?: string | undefined;
  /** A customer's email: the language of the page that caused it (emailLangOf). */
  locale?: string | undefined;
};

/** The delivery state of a row just queued: due at once, never tried. */
export const queuedAt = (now: string) => ({
  status: "pending" as const,
  attempts: 0,
  next_attempt_at: now,
  locked_until: null,
  last_error: null,
  sent_at: null,
  created_at: now,
});

/**
 * Writes one email per spec in `tx`. A spec for several agents is one message to all of them
 * (the team's notice; each row costs a handful of index entries on the submission's path); a
 * customer's email always has its one recipient and a reply token of its own. Returns the ids.
 */
export async function enqueueEmails(ctx: AppContext, tx: Tx, specs: EmailSpec[]): Promise<string[]> {
  const now = ctx.now().toISOString();
  const mailDomain = domainOf(ctx.config.mailFrom);
  const rows: Omit<OutboxEmailTable, "content_pruned_at">[] = [];
  const tokens: { token_hash: string; workspace_id: string; ticket_id: string; created_at: string }[] = [];
  for (const e of specs) {
    if (!e.to.length) continue;
    const brand = brandingOf(e.ws);
    const support = supportAddressOf(ctx, e.ws);
    const refs = [...new Set([e.thread?.threadId, e.thread?.lastInbound])].filter((r): r is string =>
      Boolean(r),
    );
    const id = newId();
    let replyTo: string | undefined;
    if (support && e.thread && e.audience === "customer") {
      // A reply token of its own in the address, so a reply finds its ticket even when a mail
      // client drops the threading headers. Hex, since some servers lower-case addresses.
      const token = randomBytes(16).toString("hex");
      tokens.push({
        token_hash: hashToken(token),
        workspace_id: e.ws.id,
        ticket_id: e.thread.ticketId,
        created_at: now,
      });
      replyTo = plusAddress(support, token);
    } else if (support) {
      replyTo = support;
    }
    const headers: StoredHeaders = {
      from: { name: headerText(withoutBidiControls(brand.brandName), 80), address: ctx.config.mailFrom },
      replyTo,
      inReplyTo: refs.at(-1),
      references: refs.length ? refs : undefined,
      autoSubmitted: e.autoSubmitted,
      ...(e.listUnsubscribe ? { listUnsubscribe: e.listUnsubscribe } : {}),
    };
    const single = e.to.length === 1 ? e.to[0] : undefined;
    const call = (
      e.audience === "customer" && single && isCustomerEmail(e.kind)
        ? {
            ...e,
            params: {
              ...e.params,
              lang: await emailLangOf(tx, e.ws, e.kind, single.address, e.locale, e.thread?.ticketId),
            },
          }
        : e
    ) as TemplateCall;
    rows.push({
      id,
      workspace_id: e.ws.id,
      ticket_id: e.thread?.ticketId ?? null,
      kind: e.kind,
      audience: e.audience,
      to_address: e.to.map((t) => t.address).join(", "),
      to_name: single?.name ? headerText(withoutBidiControls(single.name), 120) : null,
      message_id: `<${id}@${mailDomain}>`,
      // Only the subject is rendered now: the text and HTML are rendered from template_data.
      subject: renderTemplate(call).subject,
      body_text: "",
      body_html: "",
      template_data: JSON.stringify(call.params),
      headers: JSON.stringify(headers),
      ...queuedAt(now),
      ...(e.suppressed ? { status: "suppressed" as const, last_error: e.suppressed } : {}),
    });
  }
  // Prepared, one statement per row: a submission writes its emails on the hot path.
  for (const r of rows) await OUTBOX_INSERT.execute(ctx.database, tx, r);
  for (const t of tokens) await REPLY_TOKEN_INSERT.execute(ctx.database, tx, t);
  return rows.map((r) => r.id);
}

const OUTBOX_COLUMNS = [
  "id",
  "workspace_id",
  "ticket_id",
  "kind",
  "audience",
  "to_address",
  "to_name",
  "message_id",
  "subject",
  "body_text",
  "body_html",
  "template_data",
  "headers",
  "status",
  "attempts",
  "next_attempt_at",
  "locked_until",
  "last_error",
  "sent_at",
  "created_at",
] as const satisfies readonly (keyof OutboxEmailTable)[];

const OUTBOX_INSERT = new PreparedWrite(OUTBOX_COLUMNS, (db, p) =>
  db.insertInto("outbox_emails").values(p as unknown as OutboxEmailTable),
);

const REPLY_TOKEN_INSERT = new PreparedWrite(
  ["token_hash", "workspace_id", "ticket_id", "created_at"],
  (db, p) => db.insertInto("email_reply_tokens").values(p),
);

export const enqueueEmail = (ctx: AppContext, tx: Tx, spec: EmailSpec) => enqueueEmails(ctx, tx, [spec]);

// Read in the caller's transaction, as prepared statements (a submission runs the first).
const ACTIVE_AGENTS = new PreparedWrite(["workspaceId"], (db, p) =>
  db
    .selectFrom("agents")
    .select(["email", "name"])
    .where("workspace_id", "=", p.workspaceId)
    .where("active", "=", true)
    .orderBy("email"),
);
const ACTIVE_ASSIGNEE = new PreparedWrite(["workspaceId", "assigneeId"], (db, p) =>
  db
    .selectFrom("agents")
    .select(["email", "name"])
    .where("workspace_id", "=", p.workspaceId)
    .where("id", "=", p.assigneeId)
    .where("active", "=", true),
);

/** Who hears about a ticket: its assignee, or every active agent while it has none. */
async function agentRecipients(
  ctx: AppContext,
  tx: Tx,
  workspaceId: string,
  assigneeId: string | null,
): Promise<Recipient[]> {
  const rows = assigneeId
    ? await ACTIVE_ASSIGNEE.execute(ctx.database, tx, { workspaceId, assigneeId })
    : await ACTIVE_AGENTS.execute(ctx.database, tx, { workspaceId });
  return rows.map((r) => ({ address: r.email, name: r.name }));
}

interface TicketRef {
  id: string;
  /** The ticket's customer: an agent's reply quotes what they may read (earlierConversation). */
  contact_id?: string | undefined;
  number: number;
  subject: string;
  description: string;
  channel: string;
  assignee_id: string | null;
  email_thread_id: string | null;
}

const ticketUrl = (ctx: AppContext, number: number) =>
  absoluteUrl(ctx, `/app/tickets/${formatReference(number)}`);

/** What every email about a ticket says first: whose brand, which ticket, its subject. */
const aboutTicket = (ws: Workspace, ticket: TicketRef) => ({
  brand: brandingOf(ws),
  reference: formatReference(ticket.number),
  subject: ticket.subject,
});

/** A new ticket: the confirmation to the customer, and the news to the agents. */
export async function emailTicketCreated(
  ctx: AppContext,
  tx: Tx,
  p: {
    ws: Workspace;
    ticket: TicketRef;
    contact: Recipient & { name: string };
    trackingUrl: string;
    lastInbound?: string | null | undefined;
    followUpOf?: string | undefined;
    /** Why the customer's confirmation must not be sent (it is kept, marked so). */
    suppressConfirmation?: string | undefined;
    /** The language of the page the customer submitted from (emailLangOf). */
    locale?: string | undefined;
  },
): Promise<void> {
  const about = aboutTicket(p.ws, p.ticket);
  // The confirmation repeats what the customer sent: their message and the names of their files.
  const files = await filesSentWith(tx, threadReader(p.ws), p.ticket.id);
  const thread = { ticketId: p.ticket.id, threadId: p.ticket.email_thread_id, lastInbound: p.lastInbound };
  await enqueueEmails(ctx, tx, [
    {
      ws: p.ws,
      kind: "ticket_confirmation",
      audience: "customer",
      to: [p.contact],
      params: {
        ...about,
        contactName: p.contact.name,
        trackingUrl: p.trackingUrl,
        viaEmail: p.ticket.channel === "email",
        canReply: repliesCanArrive(ctx, p.ws),
        description: p.ticket.description || undefined,
        files: files.length ? files : undefined,
        receivedAt: ctx.now().toISOString(),
      },
      thread,
      autoSubmitted: true,
      suppressed: p.suppressConfirmation,
      locale: p.locale,
    },
    {
      ws: p.ws,
      kind: "agent_new_ticket",
      audience: "agent",
      to: await agentRecipients(ctx, tx, p.ws.id, p.ticket.assignee_id),
      params: {
        ...about,
        contactName: p.contact.name,
        contactEmail: p.contact.address,
        description: p.ticket.description,
        channel: p.ticket.channel,
        ticketUrl: ticketUrl(ctx, p.ticket.number),
        followUpOf: p.followUpOf,
      },
      thread,
      autoSubmitted: true,
    },
  ]);
}

/** A customer's reply (portal or email) reaches the assignee, or every agent while unassigned. */
export async function emailCustomerReplied(
  ctx: AppContext,
  tx: Tx,
  p: { ws: Workspace; ticket: TicketRef; contactName: string; body: string; reopened: boolean },
): Promise<void> {
  await enqueueEmail(ctx, tx, {
    ws: p.ws,
    kind: "agent_customer_reply",
    audience: "agent",
    to: await agentRecipients(ctx, tx, p.ws.id, p.ticket.assignee_id),
    params: {
      ...aboutTicket(p.ws, p.ticket),
      contactName: p.contactName,
      body: p.body,
      reopened: p.reopened,
      ticketUrl: ticketUrl(ctx, p.ticket.number),
    },
    thread: { ticketId: p.ticket.id, threadId: p.ticket.email_thread_id },
    autoSubmitted: true,
  });
}

/**
 * Who reads a ticket's thread to address its email: the workspace's system. The caller found the
 * ticket through its own access function already; the email only needs the Message-IDs.
 */
const threadReader = (ws: Workspace) => systemActorIn("ticket email", ws.id);

/** The newest email the customer sent on this ticket, so our answer replies to it directly. */
async function lastInboundMessageId(tx: Tx, actor: Actor, ticketId: string): Promise<string | null> {
  const row = await commentsVisibleTo(tx, actor)
    .select("email_message_id")
    .where("ticket_id", "=", ticketId)
    .where("author_type", "=", "contact")
    .where("email_message_id", "is not", null)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.email_message_id ?? null;
}

/** An agent's public reply goes to the customer; never called for an internal note. */
export async function emailAgentReplied(
  ctx: AppContext,
  tx: Tx,
  p: {
    ws: Workspace;
    ticket: TicketRef;
    contact: Recipient;
    agentName: string;
    body: string;
    trackingUrl: string;
    resolved: boolean;
    /** The reply's own comment, left out of the conversation it quotes. */
    commentId?: string | undefined;
  },
): Promise<void> {
  const earlier = await earlierConversation(tx, p.ws, p.ticket, p.contact, p.commentId);
  await enqueueEmail(ctx, tx, {
    ws: p.ws,
    kind: "agent_reply",
    audience: "customer",
    to: [p.contact],
    params: {
      ...aboutTicket(p.ws, p.ticket),
      agentName: p.agentName,
      body: p.body,
      trackingUrl: p.trackingUrl,
      resolved: p.resolved,
      canReply: repliesCanArrive(ctx, p.ws),
      contactName: p.contact.name ?? undefined,
      earlier: earlier.length ? earlier : undefined,
    },
    thread: {
      ticketId: p.ticket.id,
      threadId: p.ticket.email_thread_id,
      lastInbound: await lastInboundMessageId(tx, threadReader(p.ws), p.ticket.id),
    },
    autoSubmitted: false,
  });
}

export async function emailTicketResolved(
  ctx: AppContext,
  tx: Tx,
  p: {
    ws: Workspace;
    ticket: TicketRef;
    contact: Recipient;
    resolution: string | null;
    trackingUrl: string;
    /** The CSAT survey's links when it rides in this email (surveys/triggers.ts). */
    rateUrl?: string | undefined;
    unsubscribeUrl?: string | undefined;
  },
): Promise<void> {
  await enqueueEmail(ctx, tx, {
    ws: p.ws,
    kind: "ticket_resolved",
    audience: "customer",
    to: [p.contact],
    params: {
      ...aboutTicket(p.ws, p.ticket),
      resolution: p.resolution,
      trackingUrl: p.trackingUrl,
      canReply: repliesCanArrive(ctx, p.ws),
      contactName: p.contact.name ?? undefined,
      ...(p.rateUrl ? { rateUrl: p.rateUrl, unsubscribeUrl: p.unsubscribeUrl } : {}),
    },
    listUnsubscribe: p.rateUrl ? p.unsubscribeUrl : undefined,
    thread: {
      ticketId: p.ticket.id,
      threadId: p.ticket.email_thread_id,
      lastInbound: await lastInboundMessageId(tx, threadReader(p.ws), p.ticket.id),
    },
    autoSubmitted: true,
  });
}

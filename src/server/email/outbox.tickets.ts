import { formatReference } from "../../shared/tickets.ts";
import { type Actor, systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { excerptOf } from "../notifications/notice-text.ts";
import { notifyAgents } from "../notifications/notify.ts";
import { commentsVisibleTo } from "../tickets/comment.access.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import {
  absoluteUrl,
  earlierConversation,
  filesSentWith,
  type KnownLang,
  repliesCanArrive,
} from "./outbox.customer.ts";
import { enqueueEmail, type Recipient } from "./outbox.ts";

// The emails about a ticket, queued in the transaction of the change that causes them
// (outbox.ts): the confirmation and the team's news of a new ticket, a customer's reply to the
// team, an agent's reply and the resolution to the customer. What reaches agents goes through
// notifyAgents (notifications/notify.ts): each agent alone, as their preferences say.

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
  /** The ticket's team: its agents hear of it when new (none: every agent). */
  team_id?: string | null | undefined;
}

const ticketUrl = (ctx: AppContext, number: number) =>
  absoluteUrl(ctx, `/app/tickets/${formatReference(number)}`);

/** What every email about a ticket says first: whose brand, which ticket, its subject. */
const aboutTicket = (ws: Workspace, ticket: TicketRef) => ({
  brand: brandingOf(ws),
  reference: formatReference(ticket.number),
  subject: ticket.subject,
});

/**
 * A new ticket: the confirmation to the customer, and the news to the agents of its team (every
 * agent while it has none), each as they chose (notifyAgents). Returns the agents told in the app.
 */
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
    /** The caller knows no file came with the request (none sent, no form field to carry one). */
    noFiles?: boolean | undefined;
    /** The customer's contact and the ticket's language, as the caller just wrote them. */
    knownLang?: KnownLang | undefined;
  },
): Promise<string[]> {
  const about = aboutTicket(p.ws, p.ticket);
  // The confirmation repeats what the customer sent: their message and the names of their files.
  const files = p.noFiles ? [] : await filesSentWith(tx, threadReader(p.ws), p.ticket.id);
  const thread = { ticketId: p.ticket.id, threadId: p.ticket.email_thread_id, lastInbound: p.lastInbound };
  await enqueueEmail(ctx, tx, {
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
    knownLang: p.knownLang,
  });
  return notifyAgents(ctx, tx, {
    workspaceId: p.ws.id,
    kind: "new_ticket",
    ticketId: p.ticket.id,
    audience: { team: p.ticket.team_id ?? null },
    data: { reference: about.reference, subject: p.ticket.subject, by: p.contact.name },
    ws: p.ws,
    email: {
      call: {
        kind: "agent_new_ticket",
        params: {
          ...about,
          contactName: p.contact.name,
          contactEmail: p.contact.address,
          description: p.ticket.description,
          channel: p.ticket.channel,
          ticketUrl: ticketUrl(ctx, p.ticket.number),
          followUpOf: p.followUpOf,
        },
      },
      thread,
    },
  });
}

/**
 * A customer's reply (portal or email) reaches the assignee, or every agent while unassigned,
 * each as they chose (notifyAgents). Returns the agents told in the app.
 */
export async function emailCustomerReplied(
  ctx: AppContext,
  tx: Tx,
  p: { ws: Workspace; ticket: TicketRef; contactName: string; body: string; reopened: boolean },
): Promise<string[]> {
  const about = aboutTicket(p.ws, p.ticket);
  return notifyAgents(ctx, tx, {
    workspaceId: p.ws.id,
    kind: "customer_reply",
    ticketId: p.ticket.id,
    audience: p.ticket.assignee_id ? { agentIds: [p.ticket.assignee_id] } : { team: null },
    data: {
      reference: about.reference,
      subject: p.ticket.subject,
      by: p.contactName,
      excerpt: excerptOf(p.body),
    },
    ws: p.ws,
    email: {
      call: {
        kind: "agent_customer_reply",
        params: {
          ...about,
          contactName: p.contactName,
          body: p.body,
          reopened: p.reopened,
          ticketUrl: ticketUrl(ctx, p.ticket.number),
        },
      },
      thread: { ticketId: p.ticket.id, threadId: p.ticket.email_thread_id },
    },
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

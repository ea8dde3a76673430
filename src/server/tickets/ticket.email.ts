import { MAX_FILES_CUSTOMER_REPLY } from "../../shared/files.ts";
import { formatReference } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { findOrCreateContact } from "../contacts/contact.service.ts";
import type { AppContext } from "../context.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { emailTicketCreated } from "../email/outbox.tickets.ts";
import type { SenderCheck } from "../email/sender-auth.ts";
import { claimUploads } from "../files/file.service.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { publishTicketChanged } from "../live/publish.ts";
import { publishRouted, type Routed } from "../routing/auto-assign.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { afterCustomerComment } from "./customer-reply.ts";
import { openFollowUp } from "./follow-up.ts";
import { countEmailReply } from "./reply-limits.ts";
import { lockTicket, ticketsWritableBy } from "./ticket.access.ts";
import { insertComment, insertTicket, issueTrackingToken, trackingPath } from "./ticket.create.ts";
import { recordEvent } from "./ticket.events.ts";
import { indexTicketText } from "./ticket.search.ts";

// Tickets and replies that arrive by email. Each runs in one transaction that also marks the
// inbound message processed, so a message processed twice (a crash, a second delivery) can
// never make a second ticket or comment.

export interface EmailMessage {
  inboundId: string;
  /** Bracketed, lower-cased Message-ID. */
  messageId: string;
  from: { address: string; name: string };
  subject: string;
  body: string;
  /** Upload keys of the files that passed the checks. */
  attachmentKeys: string[];
  /** Files that were refused, with why, for the agents. */
  refused: string[];
}

async function markInbound(
  tx: Tx,
  m: EmailMessage,
  at: string,
  r: { outcome: string; ticketId: string; commentId: string | null },
) {
  const done = await tx
    .updateTable("inbound_emails")
    .set({
      status: "processed",
      outcome: r.outcome,
      ticket_id: r.ticketId,
      comment_id: r.commentId,
      processed_at: at,
    })
    .where("id", "=", m.inboundId)
    .where("status", "=", "received")
    .executeTakeFirst();
  // Another delivery of the same message got here first: this one's writes roll back.
  if (Number(done.numUpdatedRows) !== 1) throw new AlreadyProcessed();
}

export class AlreadyProcessed extends Error {}

async function noteRefusedFiles(tx: Tx, ws: Workspace, ticketId: string, refused: string[], at: string) {
  if (!refused.length) return;
  await insertComment(tx, {
    workspaceId: ws.id,
    ticketId,
    author: { type: "system" },
    body: `Files in the email that were not kept:\n${refused.map((r) => `- ${r}`).join("\n")}`,
    internal: true,
    channel: "email",
    at,
  });
}

export interface EmailOutcome {
  outcome: "ticket_created" | "reply_appended" | "follow_up_created" | "note_appended";
  ticketId: string;
  reference: string;
  commentId: string | null;
}

/** The sender as a contact of the workspace (found by normalised address, or created). */
async function senderContact(ctx: AppContext, tx: Tx, ws: Workspace, m: EmailMessage) {
  const emailNormalized = normalizeEmail(m.from.address) as string;
  const contact = await findOrCreateContact(ctx, tx, {
    workspaceId: ws.id,
    email: m.from.address,
    emailNormalized,
    name: m.from.name,
  });
  return { ...contact, emailNormalized };
}

async function openTicket(
  ctx: AppContext,
  tx: Tx,
  ws: Workspace,
  m: EmailMessage,
  sender: SenderCheck | null,
): Promise<EmailOutcome & { routed: Routed }> {
  const contact = await senderContact(ctx, tx, ws, m);
  const ticket = await insertTicket(ctx, tx, {
    workspace: ws,
    contactId: contact.id,
    companyId: contact.company_id,
    subject: m.subject,
    description: m.body,
    type: "Support Request",
    channel: "email",
    actor: { type: "contact", id: contact.id },
    emailThreadId: m.messageId,
  });
  await claimUploads(
    ctx,
    tx,
    { kind: "email" },
    { workspaceId: ws.id, ticketId: ticket.id, commentId: null },
    m.attachmentKeys,
    MAX_FILES_CUSTOMER_REPLY,
  );
  if (sender && !sender.verified) {
    // Still a ticket (much real mail comes from domains that publish nothing), with a warning
    // for the agents before they act on what it asks.
    await insertComment(tx, {
      workspaceId: ws.id,
      ticketId: ticket.id,
      author: { type: "system" },
      body: `Unverified sender: this email could not be shown to come from ${m.from.address} (${sender.summary}). Check who you are talking to before acting on account, payment or data requests.`,
      internal: true,
      channel: "email",
      at: ticket.created_at,
    });
  }
  await noteRefusedFiles(tx, ws, ticket.id, m.refused, ticket.created_at);
  const token = await issueTrackingToken(ctx, tx, {
    workspaceId: ws.id,
    ticketId: ticket.id,
    emailNormalized: contact.emailNormalized,
    at: ctx.now(),
  });
  await emailTicketCreated(ctx, tx, {
    ws,
    ticket,
    contact: { address: m.from.address, name: contact.name },
    trackingUrl: portalUrl(ctx.config, ws, trackingPath(ws.slug, ticket.number, token)),
    lastInbound: m.messageId,
    // The domain's owner says this sender is not theirs: the address would be mailed about a
    // message it never sent.
    suppressConfirmation: sender?.dmarcFailed
      ? `not sent: the sender failed DMARC (${sender.summary})`
      : undefined,
  });
  const outcome = "ticket_created";
  await markInbound(tx, m, ticket.created_at, { outcome, ticketId: ticket.id, commentId: null });
  return {
    outcome,
    ticketId: ticket.id,
    reference: formatReference(ticket.number),
    commentId: null,
    routed: ticket.routed,
  };
}

/** The contact's email to a Closed ticket: a follow-up on the customer's email thread. */
async function followUpByEmail(
  ctx: AppContext,
  tx: Tx,
  ws: Workspace,
  m: EmailMessage,
  closed: TicketTable,
): Promise<EmailOutcome> {
  const contact = await senderContact(ctx, tx, ws, m);
  const { ticket } = await openFollowUp(ctx, tx, {
    ws,
    closed,
    contact: {
      id: contact.id,
      name: contact.name,
      address: m.from.address,
      emailNormalized: contact.emailNormalized,
    },
    companyId: contact.company_id,
    body: m.body,
    channel: "email",
    files: { claimer: { kind: "email" }, keys: m.attachmentKeys },
    emailThreadId: closed.email_thread_id ?? m.messageId,
    lastInbound: m.messageId,
  });
  await noteRefusedFiles(tx, ws, ticket.id, m.refused, ticket.created_at);
  const outcome = "follow_up_created";
  await markInbound(tx, m, ticket.created_at, { outcome, ticketId: ticket.id, commentId: null });
  return { outcome, ticketId: ticket.id, reference: formatReference(ticket.number), commentId: null };
}

/**
 * A new email, not a reply to any ticket we know: a ticket (channel Email) from its sender. An
 * unverified sender's ticket carries a note saying so; one that failed DMARC gets no confirmation.
 */
export async function openTicketFromEmail(
  ctx: AppContext,
  ws: Workspace,
  m: EmailMessage,
  sender: SenderCheck | null,
): Promise<EmailOutcome> {
  const { routed, ...opened } = await ctx.database.db
    .transaction()
    .execute((tx) => openTicket(ctx, tx, ws, m, sender));
  publishRouted(ctx, ws.id, opened.reference, routed);
  return opened;
}

/** After commit: the queue and the ticket's page refresh. */
function published(ctx: AppContext, workspaceId: string, o: EmailOutcome): EmailOutcome {
  publishTicketChanged(ctx, workspaceId, o.reference);
  return o;
}

export type EmailAuthor =
  | { kind: "contact" }
  /** Anyone but the ticket's contact: kept for agents as a note naming the sender, never as the customer. */
  | { kind: "stranger" }
  /** The contact's address, found by headers or subject, from a sender that was not verified: a note too. */
  | { kind: "unverified"; check: string };

/** What an email that is not the customer's message says, as the agents' note. */
function noteBody(author: Exclude<EmailAuthor, { kind: "contact" }>, m: EmailMessage): string {
  const who = `${m.from.name} <${m.from.address}>`;
  return author.kind === "stranger"
    ? `Email from ${who}, who is not this ticket's contact (the sender is not verified):\n\n${m.body}`
    : `Unverified sender: email from ${who}, this ticket's contact by its From line, but it could not be shown to come from that address (${author.check}). Kept as an internal note: not shown to the customer, nothing reopened.\n\n${m.body}`;
}

/**
 * An email that threads onto a ticket. From the ticket's contact it is their public reply and
 * reopens a Resolved or Waiting ticket (a Closed one gets a follow-up, as on the portal). From an
 * agent, from anyone else, or from the contact's address unverified (found by headers or subject),
 * it is an internal note: it reaches the team, never the customer.
 */
export async function appendEmailToTicket(
  ctx: AppContext,
  ws: Workspace,
  ticketId: string,
  author: EmailAuthor,
  m: EmailMessage,
): Promise<EmailOutcome> {
  const o = await ctx.database.db.transaction().execute(async (tx): Promise<EmailOutcome> => {
    const t = await lockTicket(ctx, tx, { id: ticketId, workspace_id: ws.id });
    if (author.kind === "contact" && t.status === "closed") return followUpByEmail(ctx, tx, ws, m, t);
    const actor = systemActorIn("incoming email", ws.id);
    const now = ctx.now().toISOString();
    const fromContact = author.kind === "contact";
    const body = author.kind === "contact" ? m.body : noteBody(author, m);
    const id = await insertComment(tx, {
      workspaceId: ws.id,
      ticketId: t.id,
      author: fromContact ? { type: "contact", contactId: t.contact_id } : { type: "system" },
      body,
      internal: !fromContact,
      channel: "email",
      emailMessageId: m.messageId,
      at: now,
    });
    await claimUploads(
      ctx,
      tx,
      { kind: "email" },
      { workspaceId: ws.id, ticketId: t.id, commentId: id },
      m.attachmentKeys,
      MAX_FILES_CUSTOMER_REPLY,
    );
    await noteRefusedFiles(tx, ws, t.id, m.refused, now);
    if (fromContact) {
      const contact = await contactsVisibleTo(tx, actor)
        .select("name")
        .where("id", "=", t.contact_id)
        .executeTakeFirstOrThrow();
      await afterCustomerComment(ctx, tx, {
        actor,
        ws,
        ticket: t,
        contactName: contact.name,
        commentId: id,
        body: m.body,
        channel: "email",
        at: now,
      });
    } else {
      // A note: the team hears of it in the ticket; nothing reopens, no one is emailed.
      await recordEvent(ctx.database, tx, {
        workspaceId: ws.id,
        ticketId: t.id,
        actor: { type: "system", id: null },
        type: "note_added",
        data: { commentId: id, channel: "email" },
        at: now,
      });
      await ticketsWritableBy(tx, actor).set({ updated_at: now }).where("tickets.id", "=", t.id).execute();
      await indexTicketText(ctx, tx, { workspaceId: ws.id, ticketId: t.id, content: m.body });
    }
    const outcome = fromContact ? "reply_appended" : "note_appended";
    await markInbound(tx, m, now, { outcome, ticketId: t.id, commentId: id });
    return { outcome, ticketId: t.id, reference: formatReference(t.number), commentId: id };
  });
  if (o.outcome === "reply_appended") await countEmailReply(ctx, o.ticketId);
  return published(ctx, ws.id, o);
}

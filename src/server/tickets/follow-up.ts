import { MAX_FILES_CUSTOMER_REPLY } from "../../shared/files.ts";
import { formatReference, type TicketType } from "../../shared/tickets.ts";
import type { AppContext } from "../context.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { emailTicketCreated } from "../email/outbox.tickets.ts";
import { type Claimer, claimUploads } from "../files/file.service.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { insertTicket, issueTrackingToken, trackingPath } from "./ticket.create.ts";
import { recordEvent } from "./ticket.events.ts";

// A Closed ticket is final. When its customer writes to it again, from the tracking page or by
// email, the message is not lost: it opens a follow-up ticket linked to the closed one.

export interface FollowUpMessage {
  ws: Workspace;
  /** The Closed ticket the customer wrote to. */
  closed: TicketTable;
  /** Who wrote: the closed ticket's contact, at the address the confirmation goes to. */
  contact: { id: string; name: string; address: string; emailNormalized: string };
  /** The follow-up's company: the closed ticket's on the portal, the contact's own by email. */
  companyId: string | null;
  /** The message, as stored: the follow-up's description. */
  body: string;
  channel: "portal" | "email";
  /** The files that came with the message, and who may attach them. */
  files: { claimer: Claimer; keys: readonly string[] | undefined };
  /** By email the follow-up stays on the customer's thread; left out, it starts its own. */
  emailThreadId?: string | undefined;
  /** The customer's Message-ID, which the confirmation email answers. */
  lastInbound?: string | undefined;
}

/**
 * Opens the follow-up in the caller's transaction: the ticket (same subject and type), its files,
 * the event on the closed ticket, a tracking token and the customer's confirmation email.
 */
export async function openFollowUp(
  ctx: AppContext,
  tx: Tx,
  m: FollowUpMessage,
): Promise<{ ticket: TicketTable; trackingPath: string }> {
  const { ws, closed, contact } = m;
  const actor = { type: "contact" as const, id: contact.id };
  const ticket = await insertTicket(ctx, tx, {
    workspace: ws,
    contactId: contact.id,
    companyId: m.companyId,
    subject: closed.subject,
    description: m.body,
    type: closed.type as TicketType,
    channel: m.channel,
    actor,
    followUpOfId: closed.id,
    emailThreadId: m.emailThreadId,
    locale: closed.locale,
  });
  await claimUploads(
    ctx,
    tx,
    m.files.claimer,
    { workspaceId: ws.id, ticketId: ticket.id, commentId: null },
    m.files.keys,
    MAX_FILES_CUSTOMER_REPLY,
  );
  await recordEvent(ctx.database, tx, {
    workspaceId: ws.id,
    ticketId: closed.id,
    actor,
    type: "follow_up_created",
    data: { reference: formatReference(ticket.number) },
    at: ticket.created_at,
  });
  const token = await issueTrackingToken(ctx, tx, {
    workspaceId: ws.id,
    ticketId: ticket.id,
    emailNormalized: contact.emailNormalized,
    at: ctx.now(),
  });
  const path = trackingPath(ws.slug, ticket.number, token);
  await emailTicketCreated(ctx, tx, {
    ws,
    ticket,
    contact: { address: contact.address, name: contact.name },
    trackingUrl: portalUrl(ctx.config, ws, path),
    lastInbound: m.lastInbound,
    followUpOf: formatReference(closed.number),
  });
  return { ticket, trackingPath: path };
}

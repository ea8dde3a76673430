import { MAX_FILES_CUSTOMER_REPLY } from "../../shared/files.ts";
import type { TicketStatus } from "../../shared/tickets.ts";
import type { CustomerActor, TokenHolderActor, WorkspaceSystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { nowIso } from "../context.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { emailCustomerReplied } from "../email/outbox.tickets.ts";
import { attachmentsOfComment } from "../files/file.access.ts";
import { claimUploads } from "../files/file.service.ts";
import { noteCustomerMessage } from "../sentiment/sentiment.ts";
import { syncSla } from "../sla/sla.timers.ts";
import { onTicketReopened } from "../surveys/still-fixed-resolution.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { ticketsWritableBy } from "./ticket.access.ts";
import { insertComment } from "./ticket.create.ts";
import { type EventActor, recordEvent } from "./ticket.events.ts";
import { indexTicketText } from "./ticket.search.ts";

/**
 * A customer's reply from the portal (the tracking page or the signed-in portal) on a ticket locked
 * in `tx` and not closed: the comment, the files sent with it (its own uploads, at most
 * MAX_FILES_CUSTOMER_REPLY) and what follows it (afterCustomerComment). Returns the comment as the
 * writer sees it and the ticket's new status.
 */
export async function saveCustomerReply(
  ctx: AppContext,
  tx: Tx,
  p: {
    actor: TokenHolderActor | CustomerActor;
    /** The contact who wrote it when not necessarily the ticket's own (afterCustomerComment). */
    authorContactId?: string;
    ws: Workspace;
    ticket: TicketTable;
    contact: { id: string; name: string };
    body: string;
    attachments: string[] | undefined;
  },
) {
  const { ticket, contact, body } = p;
  const now = nowIso(ctx);
  const id = await insertComment(tx, {
    workspaceId: ticket.workspace_id,
    ticketId: ticket.id,
    author: { type: "contact", contactId: contact.id },
    body,
    internal: false,
    channel: "portal",
    at: now,
  });
  await claimUploads(
    ctx,
    tx,
    { kind: "public" },
    { workspaceId: ticket.workspace_id, ticketId: ticket.id, commentId: id },
    p.attachments,
    MAX_FILES_CUSTOMER_REPLY,
  );
  const status = await afterCustomerComment(ctx, tx, {
    actor: p.actor,
    ...(p.authorContactId ? { authorContactId: p.authorContactId } : {}),
    ws: p.ws,
    ticket,
    contactName: contact.name,
    commentId: id,
    body,
    channel: "portal",
    at: now,
  });
  return {
    status,
    message: {
      id,
      author: { type: "contact" as const, name: contact.name },
      body,
      createdAt: now,
      // The files just attached to this public reply.
      attachments: await attachmentsOfComment(tx, p.actor, id),
    },
  };
}

/**
 * What follows a customer's comment, from the portal or by email: the event, reopening a
 * Resolved or Waiting ticket, the search index and the agents' email. Returns the new status.
 */
export async function afterCustomerComment(
  ctx: AppContext,
  tx: Tx,
  p: {
    /**
     * Who wrote it: the token holder or the signed-in customer on the portal, the workspace's
     * incoming mail by email.
     */
    actor: TokenHolderActor | CustomerActor | WorkspaceSystemActor;
    /** The contact who wrote it when not the ticket's own (a colleague on the signed-in portal). */
    authorContactId?: string;
    ws: Workspace;
    /** The ticket as locked in this transaction. */
    ticket: TicketTable;
    contactName: string;
    commentId: string;
    body: string;
    channel: "portal" | "email";
    at: string;
  },
): Promise<TicketStatus> {
  const t = p.ticket;
  await noteCustomerMessage(ctx, tx, {
    workspaceId: t.workspace_id,
    ticketId: t.id,
    text: p.body,
    at: p.at,
    reply: true,
    commentId: p.commentId,
  });
  const author: EventActor = { type: "contact", id: p.authorContactId ?? t.contact_id };
  const ev = { workspaceId: t.workspace_id, ticketId: t.id, actor: author, at: p.at };
  await recordEvent(ctx.database, tx, {
    ...ev,
    type: "customer_replied",
    data:
      p.channel === "portal" ? { commentId: p.commentId } : { commentId: p.commentId, channel: p.channel },
  });
  const from = t.status as TicketStatus;
  const reopen = from === "resolved" || from === "waiting";
  if (reopen) await recordEvent(ctx.database, tx, { ...ev, type: "reopened", data: { from, to: "open" } });
  if (from === "resolved") await onTicketReopened(ctx, tx, t);
  await ticketsWritableBy(tx, p.actor)
    .set(
      reopen
        ? { status: "open", portal_status: null, resolved_at: null, updated_at: p.at }
        : { updated_at: p.at },
    )
    .where("tickets.id", "=", t.id)
    .execute();
  await syncSla(ctx, tx, t, t, "customer_replied");
  await indexTicketText(ctx, tx, { workspaceId: t.workspace_id, ticketId: t.id, content: p.body });
  await emailCustomerReplied(ctx, tx, {
    ws: p.ws,
    ticket: t,
    contactName: p.contactName,
    body: p.body,
    reopened: reopen,
  });
  return reopen ? "open" : from;
}

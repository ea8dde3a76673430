import type { AddressObject, ParsedMail } from "mailparser";
import { parseReference } from "../../shared/tickets.ts";
import type { WorkspaceSystemActor } from "../actors.ts";
import { hashToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { commentsVisibleTo } from "../tickets/comment.access.ts";
import { findTicketWithContactEmail, ticketsVisibleTo } from "../tickets/ticket.access.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { messageIdsIn, splitPlusAddress } from "./email.headers.ts";
import { header } from "./inbound.mail.ts";
import { outboxThreadTickets } from "./outbox.access.ts";

// Which ticket of the workspace an incoming message belongs to, and how we know. Our reply
// token in the address is proof of the conversation by itself; the threading headers and a
// [TKT-0042] in the subject are claims anyone can write, so what they find is only the
// customer's own message once the sender is verified (inbound.ts, decision 0013).

export interface Thread {
  ticketId: string;
  /** reply_token: our token in a recipient address; headers: In-Reply-To/References; subject: [TKT-…]. */
  by: "reply_token" | "headers" | "subject";
  /** Whether the From address is the ticket's contact's. */
  fromContact: boolean;
}

/**
 * The ticket of this workspace the message answers: ids are tried in the order given (its
 * In-Reply-To first, then its References from the newest back), the first one we know wins.
 */
async function ticketByThreadHeaders(
  ctx: AppContext,
  reader: WorkspaceSystemActor,
  ids: string[],
): Promise<string | null> {
  if (!ids.length) return null;
  const bracketed = ids.map((id) => `<${id}>`);
  const db = ctx.database.db;
  const [outbox, threads, comments] = await Promise.all([
    outboxThreadTickets(db, reader, bracketed),
    ticketsVisibleTo(db, reader)
      .select(["email_thread_id as mid", "id as ticket_id"])
      .where("email_thread_id", "in", bracketed)
      .orderBy("number", "desc")
      .execute(),
    commentsVisibleTo(db, reader)
      .select(["email_message_id as mid", "ticket_id"])
      .where("email_message_id", "in", bracketed)
      .execute(),
  ]);
  const byId = new Map<string, string>();
  for (const r of [...outbox, ...comments, ...threads]) {
    if (r.mid && r.ticket_id && !byId.has(r.mid)) byId.set(r.mid, r.ticket_id);
  }
  for (const id of bracketed) {
    const hit = byId.get(id);
    if (hit) return hit;
  }
  return null;
}

const addressesOf = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? "")).filter(Boolean);

/** The ticket whose reply token is in one of the message's recipient addresses. */
async function ticketByReplyToken(ctx: AppContext, ws: Workspace, recipients: string[]) {
  for (const r of recipients) {
    const n = normalizeEmail(r);
    const tag = n ? splitPlusAddress(n).tag : null;
    if (!n || !tag || !/^[0-9a-f]{32}$/.test(tag)) continue;
    const hit = await ctx.database.db
      .selectFrom("email_reply_tokens")
      .select("ticket_id")
      .where("token_hash", "=", hashToken(tag))
      .where("workspace_id", "=", ws.id)
      .executeTakeFirst();
    if (hit) return hit.ticket_id;
  }
  return null;
}

/**
 * Our reply token in the address, then the threading headers, then a [TKT-0042] in the subject
 * (that one only for the ticket's own contact); null for a new conversation.
 */
export async function threadOf(
  ctx: AppContext,
  reader: WorkspaceSystemActor,
  ws: Workspace,
  p: { envelopeRecipients: string[]; mail: ParsedMail; subject: string; fromAddress: string },
): Promise<Thread | null> {
  const recipients = [
    ...p.envelopeRecipients,
    ...addressesOf(p.mail.to),
    ...addressesOf(p.mail.cc),
    header(p.mail, "delivered-to"),
  ];
  const found = async (ticketId: string | null, by: Thread["by"]): Promise<Thread | null> => {
    if (!ticketId) return null;
    const t = await findTicketWithContactEmail(ctx.database.db, reader, { id: ticketId });
    return t ? { ticketId: t.id, by, fromContact: t.email_normalized === p.fromAddress } : null;
  };
  const byToken = await found(await ticketByReplyToken(ctx, ws, recipients), "reply_token");
  if (byToken) return byToken;
  const ids = [...messageIdsIn(p.mail.inReplyTo), ...messageIdsIn(p.mail.references).reverse()];
  const byHeaders = await found(await ticketByThreadHeaders(ctx, reader, ids), "headers");
  if (byHeaders) return byHeaders;
  const ref = /\[(TKT-\d{4,})\]/i.exec(p.subject)?.[1];
  const number = ref ? parseReference(ref.toUpperCase()) : null;
  if (number === null) return null;
  const t = await findTicketWithContactEmail(ctx.database.db, reader, { number });
  // Someone else's reference in a subject starts a ticket of their own.
  return t && t.email_normalized === p.fromAddress
    ? { ticketId: t.id, by: "subject", fromContact: true }
    : null;
}

import type { Actor } from "../actors.ts";
import { systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { attachmentsVisibleTo } from "../files/file.access.ts";
import { DEFAULT_LOCALE, isLocale } from "../i18n/locales.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { commentsVisibleTo } from "../tickets/comment.access.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { emailWordingOf } from "../workspaces/portal-settings.ts";
import { serverOrigin } from "../workspaces/portal-url.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import type { EmailLang } from "./email.wording.ts";

// What a customer's email knows of its reader and its workspace when it is queued (outbox.ts):
// where links and replies go, whether replies can arrive, the reader's language and zone, and
// the conversation an agent's reply quotes, read as the customer reads it.

/**
 * Whether a customer's reply by email reaches the help desk: an address to reply to, and a way
 * in (the SMTP listener or IMAP). Without one, emails invite replies on the page only.
 */
export function repliesCanArrive(ctx: AppContext, ws: Workspace): boolean {
  const inbound = ctx.config.inboundSmtpPort !== undefined || ctx.config.imapUrl !== undefined;
  return inbound && supportAddressOf(ctx, ws) !== null;
}

/** What emailLangOf reads, when the caller has just written it: the recipient's contact and the ticket's language. */
export interface KnownLang {
  contact: { locale: string | null; time_zone: string | null };
  ticketLocale: string | null;
}

/**
 * The language a customer's email is written in, fixed when it is queued: the contact's own
 * choice (contacts.locale), else the language of the page they were on (`pageLocale`: the
 * submission's or the request's), else the request's own (tickets.locale: the language it was
 * written in, so an agent's reply weeks later still speaks it), else the workspace's default. Times in the contact's zone, else
 * the workspace's. The workspace's words and wording of that moment go with it.
 */
export async function emailLangOf(
  tx: Tx,
  ws: Workspace,
  kind: string,
  address: string,
  pageLocale: string | undefined,
  ticketId: string | undefined,
  known?: KnownLang,
): Promise<EmailLang> {
  const actor = systemActorIn("email language", ws.id);
  const contact = known
    ? known.contact
    : await contactsVisibleTo(tx, actor)
        .select(["contacts.locale", "contacts.time_zone"])
        .where("contacts.email_normalized", "=", normalizeEmail(address))
        .executeTakeFirst();
  const ticket = known
    ? { locale: known.ticketLocale }
    : !isLocale(contact?.locale) && !isLocale(pageLocale) && ticketId
      ? await ticketsVisibleTo(tx, actor)
          .select("tickets.locale")
          .where("tickets.id", "=", ticketId)
          .executeTakeFirst()
      : undefined;
  const locale =
    [contact?.locale, pageLocale, ticket?.locale, ws.default_locale].find(isLocale) ?? DEFAULT_LOCALE;
  return {
    locale,
    timeZone: contact?.time_zone || ws.time_zone || "UTC",
    ticketWords: ws.ticket_words ?? "{}",
    ...emailWordingOf(ws, kind, locale),
  };
}

/** Links in emails must be absolute: PUBLIC_URL, or this server on localhost (serverOrigin). */
export function absoluteUrl(ctx: AppContext, path: string): string {
  return `${serverOrigin(ctx.config)}${path}`;
}

/** The address replies should reach: the workspace's support email, else {slug}@INBOUND_EMAIL_DOMAIN. */
export function supportAddressOf(ctx: AppContext, ws: Workspace): string | null {
  if (ws.support_email) return ws.support_email.toLowerCase();
  return ctx.config.inboundEmailDomain ? `${ws.slug}@${ctx.config.inboundEmailDomain}` : null;
}

/** How many earlier public messages an agent's reply quotes. */
export const QUOTED_MESSAGES = 3;

/**
 * The public messages before an agent's reply, newest first, read as the ticket's customer reads
 * them (a token holder's access: never an internal note). The customer's own have no author (the
 * email says "You").
 */
export async function earlierConversation(
  tx: Tx,
  ws: Workspace,
  ticket: { id: string; contact_id?: string | undefined },
  contact: { address: string },
  replyId: string | undefined,
): Promise<{ author: string | null; body: string; at: string }[]> {
  if (!ticket.contact_id) return [];
  const reader: Actor = {
    kind: "token_holder",
    workspaceId: ws.id,
    ticketId: ticket.id,
    contactId: ticket.contact_id,
    emailNormalized: normalizeEmail(contact.address) ?? contact.address.toLowerCase(),
  };
  let q = commentsVisibleTo(tx, reader)
    .leftJoin("agents", "agents.id", "comments.author_agent_id")
    .select(["comments.author_type", "agents.name as agent_name", "comments.body", "comments.created_at"])
    .where("comments.ticket_id", "=", ticket.id)
    .where("comments.author_type", "in", ["agent", "contact"]);
  if (replyId) q = q.where("comments.id", "!=", replyId);
  const rows = await q
    .orderBy("comments.created_at", "desc")
    .orderBy("comments.id", "desc")
    .limit(QUOTED_MESSAGES)
    .execute();
  return rows.map((r) => ({
    author: r.author_type === "contact" ? null : (r.agent_name ?? brandingOf(ws).brandName),
    body: r.body,
    at: r.created_at,
  }));
}

/** The names of the files sent with the ticket itself (not with a later message), in their order. */
export async function filesSentWith(tx: Tx, reader: Actor, ticketId: string): Promise<string[]> {
  const rows = await attachmentsVisibleTo(tx, reader)
    .select("attachments.file_name")
    .where("attachments.ticket_id", "=", ticketId)
    .where("attachments.comment_id", "is", null)
    .orderBy("attachments.created_at")
    .orderBy("attachments.id")
    .execute();
  return rows.map((r) => r.file_name);
}

import { createHash } from "node:crypto";
import { DEFAULT_TICKET_TYPE, formatReference, SUBJECT_MAX } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { findOrCreateContact } from "../contacts/contact.service.ts";
import type { AppContext } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { Tx } from "../db/schema.ts";
import { absoluteUrl } from "../email/outbox.customer.ts";
import { emailTicketCreated } from "../email/outbox.tickets.ts";
import { conflict, validationFailed } from "../errors.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { publishRouted } from "../routing/auto-assign.ts";
import { noteCustomerMessage } from "../sentiment/sentiment.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import {
  cleanText,
  insertComment,
  insertTicket,
  issueTrackingToken,
  trackingPath,
} from "../tickets/ticket.create.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { indexTicketText } from "../tickets/ticket.search.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import { customerHealth } from "./customer-health.ts";
import type { HandoverBody, HandoverResult } from "./handover.schemas.ts";
import { handoverNote } from "./handover-note.ts";

// A chatbot or AI assistant hands a conversation to the team. The customer's contact is found or
// made by email, and the ticket opened through the same path as a portal request (numbering,
// routing, SLA, sentiment, webhooks, the confirmation email with the tracking link). The
// customer's messages are the public conversation: the first is the description, the rest their
// comments, in order. Everything else (the bot's messages, its steps and summary, the customer's
// health) is one internal note by the system. A conversationId handed over again answers the
// first ticket.

const IDEMPOTENCY_SCOPE = "bot_handover";
const SUBJECT_FROM_MESSAGE = 80;

/** The first line of a message with something in it, cut at a word near 80 characters. */
export function subjectFrom(text: string): string {
  const line =
    text
      .split("\n")
      .map((l) => l.replace(/\s+/g, " ").trim())
      .find((l) => l !== "") ?? "";
  const chars = [...line];
  if (chars.length <= SUBJECT_FROM_MESSAGE) return line;
  const cut = chars.slice(0, SUBJECT_FROM_MESSAGE).join("");
  const space = cut.lastIndexOf(" ");
  return `${(space > SUBJECT_FROM_MESSAGE / 2 ? cut.slice(0, space) : cut).trimEnd()}…`.slice(0, SUBJECT_MAX);
}

const nameFromEmail = (email: string) => email.split("@")[0] || email;

function checked(body: HandoverBody) {
  const email = normalizeEmail(body.customer.email);
  const first = body.transcript.findIndex((m) => m.from === "customer");
  const opening = body.transcript[first];
  const fields: Record<string, string> = {};
  if (!email) fields["customer.email"] = "must be a valid email address";
  if (!opening) fields.transcript = "must hold at least one message from the customer";
  if (!email || !opening) throw validationFailed(fields);
  return { email, first, opening };
}

const ticketUrl = (ctx: AppContext, number: number) =>
  absoluteUrl(ctx, `/app/tickets/${formatReference(number)}`);

/** The answer for a conversation handed over before: its ticket, a fresh tracking link. */
async function replay(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  ws: Workspace,
  conversationId: string,
  email: string,
): Promise<HandoverResult | null> {
  const prior = await tx
    .selectFrom("idempotency_keys")
    .select("response")
    .where("workspace_id", "=", ws.id)
    .where("scope", "=", IDEMPOTENCY_SCOPE)
    .where("key", "=", conversationId)
    .executeTakeFirst();
  if (!prior) return null;
  const { ticketId } = JSON.parse(prior.response) as { ticketId: string };
  const ticket = await ticketsVisibleTo(tx, actor)
    .innerJoin("contacts", "contacts.id", "tickets.contact_id")
    .select(["tickets.id", "tickets.number", "tickets.contact_id", "contacts.email_normalized"])
    .where("tickets.id", "=", ticketId)
    .executeTakeFirst();
  if (!ticket) {
    // The ticket is gone since: the stale key goes, and the conversation is handed over anew.
    await tx
      .deleteFrom("idempotency_keys")
      .where("workspace_id", "=", ws.id)
      .where("scope", "=", IDEMPOTENCY_SCOPE)
      .where("key", "=", conversationId)
      .execute();
    return null;
  }
  // Another customer's conversation: never their ticket, nor a link to it.
  if (ticket.email_normalized !== email) {
    throw conflict("conversation_taken", "This conversation was handed over for another customer.", {
      conversationId: "was handed over before for another customer's email address",
    });
  }
  const token = await issueTrackingToken(ctx, tx, {
    workspaceId: ws.id,
    ticketId: ticket.id,
    emailNormalized: ticket.email_normalized,
    at: ctx.now(),
  });
  return {
    ticket: { id: ticket.id, reference: formatReference(ticket.number), url: ticketUrl(ctx, ticket.number) },
    contact: { id: ticket.contact_id, created: false },
    trackingUrl: portalUrl(ctx.config, ws, trackingPath(ws.slug, ticket.number, token)),
    health: await customerHealth(tx, actor, ticket.contact_id),
  };
}

export async function handOver(
  ctx: AppContext,
  actor: AgentActor,
  body: HandoverBody,
): Promise<{ result: HandoverResult; replayed: boolean }> {
  const { email, first, opening } = checked(body);
  const ws = await getWorkspace(ctx, actor);
  const conversationId = body.conversationId;
  if (conversationId) {
    const again = await ctx.database.db
      .transaction()
      .execute((tx) => replay(ctx, tx, actor, ws, conversationId, email));
    if (again) return { result: again, replayed: true };
  }
  const source = body.source ?? "Assistant";
  let created: Awaited<ReturnType<typeof insertTicket>> | undefined;
  try {
    const result = await ctx.database.db.transaction().execute(async (tx): Promise<HandoverResult> => {
      const known = await contactsVisibleTo(tx, actor)
        .select("contacts.id")
        .where("contacts.email_normalized", "=", email)
        .executeTakeFirst();
      const contact = await findOrCreateContact(ctx, tx, {
        workspaceId: ws.id,
        email: body.customer.email.trim(),
        emailNormalized: email,
        name: body.customer.name?.trim() || nameFromEmail(email),
      });
      const ticket = await insertTicket(ctx, tx, {
        workspace: ws,
        contactId: contact.id,
        companyId: contact.company_id,
        subject: body.subject?.trim() || subjectFrom(opening.text),
        description: cleanText(opening.text),
        type: body.type ?? DEFAULT_TICKET_TYPE,
        channel: "chat",
        actor: { type: "contact", id: contact.id },
        locale: body.language,
        priority: body.priority,
      });
      created = ticket;
      // The customer's later messages, in order just after the ticket's own first one.
      const start = new Date(ticket.created_at).getTime();
      let step = 0;
      const next = () => new Date(start + ++step).toISOString();
      for (const m of body.transcript.slice(first + 1)) {
        if (m.from !== "customer") continue;
        const text = cleanText(m.text);
        const at = next();
        const commentId = await insertComment(tx, {
          workspaceId: ws.id,
          ticketId: ticket.id,
          author: { type: "contact", contactId: contact.id },
          body: text,
          internal: false,
          channel: "chat",
          at,
        });
        await noteCustomerMessage(ctx, tx, {
          workspaceId: ws.id,
          ticketId: ticket.id,
          text,
          at,
          reply: true,
          commentId,
        });
        await indexTicketText(ctx, tx, { workspaceId: ws.id, ticketId: ticket.id, content: text });
      }
      const health = await customerHealth(tx, actor, contact.id);
      const noteAt = next();
      const noteId = await insertComment(tx, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        author: { type: "system" },
        body: handoverNote({
          source,
          customerName: contact.name,
          transcript: body.transcript,
          attemptedSteps: body.attemptedSteps ?? [],
          summary: body.summary,
          conversationId,
          health,
          timeZone: ws.time_zone,
          at: ctx.now(),
        }),
        internal: true,
        channel: "chat",
        at: noteAt,
      });
      await recordEvent(ctx.database, tx, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        actor: { type: "system", id: null },
        type: "note_added",
        data: { commentId: noteId, handoverFrom: source },
        at: noteAt,
      });
      const token = await issueTrackingToken(ctx, tx, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        emailNormalized: email,
        at: ctx.now(),
      });
      const trackingUrl = portalUrl(ctx.config, ws, trackingPath(ws.slug, ticket.number, token));
      await emailTicketCreated(ctx, tx, {
        ws,
        ticket,
        contact: { address: body.customer.email.trim(), name: contact.name },
        trackingUrl,
        locale: body.language,
      });
      if (conversationId) {
        await tx
          .insertInto("idempotency_keys")
          .values({
            workspace_id: ws.id,
            scope: IDEMPOTENCY_SCOPE,
            key: conversationId,
            request_hash: createHash("sha256").update(conversationId).digest("hex"),
            status_code: 201,
            response: JSON.stringify({ ticketId: ticket.id }),
            created_at: ticket.created_at,
          })
          .execute();
      }
      return {
        ticket: {
          id: ticket.id,
          reference: formatReference(ticket.number),
          url: ticketUrl(ctx, ticket.number),
        },
        contact: { id: contact.id, created: !known },
        trackingUrl,
        health,
      };
    });
    if (created) publishRouted(ctx, ws.id, formatReference(created.number), created.routed);
    ctx.log.info({ ticketId: result.ticket.id, source, messages: body.transcript.length }, "bot handover");
    return { result, replayed: false };
  } catch (err) {
    // The same conversation raced in twice: the first one won; answer with its ticket.
    if (conversationId && isUniqueViolation(err)) {
      const again = await ctx.database.db
        .transaction()
        .execute((tx) => replay(ctx, tx, actor, ws, conversationId, email));
      if (again) return { result: again, replayed: true };
    }
    throw err;
  }
}

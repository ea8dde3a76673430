import type { TokenHolderActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { StillFixedOutcome, SurveyTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { afterCustomerComment } from "../tickets/customer-reply.ts";
import { openFollowUp } from "../tickets/follow-up.ts";
import { lockTicket, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { insertComment } from "../tickets/ticket.create.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { onTicketClosed } from "./ces.ts";
import { sameResolution } from "./still-fixed-resolution.ts";

// "Still fixed?" answered: "Yes" closes the request, as the customer's own action (and asks CES
// like any closing); "No" reopens it with the customer's words as their public reply (the same
// path as a reply on the tracking page). Only while the request still has the resolution asked
// about: otherwise the answer is kept and the request left as the team has it, except a "No" on
// a request closed meanwhile, which opens a follow-up linked to it (as a reply to a closed
// request does) so the words reach the team. Answers what it did.

export const NOT_FIXED_DEFAULT = "The customer says the problem is not fixed.";

export async function applyStillFixedAnswer(
  ctx: AppContext,
  tx: Tx,
  s: SurveyTable,
): Promise<StillFixedOutcome> {
  if (!s.ticket_id || !s.answer) return "recorded";
  const ticket = await lockTicket(ctx, tx, { id: s.ticket_id, workspace_id: s.workspace_id });
  const closedNo = ticket.status === "closed" && s.answer === "no";
  // Only the resolution it asked about: not after a reopen, nor after a later resolution.
  if (!closedNo && (ticket.status !== "resolved" || !sameResolution(s, ticket.resolved_at))) {
    return "recorded";
  }
  const contact = await contactsVisibleTo(tx, {
    kind: "system",
    reason: "surveys",
    workspaceId: s.workspace_id,
  })
    .select(["contacts.id", "contacts.name", "contacts.email", "contacts.email_normalized"])
    .where("contacts.id", "=", s.contact_id)
    .executeTakeFirstOrThrow();
  const ws = await tx
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", s.workspace_id)
    .executeTakeFirstOrThrow();
  const body = s.comment ?? NOT_FIXED_DEFAULT;
  if (closedNo) {
    await openFollowUp(ctx, tx, {
      ws,
      closed: ticket,
      contact: {
        id: contact.id,
        name: contact.name,
        address: contact.email,
        emailNormalized: contact.email_normalized,
      },
      companyId: ticket.company_id,
      body,
      channel: "portal",
      files: { claimer: { kind: "public" }, keys: undefined },
    });
    return "follow_up";
  }
  // The answer link stands for the survey's contact on the one request it asks about.
  const actor: TokenHolderActor = {
    kind: "token_holder",
    workspaceId: s.workspace_id,
    ticketId: ticket.id,
    contactId: contact.id,
    emailNormalized: contact.email_normalized,
  };
  const at = s.answered_at ?? ctx.now().toISOString();
  if (s.answer === "yes") {
    await ticketsWritableBy(tx, actor)
      .set({ status: "closed", portal_status: null, closed_at: at, updated_at: at })
      .where("tickets.id", "=", ticket.id)
      .execute();
    await recordEvent(ctx.database, tx, {
      workspaceId: ticket.workspace_id,
      ticketId: ticket.id,
      actor: { type: "contact", id: contact.id },
      type: "status_changed",
      data: { from: "resolved", to: "closed", byCustomer: true, stillFixed: true },
      at,
    });
    // Closing a ticket of a type the admin chose asks the customer how easy it was (CES).
    await onTicketClosed(ctx, tx, ticket);
    return "closed";
  }
  const commentId = await insertComment(tx, {
    workspaceId: ticket.workspace_id,
    ticketId: ticket.id,
    author: { type: "contact", contactId: contact.id },
    body,
    internal: false,
    channel: "portal",
    at,
  });
  await afterCustomerComment(ctx, tx, {
    actor,
    ws,
    ticket,
    contactName: contact.name,
    commentId,
    body,
    channel: "portal",
    at,
  });
  return "reopened";
}

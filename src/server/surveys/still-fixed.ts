import type { TokenHolderActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { SurveyTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { afterCustomerComment } from "../tickets/customer-reply.ts";
import { lockTicket, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { insertComment } from "../tickets/ticket.create.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { sameResolution } from "./still-fixed-resolution.ts";

// "Still fixed?" answered: "Yes" closes the request, as the customer's own action; "No" reopens
// it with the customer's words as their public reply (the same path as a reply on the tracking
// page). Only while the request is still resolved: otherwise the answer is kept and the request
// left as the team has it.

export const NOT_FIXED_DEFAULT = "The customer says the problem is not fixed.";

export async function applyStillFixedAnswer(ctx: AppContext, tx: Tx, s: SurveyTable): Promise<void> {
  if (!s.ticket_id || !s.answer) return;
  const ticket = await lockTicket(ctx, tx, { id: s.ticket_id, workspace_id: s.workspace_id });
  // Only the resolution it asked about: not after a reopen, nor after a later resolution.
  if (ticket.status !== "resolved" || !sameResolution(s, ticket.resolved_at)) return;
  const contact = await contactsVisibleTo(tx, {
    kind: "system",
    reason: "surveys",
    workspaceId: s.workspace_id,
  })
    .select(["contacts.id", "contacts.name", "contacts.email_normalized"])
    .where("contacts.id", "=", s.contact_id)
    .executeTakeFirstOrThrow();
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
    return;
  }
  const body = s.comment ?? NOT_FIXED_DEFAULT;
  const ws = await tx
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", s.workspace_id)
    .executeTakeFirstOrThrow();
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
}

import { formatReference, type TicketStatus } from "../../shared/tickets.ts";
import type { CustomerActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import { AppError, validationFailed } from "../errors.ts";
import { publishTicketChanged } from "../live/publish.ts";
import { syncSla } from "../sla/sla.timers.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import type { Colleague, PortalReplyResult } from "./customer-portal.schemas.ts";
import { findPortalTicket, mayCopyIn } from "./customer-portal.ts";
import { saveCustomerReply } from "./customer-reply.ts";
import { openFollowUp } from "./follow-up.ts";
import { withPortalReplyCounted } from "./reply-limits.ts";
import { lockTicket, removeTicketCc, ticketsWritableBy } from "./ticket.access.ts";
import { cleanText, customerStatusOf } from "./ticket.create.ts";
import { recordEvent } from "./ticket.events.ts";

// What a signed-in customer does on a request: reply (with files), close it themselves ("This is
// solved"), copy colleagues of their company in and take them off. Each starts by finding the
// request through the customer's scope, inside the transaction that changes it.

const contactNotFound = () => new AppError(404, "contact_not_found", "We could not find that colleague.");

/** The signed-in contact as their own scope shows them. */
async function self(ctx: AppContext, actor: CustomerActor) {
  return contactsVisibleTo(ctx.database.db, actor)
    .select(["contacts.id", "contacts.name", "contacts.email", "contacts.email_normalized"])
    .where("contacts.id", "=", actor.contactId)
    .executeTakeFirstOrThrow();
}

/**
 * A reply from the portal. Like the tracking page's: it reopens a Resolved or Waiting request,
 * and on a Closed one starts a follow-up request, so the message is never lost.
 */
export async function replyAsCustomer(
  ctx: AppContext,
  actor: CustomerActor,
  reference: string,
  input: { body: string; attachments?: string[] | undefined },
  /** Whose replies the per-address limit counts (reply-limits.ts). */
  clientAddress?: string,
): Promise<PortalReplyResult> {
  const body = cleanText(input.body);
  if (!body) throw validationFailed({ body: "must not be empty" });
  const [ws, me, seen] = await Promise.all([
    getWorkspace(ctx, actor),
    self(ctx, actor),
    findPortalTicket(ctx.database.db, actor, reference),
  ]);
  const result = await withPortalReplyCounted(ctx, { ticketId: seen.id, clientAddress }, () =>
    ctx.database.db.transaction().execute(async (tx): Promise<PortalReplyResult> => {
      // Decided on the locked row: a request closed meanwhile still gets a follow-up.
      const ticket = await lockTicket(ctx, tx, await findPortalTicket(tx, actor, reference));
      if (ticket.status === "closed") {
        const followUp = await openFollowUp(ctx, tx, {
          ws,
          closed: ticket,
          contact: { id: me.id, name: me.name, address: me.email, emailNormalized: me.email_normalized },
          companyId: ticket.company_id,
          body,
          channel: "portal",
          files: { claimer: { kind: "public" }, keys: input.attachments },
        });
        return { kind: "follow_up", reference: formatReference(followUp.ticket.number) };
      }
      const saved = await saveCustomerReply(ctx, tx, {
        actor,
        authorContactId: me.id,
        ws,
        ticket,
        contact: me,
        body,
        attachments: input.attachments,
      });
      return {
        kind: "comment",
        status: saved.status === ticket.status ? customerStatusOf(ticket) : saved.status,
        message: saved.message,
      };
    }),
  );
  publishTicketChanged(
    ctx,
    actor.workspaceId,
    reference,
    ...(result.kind === "follow_up" ? [result.reference] : []),
  );
  return result;
}

/** "This is solved": the customer resolves their request. Already resolved or closed: nothing changes. */
export async function closeAsCustomer(
  ctx: AppContext,
  actor: CustomerActor,
  reference: string,
): Promise<{ status: TicketStatus }> {
  const result = await ctx.database.db.transaction().execute(async (tx) => {
    const ticket = await lockTicket(ctx, tx, await findPortalTicket(tx, actor, reference));
    const seen = customerStatusOf(ticket);
    if (ticket.status === "resolved" || ticket.status === "closed") return { status: seen };
    const now = nowIso(ctx);
    await ticketsWritableBy(tx, actor)
      .set({ status: "resolved", portal_status: null, resolved_at: now, updated_at: now })
      .where("tickets.id", "=", ticket.id)
      .execute();
    await recordEvent(ctx.database, tx, {
      workspaceId: ticket.workspace_id,
      ticketId: ticket.id,
      actor: { type: "contact", id: actor.contactId },
      type: "resolved",
      data: { from: ticket.status, to: "resolved", byCustomer: true },
      at: now,
    });
    await syncSla(ctx, tx, ticket, ticket);
    return { status: "resolved" as const };
  });
  publishTicketChanged(ctx, actor.workspaceId, reference);
  return result;
}

/** The colleagues a customer may copy in: the other contacts of their company their scope shows. */
export async function listColleagues(ctx: AppContext, actor: CustomerActor): Promise<Colleague[]> {
  if (actor.companyId === null) return [];
  return contactsVisibleTo(ctx.database.db, actor)
    .select(["contacts.id", "contacts.name", "contacts.email"])
    .where("contacts.company_id", "=", actor.companyId)
    .where("contacts.id", "!=", actor.contactId)
    .orderBy("contacts.name")
    .orderBy("contacts.id")
    .execute();
}

/** Copies a colleague in on a request of their company. Copying in twice changes nothing. */
export async function addColleagueCc(
  ctx: AppContext,
  actor: CustomerActor,
  reference: string,
  contactId: string,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const ticket = await findPortalTicket(tx, actor, reference);
    // A request they may read but not share (their own outside a company, a copy they received)
    // is answered like a colleague they cannot see: nothing tells them whom the company holds.
    if (!mayCopyIn(actor, ticket) || actor.companyId === null) throw contactNotFound();
    const colleague = await contactsVisibleTo(tx, actor)
      .select("contacts.id")
      .where("contacts.id", "=", contactId)
      .where("contacts.company_id", "=", actor.companyId)
      .executeTakeFirst();
    if (!colleague || colleague.id === ticket.contact_id) throw contactNotFound();
    await tx
      .insertInto("ticket_ccs")
      .values({
        ticket_id: ticket.id,
        contact_id: colleague.id,
        workspace_id: ticket.workspace_id,
        added_by_contact_id: actor.contactId,
        created_at: nowIso(ctx),
      })
      .onConflict((oc) => oc.columns(["ticket_id", "contact_id"]).doNothing())
      .execute();
  });
}

/** Takes a colleague off a request: a manager of its company, or the colleague themselves. */
export async function removeColleagueCc(
  ctx: AppContext,
  actor: CustomerActor,
  reference: string,
  contactId: string,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const ticket = await findPortalTicket(tx, actor, reference);
    if (!mayCopyIn(actor, ticket) && contactId !== actor.contactId) throw contactNotFound();
    const removed = await removeTicketCc(tx, actor, { ticketId: ticket.id, contactId });
    if (!removed) throw contactNotFound();
  });
}

import { formatReference } from "../../shared/tickets.ts";
import { type AgentActor, systemActorIn } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { revokeContactSessions } from "../auth/customer-accounts.ts";
import { retireCustomerTokens } from "../auth/customer-tokens.ts";
import { contactsVisibleTo, contactsWritableBy, lockContactFor } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { eraseInboundFrom } from "../email/inbound.store.ts";
import { eraseOutboxRecipient, forgetReplyTokens } from "../email/outbox.access.ts";
import { conflict, forbidden, notFound, validationFailed } from "../errors.ts";
import { customerFilesOf, deleteAttachments } from "../files/file.access.ts";
import { deleteStoredLater, deleteStoredNow } from "../files/stored-files.ts";
import { eraseTicketNotices } from "../notifications/notification.access.ts";
import { surveysWritableBy } from "../surveys/survey.access.ts";
import { commentsVisibleTo, redactContactComments } from "../tickets/comment.access.ts";
import {
  redactContactTickets,
  removeContactCcs,
  revokeTrackingTokens,
  ticketsVisibleTo,
} from "../tickets/ticket.access.ts";
import { forgetTicketText, indexTicketText } from "../tickets/ticket.search.ts";
import { eraseContactDeliveries } from "../webhooks/webhook.access.ts";

// Erasure of a contact on request (the right to be forgotten), irreversible, for admins only,
// confirmed by typing the contact's email address. The tickets keep their shape: every request
// keeps its number, status, dates, assignee, history and the team's messages and notes; what
// the contact gave goes:
// - the contact: name "Erased contact", email erased-<id>@invalid, phone, password, verification
//   and sign-in dates cleared, portal access none, unsubscribed from surveys; every session and
//   one-time link revoked (they cannot sign in: no password, no access, no address);
// - their requests: subject and description replaced; every tracking link of them revoked and
//   their reply addresses forgotten (a later email from them opens a new request);
// - their messages, on any request: the body replaced, the message kept in its place;
// - the files they uploaded (their requests' own files and those on their messages): deleted;
// - their incoming mail: raw message, sender and subject deleted;
// - emails to them: address replaced, content removed; pending ones suppressed;
// - survey comments cleared (scores stay as numbers without a person); surveys not yet sent skipped;
// - copied in on colleagues' requests: removed;
// - the agents' notices of the requests touched: only the reference stays;
// - webhook deliveries of their requests, or naming them: deleted, never sent again.
// Kept, as the team's or the company's: internal notes (the team's words, which may mention them),
// the company's form answers and documents, the company timeline, and the audit log, whose
// entries about contacts name them by id only.

export const ERASED_NAME = "Erased contact";
const ERASED_SUBJECT = "Request of an erased contact";
export const ERASED_TEXT = "[Erased at the contact's request]";
export const erasedEmail = (contactId: string) => `erased-${contactId}@invalid`;

export interface ErasureResult {
  tickets: number;
  messages: number;
  files: number;
  inboundEmails: number;
  outboxEmails: number;
}

export async function eraseContact(
  ctx: AppContext,
  actor: AgentActor,
  contactId: string,
  confirmEmail: string,
): Promise<ErasureResult> {
  if (actor.role !== "admin") throw forbidden("Only admins erase a contact.");
  const found = await contactsVisibleTo(ctx.database.db, actor)
    .select(["contacts.id", "contacts.email", "contacts.email_normalized", "contacts.erased_at"])
    .where("contacts.id", "=", contactId)
    .executeTakeFirst();
  if (!found) throw notFound("No such contact.");
  if (found.erased_at) throw conflict("already_erased", "This contact was already erased.");
  if (confirmEmail.trim().toLowerCase() !== found.email.trim().toLowerCase()) {
    throw validationFailed({ confirmEmail: "must be the contact's email address, typed exactly" });
  }
  const now = ctx.now().toISOString();
  const placeholder = erasedEmail(found.id);
  const done = await ctx.database.db.transaction().execute(async (tx) => {
    if (!(await lockContactFor(tx, actor, found.id))) throw notFound("No such contact.");
    // Another erasure of the same contact may have committed since the read above: only one
    // redacts and is audited.
    const erased = await contactsWritableBy(tx, actor)
      .set({
        name: ERASED_NAME,
        email: placeholder,
        email_normalized: placeholder,
        phone: null,
        password_hash: null,
        email_verified_at: null,
        last_sign_in_at: null,
        documents_seen_at: null,
        portal_access: "none",
        surveys_unsubscribed_at: now,
        erased_at: now,
        updated_at: now,
      })
      .where("contacts.id", "=", found.id)
      .where("contacts.erased_at", "is", null)
      .executeTakeFirst();
    if (Number(erased.numUpdatedRows) !== 1) {
      throw conflict("already_erased", "This contact was already erased.");
    }
    await revokeContactSessions(ctx, tx, found.id);
    await retireCustomerTokens(ctx, tx, found.id);
    await removeContactCcs(tx, actor, found.id);

    const ticketIds = await redactContactTickets(tx, actor, {
      contactId: found.id,
      subject: ERASED_SUBJECT,
      description: ERASED_TEXT,
    });
    await revokeTrackingTokens(tx, actor, ticketIds);
    await forgetReplyTokens(tx, actor, ticketIds);
    const comments = await redactContactComments(tx, actor, { contactId: found.id, body: ERASED_TEXT });

    const files = await customerFilesOf(tx, actor, { ticketIds, commentIds: comments.map((c) => c.id) });
    await deleteAttachments(
      tx,
      actor,
      files.map((f) => f.id),
    );

    await surveysWritableBy(tx, actor)
      .set({ comment: null })
      .where("surveys.contact_id", "=", found.id)
      .execute();
    await surveysWritableBy(tx, actor)
      .set({ status: "skipped", skip_reason: "erased", token_hash: null, unsubscribe_token_hash: null })
      .where("surveys.contact_id", "=", found.id)
      .where("surveys.status", "=", "scheduled")
      .execute();
    await eraseContactDeliveries(tx, actor, { contactId: found.id, ticketIds });
    const outboxEmails = await eraseOutboxRecipient(tx, actor, {
      address: found.email_normalized,
      placeholder,
      now,
    });

    // The search index forgets their words: what stays of each touched request is indexed again.
    const touched = [...new Set([...ticketIds, ...comments.map((c) => c.ticket_id)])];
    await forgetTicketText(tx, actor.workspaceId, touched);
    if (touched.length) {
      const kept = await ticketsVisibleTo(tx, actor)
        .select(["tickets.id", "tickets.number", "subject", "description"])
        .where("tickets.id", "in", touched)
        .execute();
      // Every agent's notices of these requests (each agent's own rows: the erasure's system).
      await eraseTicketNotices(
        tx,
        systemActorIn("contact erasure", actor.workspaceId),
        kept.map((t) => ({ id: t.id, reference: formatReference(t.number) })),
      );
      const keptComments = await commentsVisibleTo(tx, actor)
        .select(["comments.ticket_id", "comments.body"])
        .where("comments.ticket_id", "in", touched)
        .where((eb) =>
          eb.or([
            eb("comments.author_contact_id", "is", null),
            eb("comments.author_contact_id", "!=", found.id),
          ]),
        )
        .orderBy("comments.created_at")
        .execute();
      const index = (ticketId: string, content: string) =>
        indexTicketText(ctx, tx, { workspaceId: actor.workspaceId, ticketId, content });
      for (const t of kept) await index(t.id, `${t.subject}\n${t.description}`);
      for (const c of keptComments) await index(c.ticket_id, c.body);
    }

    const inbound = await eraseInboundFrom(tx, actor, {
      address: found.email_normalized,
      ticketIds,
      now,
    });
    // The stored objects go after the commit; the job written here deletes them even when the
    // file store fails then (files/stored-files.ts), so none outlives the erasure.
    const storageKeys = [
      ...files.flatMap((f) => (f.thumb_key ? [f.storage_key, f.thumb_key] : [f.storage_key])),
      ...inbound.storageKeys,
    ];
    await deleteStoredLater(ctx, tx, {
      workspaceId: actor.workspaceId,
      key: `erasure:${found.id}`,
      storageKeys,
    });

    const result = {
      tickets: ticketIds.length,
      messages: comments.length,
      files: files.length,
      inboundEmails: inbound.count,
      outboxEmails,
    };
    await recordAudit(ctx, tx, actor, {
      action: "contact.erased",
      target: { type: "contact", id: found.id },
      summary: `Erased a contact: ${ticketIds.length} requests redacted, ${files.length} files deleted`,
      details: {
        tickets: result.tickets,
        messages: result.messages,
        files: result.files,
        inboundEmails: result.inboundEmails,
        outboxEmails,
      },
    });
    return { result, storageKeys };
  });
  // Files live outside the database: deleted once the erasure is committed, each on its own; one
  // that fails now is left to the job.
  await deleteStoredNow(ctx, done.storageKeys);
  ctx.log.info({ contactId: found.id, erased: done.result }, "contact erased");
  return done.result;
}

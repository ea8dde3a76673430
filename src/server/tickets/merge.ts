import { createHmac } from "node:crypto";
import { formatReference, parseReference } from "../../shared/tickets.ts";
import { type AgentActor, type CustomerActor, systemActorIn } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { conflict, validationFailed } from "../errors.ts";
import { moveAttachments } from "../files/file.access.ts";
import { scoreMessage } from "../sentiment/score.ts";
import { syncSla } from "../sla/sla.timers.ts";
import { commentsWritableBy, moveComments } from "./comment.access.ts";
import { moveEvents } from "./event.access.ts";
import type { MergeResult } from "./faster.schemas.ts";
import {
  ccsVisibleTo,
  findTicketByTrackingToken,
  findTicketForAgent,
  ticketsVisibleTo,
  ticketsWritableBy,
} from "./ticket.access.ts";
import { insertComment, issueTrackingToken, trackingPath } from "./ticket.create.ts";
import { recordEvent } from "./ticket.events.ts";
import { indexTicketText } from "./ticket.search.ts";

// Two requests of the same customer become one: the source's first message, replies, notes,
// files, history and copied-in colleagues move to the target; the source is closed and points at
// the target (tickets.merged_into_id), and its tracking links open the target from then on.

const later = (a: string | null | undefined, b: string | null | undefined) =>
  !a ? (b ?? null) : !b ? a : new Date(a) >= new Date(b) ? a : b;

/** Merges inside the caller's transaction; both tickets are found and locked here. */
export async function mergeInTx(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  sourceRef: string,
  intoRef: string,
): Promise<MergeResult> {
  const [sn, tn] = [parseReference(sourceRef), parseReference(intoRef)];
  if (sn !== null && sn === tn) throw validationFailed({ into: "must be another ticket than this one" });
  // Locked in number order, so two merges of the same pair cannot wait on each other.
  const lockFirst = (sn ?? 0) < (tn ?? 0) ? sourceRef : intoRef;
  const first = await findTicketForAgent(ctx, actor, lockFirst, { tx, lock: true });
  const second = await findTicketForAgent(ctx, actor, lockFirst === sourceRef ? intoRef : sourceRef, {
    tx,
    lock: true,
  });
  const [source, target] = lockFirst === sourceRef ? [first, second] : [second, first];
  if (source.contact_id !== target.contact_id) {
    throw conflict("merge_other_customer", "Only tickets of the same customer can be merged.", {
      into: "belongs to another customer",
    });
  }
  // Company managers read by tickets.company_id: a merge must not carry a request across companies.
  if ((source.company_id ?? null) !== (target.company_id ?? null)) {
    throw conflict("merge_other_company", "Only tickets of the same company can be merged.", {
      into: "belongs to another company",
    });
  }
  if (source.merged_into_id) {
    throw conflict("already_merged", "This ticket was already merged into another one.");
  }
  if (target.merged_into_id || target.status === "closed") {
    throw conflict("merge_target_closed", "The ticket to merge into is closed. Reopen it first.", {
      into: "is closed",
    });
  }
  const now = nowIso(ctx);
  const moved = await moveInto(ctx, tx, actor, source, target);
  await ticketsWritableBy(tx, actor)
    .set({
      status: "closed",
      portal_status: null,
      closed_at: now,
      merged_into_id: target.id,
      updated_at: now,
    })
    .where("tickets.id", "=", source.id)
    .execute();
  // Closed: the source's SLA timers stop.
  await syncSla(ctx, tx, source, source);
  // The target's "who wrote last" follows the later of the two conversations, and so does its mood.
  // A ticket the customer has not written on since is their message of its opening.
  const sourceLast = source.last_customer_message_at ?? source.created_at;
  const targetLast = target.last_customer_message_at ?? target.created_at;
  const sourceNewer = later(sourceLast, targetLast) === sourceLast && sourceLast !== targetLast;
  const mood = sourceNewer
    ? await ticketsVisibleTo(tx, actor)
        .select(["tickets.sentiment", "tickets.sentiment_trend", "tickets.mood"])
        .where("tickets.id", "=", source.id)
        .executeTakeFirstOrThrow()
    : {};
  await ticketsWritableBy(tx, actor)
    .set({
      last_customer_message_at: later(sourceLast, targetLast),
      last_message_by: sourceNewer
        ? (source.last_message_by ?? "contact")
        : (target.last_message_by ?? "contact"),
      ...mood,
      updated_at: now,
    })
    .where("tickets.id", "=", target.id)
    .execute();
  // A newer customer message from the source waits for an answer on the target.
  await syncSla(ctx, tx, target, target, sourceNewer ? "customer_replied" : undefined);
  const ev = {
    workspaceId: actor.workspaceId,
    actor: { type: "agent" as const, id: actor.agentId },
    at: now,
  };
  const [src, dst] = [formatReference(source.number), formatReference(target.number)];
  await recordEvent(ctx.database, tx, {
    ...ev,
    ticketId: source.id,
    type: "merged_into",
    data: { into: dst },
  });
  await recordEvent(ctx.database, tx, {
    ...ev,
    ticketId: target.id,
    type: "merged_from",
    data: { from: src },
  });
  return { source: src, target: dst, moved };
}

async function moveInto(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  source: TicketTable,
  target: TicketTable,
) {
  const fromTo = { fromTicketId: source.id, toTicketId: target.id };
  // The source's own first message becomes a message of the customer's on the target, at its time.
  const firstCommentId = source.description.trim()
    ? await insertComment(tx, {
        workspaceId: source.workspace_id,
        ticketId: target.id,
        author: { type: "contact", contactId: source.contact_id },
        body: `${source.subject}\n\n${source.description}`,
        internal: false,
        channel: source.channel === "email" ? "email" : "portal",
        at: source.created_at,
      })
    : null;
  if (firstCommentId) {
    // The message keeps the score it had as the source's own text (sentiment/).
    await commentsWritableBy(tx, systemActorIn("merge", source.workspace_id))
      .set({ sentiment: scoreMessage(`${source.subject}\n${source.description}`, source.locale).score })
      .where("comments.id", "=", firstCommentId)
      .execute();
  }
  const comments = await moveComments(tx, actor, fromTo);
  const attachments = await moveAttachments(tx, actor, { ...fromTo, firstCommentId });
  const events = await moveEvents(tx, actor, fromTo);
  const ccs = await ccsVisibleTo(tx, actor)
    .select(["ticket_ccs.contact_id", "ticket_ccs.added_by_contact_id", "ticket_ccs.created_at"])
    .where("ticket_ccs.ticket_id", "=", source.id)
    .execute();
  if (ccs.length) {
    await tx
      .insertInto("ticket_ccs")
      .values(ccs.map((c) => ({ ...c, ticket_id: target.id, workspace_id: target.workspace_id })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  await indexTicketText(ctx, tx, {
    workspaceId: target.workspace_id,
    ticketId: target.id,
    content: `${source.subject}\n${source.description}`,
  });
  return { comments: comments + (firstCommentId ? 1 : 0), attachments, events };
}

/** `POST /tickets/{ref}/merge`: one transaction, then both tickets are said to have changed. */
export async function mergeTickets(
  ctx: AppContext,
  actor: AgentActor,
  sourceRef: string,
  intoRef: string,
): Promise<MergeResult> {
  const result = await ctx.database.db
    .transaction()
    .execute((tx) => mergeInTx(ctx, tx, actor, sourceRef, intoRef));
  for (const reference of [result.source, result.target]) {
    ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference });
  }
  return result;
}

/**
 * A tracking link of a merged ticket: the target's tracking address with a fresh token for the
 * same customer, or null when the token's ticket was not merged. Asked only of closed tickets.
 */
export async function mergedTrackingLink(
  ctx: AppContext,
  slug: string,
  reference: string,
  token: unknown,
  viewer?: CustomerActor,
): Promise<string | null> {
  const { ticket, actor } = await findTicketByTrackingToken(ctx, slug, reference, token, { viewer });
  if (!ticket.merged_into_id) return null;
  const target = await ticketsVisibleTo(
    ctx.database.db,
    systemActorIn("merged tracking link", ticket.workspace_id),
  )
    .select(["tickets.id", "tickets.number", "tickets.contact_id"])
    .where("tickets.id", "=", ticket.merged_into_id)
    .executeTakeFirst();
  if (!target || target.contact_id !== ticket.contact_id) return null;
  // One token per old link, derived from it: opening the link again renews that token's expiry
  // rather than adding a row each time.
  const derived = createHmac("sha256", String(token)).update(`merged into ${target.id}`).digest("base64url");
  const fresh = await ctx.database.db.transaction().execute((tx) =>
    issueTrackingToken(ctx, tx, {
      workspaceId: ticket.workspace_id,
      ticketId: target.id,
      emailNormalized: actor.emailNormalized,
      at: ctx.now(),
      token: derived,
    }),
  );
  // On the same host as the link just opened: the page there moves the token into its cookie.
  return trackingPath(slug, target.number, fresh);
}

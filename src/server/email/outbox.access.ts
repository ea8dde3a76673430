import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import {
  type Actor,
  type AgentActor,
  type SystemActor,
  unknownActor,
  type WorkspaceSystemActor,
} from "../actors.ts";
import { nothing } from "../db/access.ts";
import { isPostgres } from "../db/dialect.ts";
import type { DB, OutboxEmailTable, Tx } from "../db/schema.ts";
import { forbidden } from "../errors.ts";

// Outbox rows (every email Portico sends) are read and changed through here only. Admins see
// their workspace's; other agents are refused (403: the Outbox is an admin page); the system
// (delivery, incoming mail) works within a workspace or, for delivery, across all of them.
// Customers never read outbox rows: what they receive is the email itself.

export function outboxScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "outbox_emails">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        if (actor.role !== "admin") throw forbidden("Only admins see the outbox.");
        return eb("outbox_emails.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("outbox_emails.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function outboxVisibleTo(db: Tx, actor: Actor) {
  const scope = outboxScope(actor);
  return db.selectFrom("outbox_emails").where(scope);
}

/** Every outbox update starts here, with the same scope as the reads. */
export function outboxWritableBy(db: Tx, actor: Actor) {
  const scope = outboxScope(actor);
  return db.updateTable("outbox_emails").where(scope);
}

// Delivery: the whole server's system actor claims due rows of every workspace, and marks only
// the rows it holds (its claim is the hold's `locked_until`).

/** A row claimed for sending, with the hold it was claimed under. */
export type ClaimedEmail = OutboxEmailTable & { claim: string };

function wholeServer(actor: SystemActor): void {
  // The type says it; an actor cast past it is still refused.
  if (actor.kind !== "system" || actor.workspaceId !== undefined) {
    throw new Error("only the server's delivery claims emails");
  }
}

/**
 * Claims up to `limit` due rows in one statement (attempts + 1, held until `until`), skipping
 * rows others hold, oldest due first. The due ids are a MATERIALIZED common table expression:
 * evaluated once, so PostgreSQL cannot run its LIMIT … SKIP LOCKED again per row and claim more
 * than it answers. The statement is benchmarked: it spans every workspace by design, so no scope
 * is spliced into it.
 */
export async function claimDueEmails(
  db: Tx,
  actor: SystemActor,
  p: { now: string; until: string; limit: number },
): Promise<ClaimedEmail[]> {
  wholeServer(actor);
  const rows = await db
    .with(
      (cte) => cte("due").materialized(),
      (qb) => {
        const due = qb
          .selectFrom("outbox_emails")
          .select("id")
          .where("status", "=", "pending")
          .where("next_attempt_at", "<=", p.now)
          .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", p.now)]))
          .orderBy("next_attempt_at")
          .limit(p.limit);
        return isPostgres(db) ? due.forUpdate().skipLocked() : due;
      },
    )
    .updateTable("outbox_emails")
    .set((eb) => ({ locked_until: p.until, attempts: eb("attempts", "+", 1) }))
    .where("id", "in", (eb) => eb.selectFrom("due").select("id"))
    // On SQLite the unary + keeps the planner, which has no statistics here, on the primary key
    // instead of walking every pending row of the status index.
    .where(isPostgres(db) ? sql`status` : sql`+status`, "=", "pending")
    .returningAll()
    .execute();
  return rows
    .sort((a, b) =>
      a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : 0,
    )
    .map((r) => ({ ...r, claim: p.until }));
}

/** Gives back claimed rows that were not tried (all of one claim): due again, the try not counted. */
export async function releaseClaimedEmails(db: Tx, actor: SystemActor, rows: ClaimedEmail[]): Promise<void> {
  const claim = rows[0]?.claim;
  if (!claim) return;
  await outboxWritableBy(db, actor)
    .set((eb) => ({ locked_until: null, attempts: eb("attempts", "-", 1) }))
    .where(
      "id",
      "in",
      rows.map((r) => r.id),
    )
    .where("locked_until", "=", claim)
    .execute();
}

/**
 * Extends a claim that is still ours to `until` (all rows of one claim, which share its hold);
 * answers the rows it still held, their claim now `until`. A row missing was taken over by
 * another process after the hold ran out, and is theirs now.
 */
export async function renewEmailClaims(
  db: Tx,
  actor: SystemActor,
  rows: ClaimedEmail[],
  until: string,
): Promise<ClaimedEmail[]> {
  const claim = rows[0]?.claim;
  if (!claim) return [];
  const renewed = await outboxWritableBy(db, actor)
    .set({ locked_until: until })
    .where(
      "id",
      "in",
      rows.map((r) => r.id),
    )
    .where("locked_until", "=", claim)
    .where("status", "=", "pending")
    .returning("id")
    .execute();
  const ours = new Set(renewed.map((r) => r.id));
  return rows.filter((r) => ours.has(r.id)).map((r) => ({ ...r, claim: until }));
}

/** What a sent row keeps: the error for refused recipients, and its text without link tokens. */
export type SentChanges = Pick<OutboxEmailTable, "sent_at" | "last_error"> &
  (Pick<OutboxEmailTable, "body_text" | "body_html"> | Pick<OutboxEmailTable, "template_data">) &
  Partial<Pick<OutboxEmailTable, "headers">>;

/** Marks a claimed row sent; only while the claim is still ours (another process may have taken it over). */
export async function markEmailSent(
  db: Tx,
  actor: SystemActor,
  row: ClaimedEmail,
  changes: SentChanges,
): Promise<void> {
  await outboxWritableBy(db, actor)
    .set({ status: "sent", locked_until: null, ...changes })
    .where("id", "=", row.id)
    .where("locked_until", "=", row.claim)
    .execute();
}

/** One row of a batch marked sent: its changes beside the batch's `sent_at` (template inputs kept). */
export interface SentInBatch {
  row: ClaimedEmail;
  lastError: string | null;
  templateData: string;
  /** The headers without their link's token, when they carried one. */
  headers?: string | undefined;
}

/**
 * Marks the rows of one claim sent in one statement (markEmailSent's rule for each: only while
 * the claim is still ours). The rows' own changes travel as one JSON parameter, read back as a
 * table (json_each on SQLite, jsonb_to_recordset on PostgreSQL) the UPDATE joins on the id.
 */
export async function markEmailsSent(
  db: Tx,
  actor: SystemActor,
  sent: SentInBatch[],
  sentAt: string,
): Promise<void> {
  const claim = sent[0]?.row.claim;
  if (!claim) return;
  const json = JSON.stringify(
    sent.map((s) => ({ id: s.row.id, e: s.lastError, t: s.templateData, h: s.headers ?? null })),
  );
  const changes = isPostgres(db)
    ? sql<{
        id: string;
        e: string | null;
        t: string;
        h: string | null;
      }>`(select * from jsonb_to_recordset(${json}::jsonb) as x(id text, e text, t text, h text))`
    : sql<{
        id: string;
        e: string | null;
        t: string;
        h: string | null;
      }>`(select json_extract(value, '$.id') as id, json_extract(value, '$.e') as e, json_extract(value, '$.t') as t, json_extract(value, '$.h') as h from json_each(${json}))`;
  await outboxWritableBy(db, actor)
    .from(changes.as("j"))
    .set({
      status: "sent",
      locked_until: null,
      sent_at: sentAt,
      last_error: sql<string | null>`j.e`,
      template_data: sql<string>`j.t`,
      headers: sql<string>`coalesce(j.h, outbox_emails.headers)`,
    })
    .whereRef("outbox_emails.id", "=", "j.id")
    .where("outbox_emails.locked_until", "=", claim)
    .execute();
}

/** Puts a claimed row back for a later try. */
export async function markEmailForRetry(
  db: Tx,
  actor: SystemActor,
  row: ClaimedEmail,
  p: { nextAttemptAt: string; lastError: string },
): Promise<void> {
  await outboxWritableBy(db, actor)
    .set({ next_attempt_at: p.nextAttemptAt, locked_until: null, last_error: p.lastError })
    .where("id", "=", row.id)
    .where("locked_until", "=", row.claim)
    .execute();
}

/** Marks a claimed row failed for good; true when it was still ours to mark. */
export async function markEmailFailed(
  db: Tx,
  actor: SystemActor,
  row: ClaimedEmail,
  reason: string,
): Promise<boolean> {
  const r = await outboxWritableBy(db, actor)
    .set({ status: "failed", locked_until: null, last_error: reason })
    .where("id", "=", row.id)
    .where("locked_until", "=", row.claim)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks a claimed row suppressed: never to be sent, the reason kept for the Outbox. */
export async function markEmailSuppressed(
  db: Tx,
  actor: SystemActor,
  row: ClaimedEmail,
  reason: string,
): Promise<void> {
  await outboxWritableBy(db, actor)
    .set({ status: "suppressed", locked_until: null, last_error: reason })
    .where("id", "=", row.id)
    .where("locked_until", "=", row.claim)
    .execute();
}

/**
 * A failed email, pending again from `now` with a new four-day window (the Message-ID stays, so
 * it is still the same message); false when the actor sees no such failed email. One whose
 * content retention or an erasure removed is never sent again: its body is the removal notice,
 * and after an erasure its address is a placeholder.
 */
export async function retryFailedEmail(db: Tx, actor: AgentActor, id: string, now: string): Promise<boolean> {
  const r = await outboxWritableBy(db, actor)
    .set({ status: "pending", next_attempt_at: now, locked_until: null, attempts: 0, created_at: now })
    .where("id", "=", id)
    .where("status", "=", "failed")
    .where("content_pruned_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// Incoming mail: which of our emails a message answers, and whether it is one of ours.

/** Our emails among these Message-IDs (with their brackets) that belong to a ticket. */
export function outboxThreadTickets(db: Tx, actor: Actor, messageIds: string[]) {
  return outboxVisibleTo(db, actor)
    .select(["message_id as mid", "ticket_id"])
    .where("message_id", "in", messageIds)
    .where("ticket_id", "is not", null)
    .execute();
}

/** Whether a Message-ID (with its brackets) is one the actor's outbox sent or will send. */
export async function isOutgoingMessage(db: Tx, actor: Actor, messageId: string): Promise<boolean> {
  const row = await outboxVisibleTo(db, actor)
    .select("id")
    .where("message_id", "=", messageId)
    .executeTakeFirst();
  return row !== undefined;
}

// Retention (lifecycle/retention.ts) and erasure (lifecycle/contact-erase.ts): an email's
// content goes, its row stays while a reply could thread on its Message-ID.

/** What a row shows once its content is gone. */
export const PRUNED_TEXT =
  "This email's content was removed by the workspace's data retention or an erasure.";
const PRUNED = {
  body_text: PRUNED_TEXT,
  body_html: `<p>${PRUNED_TEXT}</p>`,
  template_data: null,
} as const;

/**
 * Up to `limit` finished emails (sent, failed, suppressed) of the actor's workspace created
 * before `before`: those of a ticket keep their row (Message-ID, ticket, recipient, subject) and
 * lose their text, HTML and template inputs; the others (invitations, sign-in links …) are
 * deleted. Answers how many rows it changed; run again until it answers less than `limit`.
 */
export async function pruneOutboxBefore(
  db: Tx,
  actor: WorkspaceSystemActor,
  p: { before: string; now: string; limit: number },
): Promise<number> {
  const rows = await outboxVisibleTo(db, actor)
    .select(["id", "ticket_id"])
    .where("status", "in", ["sent", "failed", "suppressed"])
    .where("created_at", "<", p.before)
    .where("content_pruned_at", "is", null)
    .orderBy("created_at")
    .limit(p.limit)
    .execute();
  const loose = rows.filter((r) => r.ticket_id === null).map((r) => r.id);
  const threaded = rows.filter((r) => r.ticket_id !== null).map((r) => r.id);
  if (loose.length) {
    await db.deleteFrom("outbox_emails").where(outboxScope(actor)).where("id", "in", loose).execute();
  }
  if (threaded.length) {
    await outboxWritableBy(db, actor)
      .set({ ...PRUNED, content_pruned_at: p.now })
      .where("id", "in", threaded)
      .execute();
  }
  return rows.length;
}

/**
 * An erased contact's emails: the address becomes the placeholder, the name and content go
 * (pending ones too: they will not be sent to a placeholder anyway, so they are suppressed).
 * `address` is the normalized (lower-case) address, matched in any case, as incoming mail is.
 */
export async function eraseOutboxRecipient(
  db: Tx,
  actor: AgentActor,
  p: { address: string; placeholder: string; now: string },
): Promise<number> {
  const toThem = sql<string>`lower(to_address)`;
  await outboxWritableBy(db, actor)
    .set({ status: "suppressed", last_error: "the recipient was erased", locked_until: null })
    .where(toThem, "=", p.address)
    .where("status", "=", "pending")
    .execute();
  const r = await outboxWritableBy(db, actor)
    .set({ ...PRUNED, to_address: p.placeholder, to_name: null, content_pruned_at: p.now })
    .where(toThem, "=", p.address)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Erasure: the reply addresses of these tickets' emails stop threading (a new message starts afresh). */
export async function forgetReplyTokens(db: Tx, actor: AgentActor, ticketIds: string[]): Promise<void> {
  if (!ticketIds.length) return;
  await db
    .deleteFrom("email_reply_tokens")
    .where("workspace_id", "=", actor.workspaceId)
    .where("ticket_id", "in", ticketIds)
    .execute();
}

/** The outbox's backlog, for metrics: rows waiting to be sent, how many are due now, the earliest due time. */
export async function outboxBacklog(
  db: Tx,
  actor: SystemActor,
  now: string,
): Promise<{ pending: number; due: number; oldestDueAt: string | null }> {
  const row = await outboxVisibleTo(db, actor)
    .where("status", "=", "pending")
    .select((eb) => [
      eb.fn.countAll<number>().as("pending"),
      eb.fn.count<number>(eb.case().when("next_attempt_at", "<=", now).then(1).end()).as("due"),
      eb.fn.min<string | null>("next_attempt_at").as("earliest"),
    ])
    .executeTakeFirstOrThrow();
  const due = Number(row.due);
  return { pending: Number(row.pending), due, oldestDueAt: due > 0 ? row.earliest : null };
}

import type { AppContext } from "../context.ts";
import { isPostgres } from "../db/dialect.ts";
import type { OutboxEmailTable } from "../db/schema.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { classifySendError, type OutgoingMessage } from "./email.transport.ts";
import type { StoredHeaders } from "./outbox.ts";

// Delivers the outbox. A row is claimed (attempts + 1, held for LOCK_MS) before it is sent and
// marked sent right after the relay accepted it. A crash in between leaves the claim to expire
// and the row is sent again with the same Message-ID, which receiving systems treat as the same
// message; that window is the relay's answer and one UPDATE long. Rows are claimed one at a time,
// so a hold always outlasts its send. Transient failures wait longer each time, up to four days;
// a permanent one (5xx) stops and is shown on the ticket.

export const RETRY_FOR_MS = 4 * 24 * 3600_000;
const LOCK_MS = 5 * 60_000;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 3600_000;

/** 30 s, 1 min, 2 min … doubling up to an hour between tries. */
export const retryDelayMs = (attempts: number) =>
  Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);

export interface DeliveryOutcome {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Claims the next due row for this process: one statement, skipping rows others hold. One row at
 * a time, so a hold (LOCK_MS) always outlasts the one send it covers, however slow the relay.
 */
async function claimNext(ctx: AppContext): Promise<(OutboxEmailTable & { claim: string }) | undefined> {
  const db = ctx.database.db;
  const now = ctx.now();
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + LOCK_MS).toISOString();
  let due = db
    .selectFrom("outbox_emails")
    .select("id")
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", nowIso)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", nowIso)]))
    .orderBy("next_attempt_at")
    .limit(1);
  if (isPostgres(db)) due = due.forUpdate().skipLocked();
  const row = await db
    .updateTable("outbox_emails")
    .set((eb) => ({ locked_until: until, attempts: eb("attempts", "+", 1) }))
    // `=` and a scalar subquery: evaluated once. With `IN`, PostgreSQL may run a LIMIT 1 … SKIP
    // LOCKED subquery again per row and claim more rows than it answers.
    .where("id", "=", due)
    .where("status", "=", "pending")
    .returningAll()
    .executeTakeFirst();
  return row ? { ...row, claim: until } : undefined;
}

/** The message an outbox row stands for: what is sent, and what the Outbox's .eml shows. */
export function outgoingMessageOf(row: OutboxEmailTable): OutgoingMessage {
  const h = JSON.parse(row.headers) as StoredHeaders;
  return {
    id: row.id,
    from: h.from,
    // One recipient, or the team's several.
    to: { name: row.to_name, addresses: row.to_address.split(", ") },
    replyTo: h.replyTo,
    subject: row.subject,
    text: row.body_text,
    html: row.body_html,
    messageId: row.message_id,
    inReplyTo: h.inReplyTo,
    references: h.references,
    date: new Date(row.created_at),
    headers: h.autoSubmitted ? { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" } : {},
  };
}

/** Links with a token (tracking, invitation) in a delivered email's stored copy: kept only as sent. */
const TOKEN_IN_LINK = /([?&]t=)[A-Za-z0-9_-]{20,}/g;
export const withoutTokens = (text: string) => text.replace(TOKEN_IN_LINK, "$1(removed-once-sent)");

export async function deliverDueEmails(
  ctx: AppContext,
  opts: { limit?: number } = {},
): Promise<DeliveryOutcome> {
  const out: DeliveryOutcome = { sent: 0, retrying: 0, failed: 0 };
  for (let i = 0; i < (opts.limit ?? 20); i++) {
    const row = await claimNext(ctx);
    if (!row) break;
    let failure: ReturnType<typeof classifySendError> | null = null;
    let rejected: string[] = [];
    try {
      ({ rejected } = await ctx.mailer.send(outgoingMessageOf(row)));
    } catch (err) {
      failure = classifySendError(err);
    }
    if (!failure) {
      // Only our own claim is marked: a row another process took over is theirs to record. The
      // stored copy loses its links' tokens; the customer's email keeps them.
      await ctx.database.db
        .updateTable("outbox_emails")
        .set({
          status: "sent",
          sent_at: ctx.now().toISOString(),
          locked_until: null,
          // Some of a team notice's recipients refused: said, the others have it.
          last_error: rejected.length ? `not accepted for ${rejected.join(", ")}` : null,
          body_text: withoutTokens(row.body_text),
          body_html: withoutTokens(row.body_html),
        })
        .where("id", "=", row.id)
        .where("locked_until", "=", row.claim)
        .execute();
      out.sent++;
      continue;
    }
    const now = ctx.now();
    const expired = now.getTime() - new Date(row.created_at).getTime() >= RETRY_FOR_MS;
    if (failure.permanent || expired) {
      const reason = failure.permanent ? failure.reason : `gave up after 4 days: ${failure.reason}`;
      await markFailed(ctx, row, reason);
      ctx.log.warn(
        { outboxId: row.id, kind: row.kind, attempts: row.attempts, reason },
        "email not delivered",
      );
      out.failed++;
    } else {
      await ctx.database.db
        .updateTable("outbox_emails")
        .set({
          next_attempt_at: new Date(now.getTime() + retryDelayMs(row.attempts)).toISOString(),
          locked_until: null,
          last_error: failure.reason,
        })
        .where("id", "=", row.id)
        .where("locked_until", "=", row.claim)
        .execute();
      ctx.log.info(
        { outboxId: row.id, attempts: row.attempts, reason: failure.reason },
        "email delivery will be retried",
      );
      out.retrying++;
    }
  }
  return out;
}

async function markFailed(
  ctx: AppContext,
  row: OutboxEmailTable & { claim: string },
  reason: string,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable("outbox_emails")
      .set({ status: "failed", locked_until: null, last_error: reason })
      .where("id", "=", row.id)
      .where("locked_until", "=", row.claim)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1 && row.ticket_id) {
      // Agents see it in the ticket's history; the customer never does.
      await recordEvent(ctx.database, tx, {
        workspaceId: row.workspace_id,
        ticketId: row.ticket_id,
        actor: { type: "system", id: null },
        type: "email_failed",
        data: { outboxId: row.id, to: row.to_address, kind: row.kind, reason },
        at: ctx.now().toISOString(),
      });
    }
  });
}

/** Delivers every `everyMs` until stopped; one round at a time; errors are logged and retried. */
export function startOutboxWorker(ctx: AppContext, everyMs = 1000): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        // Keep going while whole batches come back: a backlog drains without waiting a tick each.
        for (let i = 0; i < 50 && !stopped; i++) {
          const r = await deliverDueEmails(ctx);
          if (r.sent + r.retrying + r.failed < 20) break;
        }
      } catch (err) {
        ctx.log.warn({ err }, "the outbox round failed; it will run again");
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

import type { SystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { SendOutcome } from "../ports.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { classifySendError, SEND_DEADLINE_MS } from "./email.transport.ts";
import {
  type ClaimedEmail,
  claimDueEmails,
  markEmailFailed,
  markEmailForRetry,
  markEmailSent,
  markEmailSuppressed,
  markEmailsSent,
  releaseClaimedEmails,
  renewEmailClaims,
  type SentInBatch,
} from "./outbox.access.ts";
import { recipientCapReason } from "./recipient-cap.ts";

// Delivers the outbox. Rows are claimed (attempts + 1, held for LEASE_MS) a few at a time before
// they are sent, each marked sent right after the relay accepted it. The claim is a lease: before
// each send it is renewed, for the rest of the claim, whenever less is left than the longest send
// (SEND_DEADLINE_MS, enforced by the mailer) and a margin, so a send always ends inside the hold
// and no other process can take the row while it is on its way. A process that dies leaves its
// rows held for at most LEASE_MS; then another sends them, with the same Message-ID, which
// receiving systems treat as the same message. A process killed after the relay accepted a
// message but before its UPDATE sends it twice that way. Transient failures wait longer each
// time, up to four days; a permanent one (5xx) stops and is shown on the ticket.
// To .eml files (no relay) a claim is larger and goes to the mail thread in one hand-over; its
// rows are marked sent in one statement (deliverInBatches).

export const RETRY_FOR_MS = 4 * 24 * 3600_000;
/** How long a claim holds its rows unless renewed: the wait after a crash. */
export const LEASE_MS = 60_000;
/**
 * A claim with less left than this is renewed before the next send: the longest send, then 25 s
 * for marking the row and for clocks of several hosts that disagree by a few seconds.
 */
const RENEW_BELOW_MS = SEND_DEADLINE_MS + 25_000;
/** Rows per claim: one write claims them all, where one row a claim wrote as often as it sent. */
const CLAIM_BATCH = 10;
/**
 * Rows per claim when mail goes to .eml files: the whole claim is one hand-over to the mail
 * thread (its files written side by side) and one statement marks it sent.
 */
const FILE_CLAIM_BATCH = 100;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 3600_000;

/** 30 s, 1 min, 2 min … doubling up to an hour between tries. */
export const retryDelayMs = (attempts: number) =>
  Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);

export interface DeliveryOutcome {
  sent: number;
  retrying: number;
  failed: number;
  /** Not sent on purpose: over the cap of an unverified address. */
  suppressed: number;
}

/** Links with a token (tracking, invitation) in a delivered email's stored copy: kept only as sent. */
const TOKEN_IN_LINK = /([?&]t=)[A-Za-z0-9_-]{20,}/g;
/** A survey's answer and unsubscribe links carry theirs in the path. */
const TOKEN_IN_SURVEY_PATH = /(\/surveys\/(?:unsubscribe\/)?)[A-Za-z0-9_-]{20,}/g;
export const withoutTokens = (text: string) =>
  text.replace(TOKEN_IN_LINK, "$1(removed-once-sent)").replace(TOKEN_IN_SURVEY_PATH, "$1(removed-once-sent)");

/** Claims up to `limit` due rows, held for LEASE_MS. */
function claimDue(ctx: AppContext, actor: SystemActor, limit: number): Promise<ClaimedEmail[]> {
  const now = ctx.now();
  return claimDueEmails(ctx.database.db, actor, {
    now: now.toISOString(),
    until: new Date(now.getTime() + LEASE_MS).toISOString(),
    limit,
  });
}

/** The rows of a claim (the next one first), held for LEASE_MS from now when less than a send and a margin is left. */
async function heldForOneMoreSend(
  ctx: AppContext,
  actor: SystemActor,
  rows: ClaimedEmail[],
): Promise<ClaimedEmail[]> {
  const now = ctx.now().getTime();
  const claim = rows[0]?.claim;
  if (!claim || Date.parse(claim) - now >= RENEW_BELOW_MS) return rows;
  const until = new Date(now + LEASE_MS).toISOString();
  const held = await renewEmailClaims(ctx.database.db, actor, rows, until);
  if (held.length < rows.length) {
    ctx.log.warn({ lost: rows.length - held.length }, "outbox: a claim ran out and was taken over");
  }
  return held;
}

/** One round of delivery, by the server's system actor (the outbox of every workspace). */
export async function deliverDueEmails(
  ctx: AppContext,
  actor: SystemActor,
  opts: { limit?: number; signal?: AbortSignal } = {},
): Promise<DeliveryOutcome> {
  const out: DeliveryOutcome = { sent: 0, retrying: 0, failed: 0, suppressed: 0 };
  let budget = opts.limit ?? 20;
  if (ctx.mailer.kind === "file" && ctx.mailer.deliverMany) {
    await deliverInBatches(ctx, actor, budget, opts.signal, out);
    return out;
  }
  let queue: ClaimedEmail[] = [];
  for (;;) {
    if (opts.signal?.aborted) {
      // Stopping: the rest of the claim is given back, due again at once.
      await releaseClaimedEmails(ctx.database.db, actor, queue);
      break;
    }
    if (queue.length === 0 && budget > 0) {
      queue = await claimDue(ctx, actor, Math.min(CLAIM_BATCH, budget));
      budget -= queue.length;
    }
    if (queue.length === 0) break;
    // Slow sends before it: the claim is renewed, so this send ends inside its hold.
    queue = await heldForOneMoreSend(ctx, actor, queue);
    const row = queue.shift();
    if (!row) continue;
    let capped: string | null;
    try {
      capped = await recipientCapReason(ctx, row);
    } catch (err) {
      // The limiter is unreachable: these rows wait, uncounted, for the next round.
      await releaseClaimedEmails(ctx.database.db, actor, [row, ...queue]);
      throw err;
    }
    if (capped) {
      await markEmailSuppressed(ctx.database.db, actor, row, capped);
      ctx.log.info({ outboxId: row.id, kind: row.kind }, "email suppressed: recipient cap");
      out.suppressed++;
      continue;
    }
    let failure: ReturnType<typeof classifySendError> | null = null;
    let rejected: string[] = [];
    try {
      ({ rejected } = await ctx.mailer.deliver(row));
    } catch (err) {
      failure = classifySendError(err);
    }
    if (!failure) {
      await markSent(ctx, actor, row, rejected);
      out.sent++;
      continue;
    }
    await settleFailure(ctx, actor, row, failure, out);
  }
  return out;
}

/** Some of a team notice's recipients refused: said, the others have it. */
const refusedBy = (rejected: string[]) =>
  rejected.length ? `not accepted for ${rejected.join(", ")}` : null;

/**
 * Marks one row sent. Only our own claim is marked: a row another process took over is theirs to
 * record. The stored copy loses its links' tokens; the customer's email keeps them.
 */
function markSent(ctx: AppContext, actor: SystemActor, row: ClaimedEmail, rejected: string[]) {
  return markEmailSent(ctx.database.db, actor, row, {
    sent_at: ctx.now().toISOString(),
    last_error: refusedBy(rejected),
    ...(row.template_data === null
      ? { body_text: withoutTokens(row.body_text), body_html: withoutTokens(row.body_html) }
      : { template_data: withoutTokens(row.template_data) }),
    // A survey email's List-Unsubscribe link carries a token too.
    ...(row.headers.includes("listUnsubscribe") ? { headers: withoutTokens(row.headers) } : {}),
  });
}

/**
 * Delivery to .eml files: up to FILE_CLAIM_BATCH rows a claim, handed to the mail thread at once
 * and marked sent in one statement; the recipient cap, failures and stopping as deliverDueEmails
 * does them one row at a time (a stopping worker finishes the batch in flight).
 */
async function deliverInBatches(
  ctx: AppContext,
  actor: SystemActor,
  budget: number,
  signal: AbortSignal | undefined,
  out: DeliveryOutcome,
): Promise<void> {
  const deliverMany = ctx.mailer.deliverMany?.bind(ctx.mailer);
  if (!deliverMany) return;
  while (budget > 0 && !signal?.aborted) {
    const claimed = await claimDue(ctx, actor, Math.min(FILE_CLAIM_BATCH, budget));
    budget -= claimed.length;
    if (claimed.length === 0) break;
    let batch: ClaimedEmail[] = [];
    for (const [i, row] of claimed.entries()) {
      let capped: string | null;
      try {
        capped = await recipientCapReason(ctx, row);
      } catch (err) {
        // The limiter is unreachable: these rows wait, uncounted, for the next round.
        await releaseClaimedEmails(ctx.database.db, actor, [...batch, ...claimed.slice(i)]);
        throw err;
      }
      if (capped) {
        await markEmailSuppressed(ctx.database.db, actor, row, capped);
        ctx.log.info({ outboxId: row.id, kind: row.kind }, "email suppressed: recipient cap");
        out.suppressed++;
      } else {
        batch.push(row);
      }
    }
    batch = await heldForOneMoreSend(ctx, actor, batch);
    if (batch.length === 0) continue;
    let outcomes: SendOutcome[];
    try {
      outcomes = await deliverMany(batch);
    } catch (err) {
      const failure = classifySendError(err);
      outcomes = batch.map(() => ({ failure }));
    }
    const sent: SentInBatch[] = [];
    for (const [i, row] of batch.entries()) {
      const o = outcomes[i] ?? { failure: { permanent: false, reason: "the mail thread gave no answer" } };
      if ("failure" in o) {
        await settleFailure(ctx, actor, row, o.failure, out);
      } else if (row.template_data === null) {
        await markSent(ctx, actor, row, o.rejected);
        out.sent++;
      } else {
        sent.push({
          row,
          lastError: refusedBy(o.rejected),
          templateData: withoutTokens(row.template_data),
          headers: row.headers.includes("listUnsubscribe") ? withoutTokens(row.headers) : undefined,
        });
      }
    }
    await markEmailsSent(ctx.database.db, actor, sent, ctx.now().toISOString());
    out.sent += sent.length;
  }
}

/** A row whose send failed: failed for good (permanent, or four days old), else due again later. */
async function settleFailure(
  ctx: AppContext,
  actor: SystemActor,
  row: ClaimedEmail,
  failure: { permanent: boolean; reason: string },
  out: DeliveryOutcome,
): Promise<void> {
  const now = ctx.now();
  const expired = now.getTime() - new Date(row.created_at).getTime() >= RETRY_FOR_MS;
  if (failure.permanent || expired) {
    const reason = failure.permanent ? failure.reason : `gave up after 4 days: ${failure.reason}`;
    await markFailed(ctx, actor, row, reason);
    ctx.log.warn({ outboxId: row.id, kind: row.kind, attempts: row.attempts, reason }, "email not delivered");
    out.failed++;
  } else {
    await markEmailForRetry(ctx.database.db, actor, row, {
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(row.attempts)).toISOString(),
      lastError: failure.reason,
    });
    ctx.log.info(
      { outboxId: row.id, attempts: row.attempts, reason: failure.reason },
      "email delivery will be retried",
    );
    out.retrying++;
  }
}

async function markFailed(ctx: AppContext, actor: SystemActor, row: ClaimedEmail, reason: string) {
  await ctx.database.db.transaction().execute(async (tx) => {
    const marked = await markEmailFailed(tx, actor, row, reason);
    if (marked && row.ticket_id) {
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

/** Requests came in within this long: the server is busy answering them. */
const BUSY_WINDOW_MS = 100;
/** The pause between batches of 20 while the server is busy: at least 80 emails a second. */
const BUSY_PAUSE_MS = 250;
/** Emails per round while requests keep coming, and while none do. */
const BUSY_ROUND = 20;
const QUIET_ROUND = 500;

/** Delivers every `everyMs` until stopped; one round at a time; errors are logged and retried. */
export function startOutboxWorker(
  ctx: AppContext,
  actor: SystemActor,
  everyMs = 1000,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const stopping = new AbortController();
  const tick = () => {
    if (running || stopping.signal.aborted) return;
    running = (async () => {
      try {
        // Keep going while whole batches come back: a backlog drains without waiting a tick each.
        // While requests keep coming, delivery steps back between batches (at least 80
        // emails a second still go out): a burst of submissions is answered first and its emails
        // follow, instead of the two slowing each other down.
        // Rounds are larger while the server is quiet (a backlog of .eml files goes out in batches
        // of FILE_CLAIM_BATCH instead of waiting for the next tick every 50 rounds).
        for (let i = 0; i < 50 && !stopping.signal.aborted; i++) {
          const busy = performance.now() - ctx.activity.lastRequestAt < BUSY_WINDOW_MS;
          // Large rounds only for .eml files: over SMTP each email is an exchange, and the
          // busy check between rounds of 20 lets a burst of requests go first.
          const limit = busy || ctx.mailer.kind !== "file" ? BUSY_ROUND : QUIET_ROUND;
          const r = await deliverDueEmails(ctx, actor, { limit, signal: stopping.signal });
          if (r.sent + r.retrying + r.failed + r.suppressed < limit) break;
          if (performance.now() - ctx.activity.lastRequestAt < BUSY_WINDOW_MS) {
            await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS));
          }
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
    /** Waits for the email in flight, if any; the rest of its claim is given back. */
    stop: async () => {
      stopping.abort();
      clearInterval(timer);
      await running;
    },
  };
}

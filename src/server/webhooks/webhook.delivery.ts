import type { SystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { newId } from "../ids.ts";
import { openSecret } from "../lib/sealed-secret.ts";
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDueDeliveries,
  endpointsForDelivery,
  failDeliveriesOfDisabledEndpoints,
  fixDeliveryBody,
  recordDeliveryAttempt,
  releaseDeliveryClaim,
} from "./webhook.access.ts";
import { composeBody, signatureHeader } from "./webhook-body.ts";
import { DISABLE_AFTER_MS, disableIfFailingTooLong } from "./webhook-disable.ts";
import { createSender, type Sender, type SendOutcome } from "./webhook-send.ts";

// Sends the webhook deliveries the changes queued (webhook-events.ts), like the email outbox
// sends its rows: the request that caused an event only inserted a row; this worker claims due
// rows a few at a time (a lease on each, claimed in one write, safe with several processes),
// sends up to CONCURRENCY at once, and records every attempt. The body is composed at the first
// attempt and stored, so retries are byte-identical; each send is signed afresh (a new
// timestamp). A failure waits ~1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h (±10 %), with a last try
// 24 h after the event; then the row is failed. A process that dies mid-send leaves its rows held
// for LEASE_MS, then another sends them (receivers dedupe on Portico-Delivery). A stop aborts the
// sends in flight and gives their rows back, uncounted.

/** How long a claim holds a row: longer than a send (10 s) and its recording. */
export const LEASE_MS = 60_000;
/** The waits after the 1st, 2nd … failure; the last repeats. */
export const RETRY_DELAYS_MS = [
  60_000,
  5 * 60_000,
  15 * 60_000,
  3600_000,
  3 * 3600_000,
  6 * 3600_000,
  12 * 3600_000,
] as const;
/** How long after its event a delivery is tried. */
export const RETRY_FOR_MS = 24 * 3600_000;
/** Sends in flight at once, per process. */
const CONCURRENCY = 8;
/** Requests came in within this long: the server is busy answering them. */
const BUSY_WINDOW_MS = 100;
/** While busy: this many sends at once, and a pause before each claim (still ~20 deliveries a second). */
const BUSY_CONCURRENCY = 2;
const BUSY_PAUSE_MS = 100;
const USER_AGENT = "Portico-Webhooks/1";

/** The wait after `failures` failed attempts, with ±10 % so a receiver back from an outage is not hit all at once. */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const i = Math.min(Math.max(failures, 1), RETRY_DELAYS_MS.length) - 1;
  return Math.round((RETRY_DELAYS_MS[i] ?? 60_000) * (0.9 + 0.2 * random()));
}

/** After a failure: the next try, or failed when the day is over (a last try lands on its end). */
export function afterFailure(
  row: Pick<ClaimedDelivery, "occurred_at" | "created_at" | "attempts">,
  now: Date,
): { state: "pending" | "failed"; nextAttemptAt: string } {
  // A resent row's day starts when it was resent.
  const start = Math.max(Date.parse(row.occurred_at), Date.parse(row.created_at));
  const end = start + RETRY_FOR_MS;
  if (now.getTime() >= end) return { state: "failed", nextAttemptAt: now.toISOString() };
  const next = Math.min(now.getTime() + retryDelayMs(row.attempts + 1), end);
  return { state: "pending", nextAttemptAt: new Date(next).toISOString() };
}

export interface WebhookRound {
  succeeded: number;
  retrying: number;
  failed: number;
}

export interface DeliveryOptions {
  /** Stops the round: sends in flight are aborted and their rows given back. */
  signal?: AbortSignal;
  /** The whole exchange's limit (10 s). */
  timeoutMs?: number;
  concurrency?: number;
  /** Rows per round at most. */
  limit?: number;
  sender?: Sender;
}

type Endpoint = Awaited<ReturnType<typeof endpointsForDelivery>>[number];

/** The request's headers: the contract's, and the signature for a JSON endpoint. */
function headersFor(ctx: AppContext, row: ClaimedDelivery, endpoint: Endpoint, body: string) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "portico-event": row.event,
    "portico-delivery": row.id,
  };
  if (endpoint.format === "json") {
    const secret = openSecret(ctx.files.key.key, endpoint.secret_sealed);
    headers["portico-signature"] = signatureHeader(secret, body, Math.floor(ctx.now().getTime() / 1000));
  }
  return headers;
}

/** Sends one claimed row and records the attempt; what became of it, or "stopped". */
async function deliverOne(
  ctx: AppContext,
  actor: SystemActor,
  sender: Sender,
  row: ClaimedDelivery,
  endpoint: Endpoint | undefined,
  opts: DeliveryOptions,
): Promise<keyof WebhookRound | "stopped"> {
  const db = ctx.database.db;
  if (endpoint?.state !== "active") {
    // Deleted or switched off since the claim: its rows go with it, or the sweep fails them.
    await releaseDeliveryClaim(db, actor, row);
    return "stopped";
  }
  let body = row.body;
  if (body === null) {
    body = await composeBody(ctx, row, endpoint.format);
    await fixDeliveryBody(db, actor, row, body);
  }
  let outcome: SendOutcome;
  try {
    const headers = headersFor(ctx, row, endpoint, body);
    outcome = await sender.send(endpoint.url, headers, body, {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    // The secret cannot be opened (the file key changed): nothing was sent.
    outcome = {
      ok: false,
      status: null,
      durationMs: 0,
      excerpt: null,
      error: `not sent: ${(err as Error).message}`,
      blocked: false,
    };
  }
  if (!outcome.ok && opts.signal?.aborted) {
    await releaseDeliveryClaim(db, actor, row);
    return "stopped";
  }
  const now = ctx.now();
  const next = outcome.ok
    ? { state: "succeeded" as const, nextAttemptAt: row.next_attempt_at }
    : afterFailure(row, now);
  const attempt: AttemptRecord = {
    attemptId: newId(),
    at: now.toISOString(),
    status: outcome.status,
    durationMs: outcome.durationMs,
    excerpt: outcome.excerpt ?? (outcome.error ? outcome.error.slice(0, 500) : null),
    error: outcome.error,
    ...next,
  };
  const recorded = await db.transaction().execute((tx) => recordDeliveryAttempt(tx, actor, row, attempt));
  if (!recorded) {
    ctx.log.warn(
      { deliveryId: row.id },
      "webhook delivery: the claim ran out before the attempt was recorded",
    );
    return "stopped";
  }
  const log = { deliveryId: row.id, endpointId: endpoint.id, event: row.event, status: outcome.status };
  if (outcome.ok) return "succeeded";
  ctx.log.info({ ...log, error: outcome.error, state: next.state }, "webhook delivery failed");
  const since = endpoint.failing_since ? Date.parse(endpoint.failing_since) : null;
  if (since !== null && now.getTime() - since >= DISABLE_AFTER_MS) {
    await disableIfFailingTooLong(ctx, actor, endpoint.id, outcome.error);
  }
  return next.state === "failed" ? "failed" : "retrying";
}

/**
 * Sends every due row (up to `limit`), CONCURRENCY at a time, claiming more as sends end; by the
 * server's system actor (the deliveries of every workspace).
 */
export async function deliverDueWebhooks(
  ctx: AppContext,
  actor: SystemActor,
  opts: DeliveryOptions = {},
): Promise<WebhookRound> {
  const out: WebhookRound = { succeeded: 0, retrying: 0, failed: 0 };
  const concurrency = opts.concurrency ?? CONCURRENCY;
  const sender = opts.sender ?? createSender(ctx.config.webhookAllowPrivateTargets);
  let budget = opts.limit ?? 500;
  const inFlight = new Set<Promise<void>>();
  const endpoints = new Map<string, Endpoint>();
  try {
    for (;;) {
      // While requests keep coming, delivery steps back: they are answered first, and the
      // deliveries follow (fewer at once) instead of the two slowing each other down.
      const busy = performance.now() - ctx.activity.lastRequestAt < BUSY_WINDOW_MS;
      if (busy && inFlight.size < BUSY_CONCURRENCY) await new Promise((r) => setTimeout(r, BUSY_PAUSE_MS));
      const free = Math.min(
        (busy ? Math.min(BUSY_CONCURRENCY, concurrency) : concurrency) - inFlight.size,
        budget,
      );
      let claimed: ClaimedDelivery[] = [];
      if (free > 0 && !opts.signal?.aborted) {
        const now = ctx.now();
        claimed = await claimDueDeliveries(ctx.database.db, actor, {
          now: now.toISOString(),
          until: new Date(now.getTime() + LEASE_MS).toISOString(),
          limit: free,
        });
        budget -= claimed.length;
        const unknown = [...new Set(claimed.map((r) => r.endpoint_id))].filter((id) => !endpoints.has(id));
        if (unknown.length) {
          for (const e of await endpointsForDelivery(ctx.database.db, actor, unknown)) endpoints.set(e.id, e);
        }
      }
      for (const row of claimed) {
        const p: Promise<void> = deliverOne(ctx, actor, sender, row, endpoints.get(row.endpoint_id), opts)
          .then((r) => {
            if (r !== "stopped") out[r]++;
            // The endpoint's failing_since changed: read again for the next row.
            if (r !== "succeeded") endpoints.delete(row.endpoint_id);
          })
          .catch((err: unknown) => {
            // Its claim holds it for LEASE_MS: the wait before it is tried again.
            ctx.log.warn({ err, deliveryId: row.id }, "webhook delivery: an attempt could not be made");
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (inFlight.size === 0) break;
      // A full claim: more may be due at once. Otherwise the next send's end frees a slot.
      if (claimed.length < free || free <= 0 || budget <= 0) await Promise.race(inFlight);
      if (budget <= 0 && inFlight.size === 0) break;
    }
  } finally {
    await Promise.all(inFlight);
    if (!opts.sender) sender.close();
  }
  return out;
}

/** How often the disabled endpoints' waiting rows are failed. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Delivers every `everyMs` (and at once when woken) until stopped, one round at a time; errors
 * are logged and the next tick tries again.
 */
export function startWebhookDelivery(
  ctx: AppContext,
  actor: SystemActor,
  opts: { everyMs?: number; timeoutMs?: number; concurrency?: number } = {},
): { stop(): Promise<void>; wake(): void } {
  const stopping = new AbortController();
  const sender = createSender(ctx.config.webhookAllowPrivateTargets);
  let running: Promise<void> | null = null;
  let again = false;
  let lastSweep = 0;
  const tick = () => {
    if (stopping.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        if (Date.now() - lastSweep >= SWEEP_EVERY_MS) {
          lastSweep = Date.now();
          await failDeliveriesOfDisabledEndpoints(ctx.database.db, actor, { now: ctx.now().toISOString() });
        }
        do {
          again = false;
          await deliverDueWebhooks(ctx, actor, {
            signal: stopping.signal,
            sender,
            ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
            ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
          });
        } while (again && !stopping.signal.aborted);
      } catch (err) {
        ctx.log.warn({ err }, "the webhook delivery round failed; it will run again");
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, opts.everyMs ?? 1000);
  timer.unref();
  tick();
  return {
    wake: tick,
    /** Aborts the sends in flight (their rows are given back) and waits for the round to end. */
    stop: async () => {
      stopping.abort();
      clearInterval(timer);
      await running;
      sender.close();
    },
  };
}

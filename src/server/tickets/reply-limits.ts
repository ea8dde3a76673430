import type { AppContext } from "../context.ts";
import { tooManyRequests } from "../errors.ts";

// Customer replies are bounded: per ticket (REPLY_RATE_LIMIT_PER_TICKET_PER_HOUR, whoever writes,
// from the tracking page, the signed-in portal or by email) and per client address
// (REPLY_RATE_LIMIT_PER_ADDRESS_PER_HOUR, over every ticket), through the shared rate limiter
// (in memory, or Redis across processes). A ticket that gets thousands of replies is a page of
// messages nobody reads and a queue flooded with events.

const HOUR_MS = 3_600_000;

const ticketKey = (ticketId: string) => `reply-ticket:${ticketId}`;
const addressKey = (address: string) => `reply-address:${address}`;

const REPLY_LIMITED_MESSAGE =
  "You have sent several replies in a short time. Please wait a little and send it again.";

/**
 * Counts one customer reply from the portal while `save` saves it, or refuses it with 429
 * rate_limited and a Retry-After when the ticket or the client address is at its limit. A reply
 * refused here, or not saved (its files refused, say), counts against neither.
 */
export async function withPortalReplyCounted<T>(
  ctx: AppContext,
  p: { ticketId: string; clientAddress: string | undefined },
  save: () => Promise<T>,
): Promise<T> {
  const { limiter, config } = ctx;
  const perTicket = config.replyRateLimitPerTicketPerHour;
  const perAddress = config.replyRateLimitPerAddressPerHour;
  const keys: [string, number][] = [[ticketKey(p.ticketId), perTicket]];
  if (p.clientAddress) keys.push([addressKey(p.clientAddress), perAddress]);
  // Looked at first, so a reply refused by one limit is not counted by the other.
  const seen = await Promise.all(keys.map(([key, limit]) => limiter.peek(key, limit, HOUR_MS)));
  refuseIfLimited(seen);
  // Counted atomically: of two replies racing for the last slot, one is refused.
  const counted = await Promise.all(keys.map(([key, limit]) => limiter.consume(key, limit, HOUR_MS)));
  const takeBack = () =>
    Promise.all(
      counted.map((d, i) =>
        d.attempt ? limiter.takeBack((keys[i] as [string, number])[0], d.attempt) : null,
      ),
    );
  try {
    refuseIfLimited(counted);
    return await save();
  } catch (err) {
    await takeBack();
    throw err;
  }
}

function refuseIfLimited(decisions: { allowed: boolean; retryAfterSeconds: number }[]): void {
  const refused = decisions.filter((d) => !d.allowed);
  if (!refused.length) return;
  throw tooManyRequests(REPLY_LIMITED_MESSAGE, Math.max(...refused.map((d) => d.retryAfterSeconds)));
}

/**
 * A customer's reply by email counts toward its ticket's hour too, but is never refused: an
 * email cannot be answered with a 429, and the sender's own limit (INBOUND_PER_SENDER_PER_HOUR)
 * already keeps a loop from flooding a ticket.
 */
export async function countEmailReply(ctx: AppContext, ticketId: string): Promise<void> {
  await ctx.limiter.hit(ticketKey(ticketId), HOUR_MS);
}

/** A refusal's wait in whole minutes (at least one), for the page's sentence. */
export const retryMinutes = (err: { headers?: Record<string, string> | undefined }): number =>
  Math.max(1, Math.ceil(Number(err.headers?.["retry-after"] ?? 60) / 60));

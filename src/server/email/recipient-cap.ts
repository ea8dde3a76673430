import type { AppContext } from "../context.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import type { ClaimedEmail } from "./outbox.access.ts";

// Emails anyone can have sent to an address of their choosing: the portal form takes any
// address, and an email's From line can be forged. None of those addresses is verified yet (a
// signed-in customer's own address will be, once customer accounts verify theirs), so each gets
// at most UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR of them per workspace; the rest are kept in the
// Outbox, suppressed, with the reason. Counted when delivery first takes the row, in the shared
// limiter (Redis when several processes deliver), not on the submission's path (decision 0013).

/** Kinds the sender of a request can cause, addressed to whatever address was given. */
// A registration's confirmation too: anyone can register any address.
const UNASKED_KINDS: ReadonlySet<string> = new Set(["ticket_confirmation", "customer_verify_email"]);
const WINDOW_MS = 3600_000;

/** Why this row must not be sent (the address had its share this hour), or null to send it. */
export async function recipientCapReason(ctx: AppContext, row: ClaimedEmail): Promise<string | null> {
  // A later try of the same row was counted on its first.
  if (row.audience !== "customer" || !UNASKED_KINDS.has(row.kind) || row.attempts !== 1) return null;
  const address = normalizeEmail(row.to_address) ?? row.to_address.trim().toLowerCase();
  const cap = ctx.config.unverifiedRecipientEmailsPerHour;
  const r = await ctx.limiter.consume(`unverified-recipient:${row.workspace_id}:${address}`, cap, WINDOW_MS);
  return r.allowed
    ? null
    : `not sent: ${address} is not verified and had ${cap} confirmation${cap === 1 ? "" : "s"} within the hour`;
}

import { formatReference, STATUS_LABELS } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { enqueueEmail } from "../email/outbox.ts";
import { tooManyRequests } from "../errors.ts";
import { addressBucket } from "../lib/client-address.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { ticketsVisibleTo } from "./ticket.access.ts";
import {
  customerStatusOf,
  issueTrackingToken,
  TRACKING_TOKEN_TTL_DAYS,
  trackingPath,
} from "./ticket.create.ts";

// "Email me my requests": a customer without an account who lost their tracking link gives their
// email address; if it is a contact's with open requests, one email lists them with fresh tracking
// links (new tokens, like a submission's). The answer is the same whether or not the address is
// known or has any: nobody learns from it who writes to the help desk.

const HOUR = 3600_000;
/** Per client address: enough for a few typos, not for trying a list of addresses. */
const PER_CLIENT_PER_HOUR = 5;
/** Per email address: one email is what was asked for; a second one now and then. */
const PER_ADDRESS_PER_HOUR = 2;
/** The most requests one email lists (the newest). */
const MAX_LISTED = 20;

/**
 * Sends the open requests of `email` to it, when it has any. Throws 429 when this client asked too
 * often (that says nothing about the address); an address asked for too often gets nothing more,
 * silently, so the answer stays the same.
 */
export async function emailOpenRequests(
  ctx: AppContext,
  ws: Workspace,
  req: { email: string; clientAddress: string },
): Promise<void> {
  const byClient = await ctx.limiter.consume(
    `lost-link-client:${addressBucket(req.clientAddress)}`,
    PER_CLIENT_PER_HOUR,
    HOUR,
  );
  if (!byClient.allowed) {
    throw tooManyRequests(
      "You have asked several times in a short time. Please wait a little and try again.",
      byClient.retryAfterSeconds,
    );
  }
  const email = normalizeEmail(req.email);
  if (!email) return;
  const byAddress = await ctx.limiter.consume(
    `lost-link-address:${ws.id}:${email}`,
    PER_ADDRESS_PER_HOUR,
    HOUR,
  );
  if (!byAddress.allowed) return;

  const actor = systemActorIn("email me my requests", ws.id);
  await ctx.database.db.transaction().execute(async (tx) => {
    const contact = await contactsVisibleTo(tx, actor)
      .select(["contacts.id", "contacts.name", "contacts.email"])
      .where("contacts.email_normalized", "=", email)
      .executeTakeFirst();
    if (!contact) return;
    const open = await ticketsVisibleTo(tx, actor)
      .select(["tickets.id", "tickets.number", "tickets.subject", "tickets.status", "tickets.portal_status"])
      .where("tickets.contact_id", "=", contact.id)
      .where("tickets.status", "not in", ["resolved", "closed"])
      .orderBy("tickets.created_at", "desc")
      .orderBy("tickets.id", "desc")
      .limit(MAX_LISTED)
      .execute();
    if (open.length === 0) return;
    const at = ctx.now();
    const requests = [];
    for (const t of open) {
      const token = await issueTrackingToken(ctx, tx, {
        workspaceId: ws.id,
        ticketId: t.id,
        emailNormalized: email,
        at,
      });
      requests.push({
        reference: formatReference(t.number),
        subject: t.subject,
        status: customerStatusOf(t),
        statusLabel: STATUS_LABELS[customerStatusOf(t)],
        url: portalUrl(ctx.config, ws, trackingPath(ws.slug, t.number, token)),
      });
    }
    await enqueueEmail(ctx, tx, {
      ws,
      kind: "open_requests",
      audience: "customer",
      to: [{ address: contact.email, name: contact.name }],
      params: {
        brand: brandingOf(ws),
        contactName: contact.name,
        requests,
        linkDays: TRACKING_TOKEN_TTL_DAYS,
      },
      autoSubmitted: true,
    });
  });
}

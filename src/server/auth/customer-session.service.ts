import { createHash } from "node:crypto";
import { type CustomerActor, systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import { ReadCache } from "../db/prepared.ts";
import { hashToken, looksLikeToken, newToken } from "./tokens.ts";

// Customers signed in to the portal. Like the agents' sessions (session.service.ts): a 256-bit
// random token in an httpOnly cookie, stored as its SHA-256, with a CSRF token derived from it.
// A session opens the portal of its own workspace only, and only while its contact still has
// portal access: both are checked on every request.

// Sessions seen within this long are not written again on every request.
const TOUCH_INTERVAL_MS = 5 * 60_000;

export interface CustomerSession {
  actor: CustomerActor;
  /** locale and timeZone: the ones the customer chose on their account, or null (contacts). */
  contact: { id: string; name: string; email: string; locale: string | null; timeZone: string | null };
  company: { id: string; name: string } | null;
  workspace: { id: string; slug: string };
  expiresAt: string;
}

/** The CSRF token of a customer's session: derived, so nothing more is stored. */
export function customerCsrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`customer-csrf:${sessionToken}`).digest("base64url");
}

/**
 * A new session for a contact of the workspace: for the portal's sign-in, and for tests. It lasts
 * as long as an agent's (SESSION_TTL_HOURS). Whether it opens anything is decided when it is used.
 */
export async function createCustomerSession(
  ctx: AppContext,
  input: { workspaceId: string; contactId: string },
): Promise<{ token: string; csrfToken: string; expiresAt: string }> {
  const token = newToken();
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + ctx.config.sessionTtlHours * 3600_000).toISOString();
  await ctx.database.db
    .insertInto("customer_sessions")
    .values({
      token_hash: hashToken(token),
      workspace_id: input.workspaceId,
      contact_id: input.contactId,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      last_seen_at: now.toISOString(),
    })
    .execute();
  return { token, csrfToken: customerCsrfTokenFor(token), expiresAt };
}

/**
 * Every portal request resolves its session: the rows are kept until the database changes
 * (ReadCache), so a revocation, a change of access or of company takes effect at once, and
 * expiry is checked on every call.
 */
const SESSION_READS = new ReadCache<Awaited<ReturnType<typeof readSession>>>(5000, { share: 0.15 });

async function readSession(ctx: AppContext, tokenHash: string, workspaceSlug: string) {
  const session = await ctx.database.db
    .selectFrom("customer_sessions as s")
    .innerJoin("workspaces as w", "w.id", "s.workspace_id")
    .select([
      "s.contact_id",
      "s.expires_at",
      "s.last_seen_at",
      "s.revoked_at",
      "w.id as workspace_id",
      "w.slug",
    ])
    .where("s.token_hash", "=", tokenHash)
    .where("w.slug", "=", workspaceSlug)
    .executeTakeFirst();
  if (!session) return null;
  const contact = await contactsVisibleTo(
    ctx.database.db,
    systemActorIn("customer session", session.workspace_id),
  )
    .leftJoin("companies", (join) =>
      join
        .onRef("companies.id", "=", "contacts.company_id")
        .on("companies.workspace_id", "=", session.workspace_id),
    )
    .select([
      "contacts.id",
      "contacts.name",
      "contacts.email",
      "contacts.portal_access",
      "contacts.locale",
      "contacts.time_zone",
      "companies.id as company_id",
      "companies.name as company_name",
    ])
    .where("contacts.id", "=", session.contact_id)
    .executeTakeFirst();
  return { session, contact };
}

/**
 * The customer behind a session cookie on the portal of `workspaceSlug`, or null: for a missing,
 * unknown, expired or revoked session, one of another workspace, and a contact whose portal
 * access is 'none' (or who is gone).
 */
export async function resolveCustomerSession(
  ctx: AppContext,
  token: unknown,
  workspaceSlug: string,
): Promise<CustomerSession | null> {
  if (!looksLikeToken(token)) return null;
  const tokenHash = hashToken(token);
  const found = await SESSION_READS.get(ctx.database, `${tokenHash} ${workspaceSlug}`, () =>
    readSession(ctx, tokenHash, workspaceSlug),
  );
  const now = ctx.now();
  if (!found) return null;
  const { session, contact } = found;
  if (session.revoked_at !== null || session.expires_at <= now.toISOString()) return null;
  if (!contact || contact.portal_access === "none") return null;
  if (now.getTime() - Date.parse(session.last_seen_at) > TOUCH_INTERVAL_MS) {
    await ctx.database.db
      .updateTable("customer_sessions")
      .set({ last_seen_at: nowIso(ctx) })
      .where("token_hash", "=", tokenHash)
      .execute();
  }
  const company =
    contact.company_id !== null && contact.company_name !== null
      ? { id: contact.company_id, name: contact.company_name }
      : null;
  return {
    actor: {
      kind: "customer",
      workspaceId: session.workspace_id,
      contactId: contact.id,
      companyId: company?.id ?? null,
      scope: contact.portal_access,
    },
    contact: {
      id: contact.id,
      name: contact.name,
      email: contact.email,
      locale: contact.locale,
      timeZone: contact.time_zone,
    },
    company,
    workspace: { id: session.workspace_id, slug: session.slug },
    expiresAt: session.expires_at,
  };
}

/** Ends a session (signing out); it stays on record, revoked. */
export async function revokeCustomerSession(ctx: AppContext, token: string): Promise<void> {
  if (!looksLikeToken(token)) return;
  await ctx.database.db
    .updateTable("customer_sessions")
    .set({ revoked_at: nowIso(ctx) })
    .where("token_hash", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .execute();
}

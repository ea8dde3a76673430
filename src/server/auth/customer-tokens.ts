import type { AppContext } from "../context.ts";
import type { CustomerTokenPurpose, Tx } from "../db/schema.ts";
import { hashToken, looksLikeToken, newToken } from "./tokens.ts";

// Customers' one-time links: an invitation, a magic link, a password reset, an email to verify.
// Like every token here, 256 random bits of which only the SHA-256 is stored. A link is bound to
// its workspace (the slug in its address must be the workspace's), to one purpose, works once (an
// update that sets used_at only where it is still null and unexpired: two clicks at once, one
// wins), and a newer link of the same purpose retires the contact's older unused ones.

export const CUSTOMER_TOKEN_TTL_MS: Record<CustomerTokenPurpose, number> = {
  invite: 7 * 86400_000,
  magic_link: 15 * 60_000,
  password_reset: 3600_000,
  verify_email: 24 * 3600_000,
};

/** A new link for a contact, written in the caller's transaction; older unused ones of its purpose stop working. */
export async function issueCustomerToken(
  ctx: AppContext,
  tx: Tx,
  input: { workspaceId: string; contactId: string; purpose: CustomerTokenPurpose },
): Promise<{ token: string; expiresAt: string }> {
  const now = ctx.now();
  const at = now.toISOString();
  await tx
    .updateTable("customer_tokens")
    .set({ used_at: at })
    .where("contact_id", "=", input.contactId)
    .where("workspace_id", "=", input.workspaceId)
    .where("purpose", "=", input.purpose)
    .where("used_at", "is", null)
    .execute();
  const token = newToken();
  const expiresAt = new Date(now.getTime() + CUSTOMER_TOKEN_TTL_MS[input.purpose]).toISOString();
  await tx
    .insertInto("customer_tokens")
    .values({
      token_hash: hashToken(token),
      workspace_id: input.workspaceId,
      contact_id: input.contactId,
      purpose: input.purpose,
      created_at: at,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token, expiresAt };
}

export interface LiveToken {
  workspaceId: string;
  contactId: string;
  expiresAt: string;
}

const live = (ctx: AppContext, db: Tx, slug: string, token: string, purpose: CustomerTokenPurpose) =>
  db
    .selectFrom("customer_tokens as t")
    .innerJoin("workspaces as w", "w.id", "t.workspace_id")
    .select(["t.workspace_id", "t.contact_id", "t.expires_at"])
    .where("t.token_hash", "=", hashToken(token))
    .where("w.slug", "=", slug)
    .where("t.purpose", "=", purpose)
    .where("t.used_at", "is", null)
    .where("t.expires_at", ">", ctx.now().toISOString());

/** Whether a link still works, using nothing: for the page that shows its form. */
export async function peekCustomerToken(
  ctx: AppContext,
  db: Tx,
  slug: string,
  token: unknown,
  purpose: CustomerTokenPurpose,
): Promise<LiveToken | undefined> {
  if (!looksLikeToken(token)) return undefined;
  const row = await live(ctx, db, slug, token, purpose).executeTakeFirst();
  return row
    ? { workspaceId: row.workspace_id, contactId: row.contact_id, expiresAt: row.expires_at }
    : undefined;
}

/**
 * Uses a link up, in the caller's transaction: its contact, or undefined for a wrong, used,
 * expired or other workspace's link, or one of another purpose. Only one caller ever gets it.
 */
export async function consumeCustomerToken(
  ctx: AppContext,
  tx: Tx,
  slug: string,
  token: unknown,
  purpose: CustomerTokenPurpose,
): Promise<LiveToken | undefined> {
  const found = await peekCustomerToken(ctx, tx, slug, token, purpose);
  if (!found) return undefined;
  const now = ctx.now().toISOString();
  const used = await tx
    .updateTable("customer_tokens")
    .set({ used_at: now })
    .where("token_hash", "=", hashToken(token as string))
    .where("workspace_id", "=", found.workspaceId)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1 ? found : undefined;
}

/** Retires every unused link of a contact (access withdrawn). */
export async function retireCustomerTokens(ctx: AppContext, tx: Tx, contactId: string): Promise<void> {
  await tx
    .updateTable("customer_tokens")
    .set({ used_at: ctx.now().toISOString() })
    .where("contact_id", "=", contactId)
    .where("used_at", "is", null)
    .execute();
}

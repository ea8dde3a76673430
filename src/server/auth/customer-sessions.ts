import { createHash } from "node:crypto";
import type { CustomerActor } from "../actors.ts";
import {
  contactsVisibleTo,
  contactsWritableBy,
  setOwnContactPreferences,
} from "../contacts/contact.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import { notFound, validationFailed } from "../errors.ts";
import { isLocale, type Locale } from "../i18n/locales.ts";
import { isTimeZone } from "../i18n/time-zones.ts";
import { addressBucket } from "../lib/client-address.ts";
import { revokeContactSessions } from "./customer-accounts.ts";
import { checkPassword, fieldsRefused, hashPassword, verifyPassword } from "./passwords.ts";
import { signInThrottle } from "./sign-in-throttle.ts";
import { hashToken } from "./tokens.ts";

// A signed-in customer's own account: their name, their password, their sessions.
//
// A session is named to its customer by a public id: a hash of the stored token hash, cut to 128
// bits. Not the stored hash itself: that is the key the gate looks sessions up by, and though it
// opens nothing on its own, it has no business in pages, addresses and logs. Not reversible into
// it either, so a leaked list of ids tells nothing about the table. Ids are matched among the
// customer's own sessions only (a few), so nobody can name another's session.

export const NAME_MAX = 120;

export interface CustomerSessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

export const publicSessionId = (tokenHash: string) =>
  createHash("sha256").update(`customer-session-id:${tokenHash}`).digest("base64url").slice(0, 22);

async function liveSessions(ctx: AppContext, actor: CustomerActor) {
  return ctx.database.db
    .selectFrom("customer_sessions")
    .select(["token_hash", "created_at", "last_seen_at", "expires_at"])
    .where("contact_id", "=", actor.contactId)
    .where("workspace_id", "=", actor.workspaceId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", nowIso(ctx))
    .orderBy("last_seen_at", "desc")
    .execute();
}

/** The customer's live sessions, the one in use first. */
export async function listCustomerSessions(
  ctx: AppContext,
  actor: CustomerActor,
  currentToken: string,
): Promise<CustomerSessionView[]> {
  const current = hashToken(currentToken);
  const rows = await liveSessions(ctx, actor);
  return rows
    .map((r) => ({
      id: publicSessionId(r.token_hash),
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
      current: r.token_hash === current,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current));
}

/** Ends one of the customer's own sessions; 404 for an id that is not one of theirs. */
export async function revokeCustomerSessionById(
  ctx: AppContext,
  actor: CustomerActor,
  id: string,
): Promise<void> {
  const row = (await liveSessions(ctx, actor)).find((r) => publicSessionId(r.token_hash) === id);
  if (!row) throw notFound("No such session.");
  await ctx.database.db
    .updateTable("customer_sessions")
    .set({ revoked_at: nowIso(ctx) })
    .where("token_hash", "=", row.token_hash)
    .where("contact_id", "=", actor.contactId)
    .execute();
}

/** Signs out every session of the customer but the one in use. */
export async function revokeOtherCustomerSessions(
  ctx: AppContext,
  actor: CustomerActor,
  currentToken: string,
): Promise<void> {
  await revokeContactSessions(ctx, ctx.database.db, actor.contactId, hashToken(currentToken));
}

export async function renameCustomer(ctx: AppContext, actor: CustomerActor, name: string): Promise<void> {
  const trimmed = name.trim();
  if (!trimmed) throw validationFailed({ name: "is required" });
  if ([...trimmed].length > NAME_MAX)
    throw validationFailed({ name: `must be at most ${NAME_MAX} characters` });
  await contactsWritableBy(ctx.database.db, actor)
    .set({ name: trimmed, updated_at: nowIso(ctx) })
    .where("contacts.id", "=", actor.contactId)
    .execute();
}

export interface CustomerPreferences {
  /** en, de or fr; null: the browser's. */
  locale: Locale | null;
  /** An IANA time zone; null: the browser's. */
  timeZone: string | null;
}

/** Saves the customer's language and time zone ("" or null: their browser's); answers what was saved. */
export async function setCustomerPreferences(
  ctx: AppContext,
  actor: CustomerActor,
  input: { locale?: string | null | undefined; timeZone?: string | null | undefined },
): Promise<CustomerPreferences> {
  const locale = input.locale || null;
  const timeZone = input.timeZone || null;
  const fields: Record<string, string> = {};
  if (locale !== null && !isLocale(locale)) fields.locale = "is not a language of this portal";
  if (timeZone !== null && !isTimeZone(timeZone)) fields.timeZone = "is not a known time zone";
  if (Object.keys(fields).length) throw validationFailed(fields);
  const prefs = { locale: locale as Locale | null, timeZone };
  await setOwnContactPreferences(ctx.database.db, actor, prefs, nowIso(ctx));
  return prefs;
}

/**
 * Changes the customer's password: the current one first (when they have one), then the new
 * one's rules. Every other session ends; the one in use stays.
 */
export async function changeCustomerPassword(
  ctx: AppContext,
  actor: CustomerActor,
  input: { current: string; password: string; currentToken: string; ip: string },
): Promise<void> {
  // Guessing the current password from a session left open is throttled like signing in.
  const throttle = signInThrottle(ctx, {
    account: `customer-contact:${actor.contactId}`,
    address: addressBucket(input.ip),
  });
  await throttle.check();
  const row = await contactsVisibleTo(ctx.database.db, actor)
    .select(["contacts.password_hash"])
    .where("contacts.id", "=", actor.contactId)
    .executeTakeFirst();
  if (!row) throw notFound();
  const stored = row.password_hash?.startsWith("scrypt$") ? row.password_hash : undefined;
  if (stored && !(await verifyPassword(input.current, stored))) {
    await throttle.failed();
    throw validationFailed({ current: "is not your current password" });
  }
  const problem = checkPassword(input.password);
  if (problem) throw fieldsRefused({ password: problem });
  const hash = await hashPassword(input.password, ctx.config.passwordHashCost);
  await ctx.database.db.transaction().execute(async (tx) => {
    await contactsWritableBy(tx, actor)
      .set({ password_hash: hash, updated_at: nowIso(ctx) })
      .where("contacts.id", "=", actor.contactId)
      .execute();
    await revokeContactSessions(ctx, tx, actor.contactId, hashToken(input.currentToken));
  });
}

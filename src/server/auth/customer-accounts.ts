import { systemActorIn, type WorkspaceSystemActor } from "../actors.ts";
import { joinCompanyByDomain } from "../companies/company.access.ts";
import { contactsVisibleTo, contactsWritableBy } from "../contacts/contact.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { ContactTable, PortalAccess, Tx } from "../db/schema.ts";
import { enqueueEmail } from "../email/outbox.ts";
import { AppError, notFound } from "../errors.ts";
import { addressBucket } from "../lib/client-address.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { createCustomerSession } from "./customer-session.service.ts";
import {
  CUSTOMER_TOKEN_TTL_MS,
  consumeCustomerToken,
  issueCustomerToken,
  peekCustomerToken,
} from "./customer-tokens.ts";
import { dummyPasswordHash, verifyPassword } from "./passwords.ts";
import { signInThrottle } from "./sign-in-throttle.ts";

// Customers' accounts on a workspace's portal: signing in with a password or a one-time link,
// resetting a password, accepting an agent's invitation, registering and verifying an address.
//
// Nobody learns from these whether an address has an account. A sign-in with an unknown address
// costs the same scrypt as a wrong password (against a dummy hash) and gets the same 401. The
// requests that send a link (magic link, reset, registration) answer 202 before looking the
// address up at all: the lookup and the email (an outbox row, sent later by the worker) happen
// after the answer, as a detached task, so neither the answer nor its timing depends on them.
// Every one is throttled per address asked for and per client address, known or not.
//
// A contact signs in only with portal access ('own' or 'company') and a verified email; setting
// a password from a link (invitation, reset: customer-passwords.ts) or signing in by a magic link
// proves the address, and the contact then joins the company of its domain when that domain joins
// automatically.

export const REQUESTS_PER_ACCOUNT = 5;
export const REQUESTS_PER_ADDRESS = 30;
const REQUEST_WINDOW_MS = 3600_000;

export interface CustomerSignedIn {
  token: string;
  csrfToken: string;
  expiresAt: string;
  /** locale: the language the contact chose on their account, or null. */
  contact: { id: string; name: string; email: string; locale: string | null };
  workspace: { id: string; slug: string };
}

const badCredentials = () =>
  new AppError(401, "invalid_credentials", "That email and password do not match.");

/** A link that does not work (wrong, used, expired, another portal's): one answer for all. */
export const linkGone = () =>
  new AppError(404, "link_not_valid", "This link does not work any more. Ask for a new one and use it soon.");

export const accountKey = (slug: string, email: string) => `customer:${JSON.stringify([slug, email])}`;
export const emailOf = (raw: string) => normalizeEmail(raw) ?? raw.trim().toLowerCase();
export const actorIn = (wsId: string): WorkspaceSystemActor => systemActorIn("customer accounts", wsId);

export type ContactRow = Pick<
  ContactTable,
  | "id"
  | "name"
  | "email"
  | "email_normalized"
  | "company_id"
  | "password_hash"
  | "email_verified_at"
  | "locale"
> & { portal_access: PortalAccess };

const CONTACT_COLUMNS = [
  "contacts.id",
  "contacts.name",
  "contacts.email",
  "contacts.email_normalized",
  "contacts.company_id",
  "contacts.portal_access",
  "contacts.password_hash",
  "contacts.email_verified_at",
  "contacts.locale",
] as const;

export function contactByEmail(db: Tx, wsId: string, email: string): Promise<ContactRow | undefined> {
  return contactsVisibleTo(db, actorIn(wsId))
    .select(CONTACT_COLUMNS)
    .where("contacts.email_normalized", "=", email)
    .executeTakeFirst();
}

export function contactById(db: Tx, wsId: string, id: string): Promise<ContactRow | undefined> {
  return contactsVisibleTo(db, actorIn(wsId))
    .select(CONTACT_COLUMNS)
    .where("contacts.id", "=", id)
    .executeTakeFirst();
}

// --- detached work after a request's answer ---------------------------------------------------

const pending = new Set<Promise<void>>();

/** Runs `work` after the answer; its failure is logged, never the client's concern. */
export function afterAnswer(ctx: AppContext, what: string, work: () => Promise<void>): void {
  const p = new Promise<void>((resolve) => setImmediate(resolve))
    .then(work)
    .catch((err) => ctx.log.error({ err }, `${what} failed`))
    .finally(() => pending.delete(p));
  pending.add(p);
}

/** Waits for the detached work started so far (tests, and a server shutting down). */
export async function accountMailSettled(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

/** Counts a request that sends an email, per address asked for and per client: 429 past either. */
export async function throttleRequest(
  ctx: AppContext,
  kind: string,
  slug: string,
  email: string,
  ip: string,
) {
  const refuse = (seconds: number) =>
    new AppError(429, "rate_limited", "Too many requests. Wait a while and try again.", {
      headers: { "retry-after": String(Math.max(1, Math.ceil(seconds))) },
    });
  const byClient = await ctx.limiter.consume(
    `customer-request:address:${addressBucket(ip)}`,
    REQUESTS_PER_ADDRESS,
    REQUEST_WINDOW_MS,
  );
  if (!byClient.allowed) throw refuse(byClient.retryAfterSeconds);
  const byAccount = await ctx.limiter.consume(
    `customer-request:${kind}:${accountKey(slug, email)}`,
    REQUESTS_PER_ACCOUNT,
    REQUEST_WINDOW_MS,
  );
  if (!byAccount.allowed) throw refuse(byAccount.retryAfterSeconds);
}

// --- sessions -----------------------------------------------------------------------------------

export async function startSession(
  ctx: AppContext,
  ws: { id: string; slug: string },
  contact: Pick<ContactRow, "id" | "name" | "email" | "locale">,
): Promise<CustomerSignedIn> {
  const s = await createCustomerSession(ctx, { workspaceId: ws.id, contactId: contact.id });
  const now = nowIso(ctx);
  await contactsWritableBy(ctx.database.db, actorIn(ws.id))
    .set({ last_sign_in_at: now })
    .where("contacts.id", "=", contact.id)
    .execute();
  // Expired sessions of this contact are cleared as a new one starts.
  await ctx.database.db
    .deleteFrom("customer_sessions")
    .where("contact_id", "=", contact.id)
    .where("expires_at", "<", now)
    .execute();
  return {
    ...s,
    contact: { id: contact.id, name: contact.name, email: contact.email, locale: contact.locale },
    workspace: { id: ws.id, slug: ws.slug },
  };
}

/** Marks the address proven (once) and joins the company of its domain; in the caller's transaction. */
export async function addressProven(
  ctx: AppContext,
  tx: Tx,
  wsId: string,
  contact: ContactRow,
): Promise<void> {
  const now = nowIso(ctx);
  if (contact.email_verified_at === null) {
    await contactsWritableBy(tx, actorIn(wsId))
      .set({ email_verified_at: now, updated_at: now })
      .where("contacts.id", "=", contact.id)
      .execute();
  }
  await joinCompanyByDomain(tx, actorIn(wsId), contact, now);
}

/** Ends every live session of a contact, but `keepToken`'s when given. */
export async function revokeContactSessions(
  ctx: AppContext,
  tx: Tx,
  contactId: string,
  keepTokenHash?: string,
): Promise<void> {
  let q = tx
    .updateTable("customer_sessions")
    .set({ revoked_at: nowIso(ctx) })
    .where("contact_id", "=", contactId)
    .where("revoked_at", "is", null);
  if (keepTokenHash) q = q.where("token_hash", "!=", keepTokenHash);
  await q.execute();
}

// --- signing in ---------------------------------------------------------------------------------

export async function signInCustomer(
  ctx: AppContext,
  input: { slug: string; email: string; password: string; ip: string },
): Promise<CustomerSignedIn> {
  const email = emailOf(input.email);
  const throttle = signInThrottle(ctx, {
    account: accountKey(input.slug, email),
    address: addressBucket(input.ip),
  });
  await throttle.check();
  const ws = await findWorkspaceBySlug(ctx, input.slug);
  const contact = ws ? await contactByEmail(ctx.database.db, ws.id, email) : undefined;
  const usable =
    contact?.password_hash?.startsWith("scrypt$") &&
    contact.portal_access !== "none" &&
    contact.email_verified_at !== null
      ? contact.password_hash
      : undefined;
  // Unknown, without access or a password: the same scrypt all the same.
  const ok =
    (await verifyPassword(
      input.password,
      usable ?? (await dummyPasswordHash(ctx.config.passwordHashCost)),
    )) && usable !== undefined;
  if (!ws || !contact || !ok) {
    await throttle.failed();
    throw badCredentials();
  }
  await throttle.succeeded();
  return startSession(ctx, ws, contact);
}

export async function requireWorkspace(ctx: AppContext, slug: string): Promise<Workspace> {
  const ws = await findWorkspaceBySlug(ctx, slug);
  if (!ws) throw notFound("No such portal.");
  return ws;
}

export const linkUrl = (ctx: AppContext, ws: Workspace, path: string, token: string) =>
  portalUrl(ctx.config, ws, `/${path}/${token}`);

/** Asks for a sign-in link by email. Answers the same whether or not the address is known. */
export async function requestMagicLink(
  ctx: AppContext,
  input: { slug: string; email: string; ip: string },
): Promise<void> {
  const email = emailOf(input.email);
  await throttleRequest(ctx, "magic-link", input.slug, email, input.ip);
  afterAnswer(ctx, "a sign-in link", async () => {
    const ws = await findWorkspaceBySlug(ctx, input.slug);
    if (!ws) return;
    await sendMagicLink(ctx, ws, email, false);
  });
}

export const sendMagicLink = (ctx: AppContext, ws: Workspace, email: string, alreadyRegistered: boolean) =>
  sendAccountLink(ctx, ws, email, "magic_link", { alreadyRegistered });

const ACCOUNT_LINKS = {
  magic_link: { kind: "customer_magic_link", path: "link" },
  password_reset: { kind: "customer_password_reset", path: "reset" },
} as const;

/**
 * A one-time link by email to a contact of the workspace who may use the portal (nobody else
 * gets one): the token and its email in one transaction.
 */
export async function sendAccountLink(
  ctx: AppContext,
  ws: Workspace,
  email: string,
  purpose: keyof typeof ACCOUNT_LINKS,
  extra: { alreadyRegistered?: boolean } = {},
) {
  const { kind, path } = ACCOUNT_LINKS[purpose];
  await ctx.database.db.transaction().execute(async (tx) => {
    const contact = await contactByEmail(tx, ws.id, email);
    if (!contact || contact.portal_access === "none") return;
    const { token } = await issueCustomerToken(ctx, tx, {
      workspaceId: ws.id,
      contactId: contact.id,
      purpose,
    });
    await enqueueEmail(ctx, tx, {
      ws,
      kind,
      audience: "customer",
      to: [{ address: contact.email, name: contact.name }],
      params: {
        brand: brandingOf(ws),
        name: contact.name,
        url: linkUrl(ctx, ws, path, token),
        expiresMinutes: CUSTOMER_TOKEN_TTL_MS[purpose] / 60_000,
        ...extra,
      },
      autoSubmitted: true,
    } as Parameters<typeof enqueueEmail>[2]);
  });
}

/** Who a link is for, while it works (the page showing its button or form); 404 otherwise. */
export async function findCustomerLink(
  ctx: AppContext,
  slug: string,
  token: unknown,
  purpose: "invite" | "magic_link" | "password_reset" | "verify_email",
): Promise<{ name: string; email: string; expiresAt: string }> {
  const t = await peekCustomerToken(ctx, ctx.database.db, slug, token, purpose);
  const contact = t ? await contactById(ctx.database.db, t.workspaceId, t.contactId) : undefined;
  // Without access no link works, but a new account's confirmation (whose access starts then);
  // an address whose access was withdrawn is not let back in by it either.
  const withdrawn =
    contact?.portal_access === "none" && (purpose !== "verify_email" || contact.email_verified_at !== null);
  if (!t || !contact || withdrawn) throw linkGone();
  return { name: contact.name, email: contact.email, expiresAt: t.expiresAt };
}

/** Uses a magic link: signs the contact in. */
export async function signInWithLink(
  ctx: AppContext,
  input: { slug: string; token: unknown },
): Promise<CustomerSignedIn> {
  const { ws, contact } = await ctx.database.db.transaction().execute(async (tx) => {
    const t = await consumeCustomerToken(ctx, tx, input.slug, input.token, "magic_link");
    const contact = t ? await contactById(tx, t.workspaceId, t.contactId) : undefined;
    if (!t || !contact || contact.portal_access === "none") throw linkGone();
    await addressProven(ctx, tx, t.workspaceId, contact);
    return { ws: { id: t.workspaceId, slug: input.slug }, contact };
  });
  return startSession(ctx, ws, contact);
}

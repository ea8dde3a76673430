import { contactsWritableBy } from "../contacts/contact.access.ts";
import { findOrCreateContact } from "../contacts/contact.service.ts";
import { type AppContext, nowIso } from "../context.ts";
import { enqueueEmail } from "../email/outbox.ts";
import { AppError, type FieldErrors } from "../errors.ts";
import { addressBucket } from "../lib/client-address.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import {
  accountKey,
  actorIn,
  addressProven,
  afterAnswer,
  type CustomerSignedIn,
  contactByEmail,
  contactById,
  linkGone,
  linkUrl,
  requireWorkspace,
  sendMagicLink,
  startSession,
  throttleRequest,
} from "./customer-accounts.ts";
import {
  CUSTOMER_TOKEN_TTL_MS,
  consumeCustomerToken,
  issueCustomerToken,
  peekCustomerToken,
} from "./customer-tokens.ts";
import { checkPassword, fieldsRefused, hashPassword, verifyPassword } from "./passwords.ts";
import { signInThrottle } from "./sign-in-throttle.ts";

// Customers registering on a portal that takes registrations ('public' or 'account'; not
// 'invited'), and confirming their address. See customer-accounts.ts for what they share.

// --- registering --------------------------------------------------------------------------------

/** Whether the portal takes registrations: not when only invited contacts may use it. */
export const registrationOpen = (ws: Pick<Workspace, "portal_access">) => ws.portal_access !== "invited";

const registrationClosed = () =>
  new AppError(
    404,
    "registration_closed",
    "This portal is for invited customers only. Ask the support team for access.",
  );

/**
 * Registers an account: checks the fields and answers at once; then, detached, keeps the chosen
 * password on the contact (new or existing, not yet verified) and emails a link to confirm the
 * address. The account works once the address is confirmed with that same password, so nobody
 * can register someone else's address with a password of their own. An address with an account
 * already gets a sign-in link instead; one whose access an agent withdrew gets nothing.
 */
export async function registerCustomer(
  ctx: AppContext,
  input: { slug: string; name: string; email: string; password: string; ip: string },
): Promise<void> {
  const ws = await requireWorkspace(ctx, input.slug);
  if (!registrationOpen(ws)) throw registrationClosed();
  const fields: FieldErrors = {};
  const name = input.name.trim();
  const email = normalizeEmail(input.email);
  if (!name) fields.name = "is required";
  if (!email) fields.email = "must be a valid email address";
  const problem = checkPassword(input.password);
  if (problem) fields.password = problem;
  if (Object.keys(fields).length) throw fieldsRefused(fields);
  await throttleRequest(ctx, "register", input.slug, email as string, input.ip);
  afterAnswer(ctx, "a registration", async () => {
    const hash = await hashPassword(input.password, ctx.config.passwordHashCost);
    const existing = await contactByEmail(ctx.database.db, ws.id, email as string);
    if (existing?.email_verified_at && existing.portal_access !== "none") {
      await sendMagicLink(ctx, ws, email as string, true);
      return;
    }
    if (existing?.email_verified_at) return;
    await ctx.database.db.transaction().execute(async (tx) => {
      const c = await findOrCreateContact(ctx, tx, {
        workspaceId: ws.id,
        email: input.email.trim(),
        emailNormalized: email as string,
        name,
      });
      await contactsWritableBy(tx, actorIn(ws.id))
        .set({ password_hash: hash, updated_at: nowIso(ctx) })
        .where("contacts.id", "=", c.id)
        .where("contacts.email_verified_at", "is", null)
        .execute();
      const { token } = await issueCustomerToken(ctx, tx, {
        workspaceId: ws.id,
        contactId: c.id,
        purpose: "verify_email",
      });
      await enqueueEmail(ctx, tx, {
        ws,
        kind: "customer_verify_email",
        audience: "customer",
        to: [{ address: input.email.trim(), name }],
        params: {
          brand: brandingOf(ws),
          name,
          url: linkUrl(ctx, ws, "verify", token),
          expiresHours: CUSTOMER_TOKEN_TTL_MS.verify_email / 3600_000,
        },
        autoSubmitted: true,
      });
    });
  });
}

/** Confirms a registration's address with its password: the account works from now, signed in. */
export async function verifyCustomerEmail(
  ctx: AppContext,
  input: { slug: string; token: unknown; password: string; ip: string },
): Promise<CustomerSignedIn> {
  const t = await peekCustomerToken(ctx, ctx.database.db, input.slug, input.token, "verify_email");
  const contact = t ? await contactById(ctx.database.db, t.workspaceId, t.contactId) : undefined;
  if (!t || !contact || (contact.portal_access === "none" && contact.email_verified_at !== null))
    throw linkGone();
  const throttle = signInThrottle(ctx, {
    account: accountKey(input.slug, contact.email_normalized),
    address: addressBucket(input.ip),
  });
  await throttle.check();
  const stored = contact.password_hash?.startsWith("scrypt$") ? contact.password_hash : undefined;
  if (!stored || !(await verifyPassword(input.password, stored))) {
    await throttle.failed();
    throw fieldsRefused({ password: "is not the password you chose when you registered" });
  }
  const ws = { id: t.workspaceId, slug: input.slug };
  await ctx.database.db.transaction().execute(async (tx) => {
    const used = await consumeCustomerToken(ctx, tx, input.slug, input.token, "verify_email");
    if (!used) throw linkGone();
    if (contact.portal_access === "none") {
      await contactsWritableBy(tx, actorIn(ws.id))
        .set({ portal_access: "own" })
        .where("contacts.id", "=", contact.id)
        .where("contacts.portal_access", "=", "none")
        .execute();
    }
    await addressProven(ctx, tx, ws.id, contact);
  });
  return startSession(ctx, ws, contact);
}

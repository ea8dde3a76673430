import { contactsWritableBy } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { nowIso } from "../context.ts";
import { findWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import {
  actorIn,
  addressProven,
  afterAnswer,
  type CustomerSignedIn,
  contactById,
  emailOf,
  linkGone,
  revokeContactSessions,
  sendAccountLink,
  startSession,
  throttleRequest,
} from "./customer-accounts.ts";
import { consumeCustomerToken, peekCustomerToken } from "./customer-tokens.ts";
import { checkPassword, fieldsRefused, hashPassword } from "./passwords.ts";

// A customer's password: asking for a reset link (answered the same whether or not the address
// has an account, the email sent after the answer: customer-accounts.ts), and setting a password
// from a link, a reset's or an accepted invitation's.

/** Asks for a reset link by email. Answers the same whether or not the address is known. */
export async function requestPasswordReset(
  ctx: AppContext,
  input: { slug: string; email: string; ip: string },
): Promise<void> {
  const email = emailOf(input.email);
  await throttleRequest(ctx, "reset", input.slug, email, input.ip);
  afterAnswer(ctx, "a password reset", async () => {
    const ws = await findWorkspaceBySlug(ctx, input.slug);
    if (!ws) return;
    await sendAccountLink(ctx, ws, email, "password_reset");
  });
}

function checkedPassword(password: string): void {
  const problem = checkPassword(password);
  if (problem) throw fieldsRefused({ password: problem });
}

/**
 * Sets a password from a link (a reset, or an accepted invitation): the link is used up, the
 * address proven, every other session of the contact ended, and this browser signed in.
 */
async function setPasswordFromLink(
  ctx: AppContext,
  input: { slug: string; token: unknown; password: string },
  purpose: "password_reset" | "invite",
): Promise<CustomerSignedIn> {
  if (!(await peekCustomerToken(ctx, ctx.database.db, input.slug, input.token, purpose))) throw linkGone();
  checkedPassword(input.password);
  const hash = await hashPassword(input.password, ctx.config.passwordHashCost);
  const { ws, contact } = await ctx.database.db.transaction().execute(async (tx) => {
    const t = await consumeCustomerToken(ctx, tx, input.slug, input.token, purpose);
    const contact = t ? await contactById(tx, t.workspaceId, t.contactId) : undefined;
    if (!t || !contact || contact.portal_access === "none") throw linkGone();
    await contactsWritableBy(tx, actorIn(t.workspaceId))
      .set({ password_hash: hash, updated_at: nowIso(ctx) })
      .where("contacts.id", "=", contact.id)
      .execute();
    await addressProven(ctx, tx, t.workspaceId, contact);
    await revokeContactSessions(ctx, tx, contact.id);
    return { ws: { id: t.workspaceId, slug: input.slug }, contact };
  });
  return startSession(ctx, ws, contact);
}

export const confirmPasswordReset = (
  ctx: AppContext,
  input: { slug: string; token: unknown; password: string },
) => setPasswordFromLink(ctx, input, "password_reset");

export const acceptCustomerInvitation = (
  ctx: AppContext,
  input: { slug: string; token: unknown; password: string },
) => setPasswordFromLink(ctx, input, "invite");

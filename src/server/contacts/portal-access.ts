import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { revokeContactSessions } from "../auth/customer-accounts.ts";
import { CUSTOMER_TOKEN_TTL_MS, issueCustomerToken, retireCustomerTokens } from "../auth/customer-tokens.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { PortalAccess, Tx } from "../db/schema.ts";
import { enqueueEmail } from "../email/outbox.ts";
import { conflict, notFound, validationFailed } from "../errors.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";
import { contactsVisibleTo, contactsWritableBy } from "./contact.access.ts";

// What a contact may reach on the signed-in portal, as agents decide it: nothing, their own
// requests, or everything of their company (the company's manager). Withdrawing access signs the
// contact out everywhere at once and retires their unused links; the gate also checks the access
// on every request. An invitation emails a link to choose a password (valid 7 days); sending it
// again retires the earlier link.

export const PORTAL_ACCESS_LEVELS = ["none", "own", "company"] as const;

export interface PortalAccessView {
  access: PortalAccess;
  /** Has chosen a password and proven the address: can sign in with it. */
  hasAccount: boolean;
  lastSignInAt: string | null;
  /** The latest invitation still waiting to be accepted. */
  invitation: { sentAt: string; expiresAt: string } | null;
}

async function contactRow(db: Tx, actor: AgentActor, contactId: string) {
  const c = await contactsVisibleTo(db, actor)
    .select([
      "contacts.id",
      "contacts.name",
      "contacts.email",
      "contacts.company_id",
      "contacts.portal_access",
      "contacts.password_hash",
      "contacts.email_verified_at",
      "contacts.last_sign_in_at",
      "contacts.erased_at",
    ])
    .where("contacts.id", "=", contactId)
    .executeTakeFirst();
  if (!c) throw notFound("No such contact.");
  return c;
}

/** An erased contact has no address to invite and no account to open (lifecycle/contact-erase.ts). */
function refuseErased(c: { erased_at: string | null }) {
  if (c.erased_at)
    throw conflict("contact_erased", "This contact was erased: they cannot be given portal access.");
}

export async function getPortalAccess(
  ctx: AppContext,
  actor: AgentActor,
  contactId: string,
): Promise<PortalAccessView> {
  const c = await contactRow(ctx.database.db, actor, contactId);
  const invite = await ctx.database.db
    .selectFrom("customer_tokens")
    .select(["created_at", "expires_at"])
    .where("workspace_id", "=", actor.workspaceId)
    .where("contact_id", "=", c.id)
    .where("purpose", "=", "invite")
    .where("used_at", "is", null)
    .where("expires_at", ">", nowIso(ctx))
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return {
    access: c.portal_access as PortalAccess,
    hasAccount: Boolean(c.password_hash?.startsWith("scrypt$") && c.email_verified_at),
    lastSignInAt: c.last_sign_in_at,
    invitation: invite ? { sentAt: invite.created_at, expiresAt: invite.expires_at } : null,
  };
}

export async function setPortalAccess(
  ctx: AppContext,
  actor: AgentActor,
  contactId: string,
  access: PortalAccess,
): Promise<PortalAccessView> {
  if (!PORTAL_ACCESS_LEVELS.includes(access))
    throw validationFailed({ access: "must be none, own or company" });
  await ctx.database.db.transaction().execute(async (tx) => {
    const c = await contactRow(tx, actor, contactId);
    if (access !== "none") refuseErased(c);
    if (access === "company" && c.company_id === null) {
      throw validationFailed({ access: "needs the contact to belong to a company first" });
    }
    await contactsWritableBy(tx, actor)
      .set({ portal_access: access, updated_at: nowIso(ctx) })
      .where("contacts.id", "=", c.id)
      .execute();
    if (access === "none") {
      await revokeContactSessions(ctx, tx, c.id);
      await retireCustomerTokens(ctx, tx, c.id);
    }
    await recordAudit(ctx, tx, actor, {
      action: "contact.portal_access",
      target: { type: "contact", id: c.id },
      summary: `Portal access: ${c.portal_access} → ${access}`,
      details: { from: c.portal_access, to: access },
    });
  });
  return getPortalAccess(ctx, actor, contactId);
}

/**
 * Invites a contact to the portal, or again: access becomes 'own' when it was 'none', and an
 * email brings a new link to choose a password (older links stop working).
 */
export async function inviteContact(
  ctx: AppContext,
  actor: AgentActor,
  contactId: string,
): Promise<PortalAccessView> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const c = await contactRow(tx, actor, contactId);
    refuseErased(c);
    if (c.portal_access === "none") {
      await contactsWritableBy(tx, actor)
        .set({ portal_access: "own", updated_at: nowIso(ctx) })
        .where("contacts.id", "=", c.id)
        .execute();
    }
    const ws = await tx
      .selectFrom("workspaces")
      .selectAll()
      .where("id", "=", actor.workspaceId)
      .executeTakeFirstOrThrow();
    const inviter = await tx
      .selectFrom("agents")
      .select("name")
      .where("id", "=", actor.agentId)
      .executeTakeFirst();
    await recordAudit(ctx, tx, actor, {
      action: "contact.invited",
      target: { type: "contact", id: c.id },
      summary: "Invited to the portal",
    });
    const { token } = await issueCustomerToken(ctx, tx, {
      workspaceId: ws.id,
      contactId: c.id,
      purpose: "invite",
    });
    await enqueueEmail(ctx, tx, {
      ws,
      kind: "customer_invitation",
      audience: "customer",
      to: [{ address: c.email, name: c.name }],
      params: {
        brand: brandingOf(ws),
        name: c.name,
        invitedBy: inviter?.name ?? null,
        url: portalUrl(ctx.config, ws, `/invitation/${token}`),
        expiresDays: CUSTOMER_TOKEN_TTL_MS.invite / 86400_000,
      },
      autoSubmitted: true,
    });
  });
  return getPortalAccess(ctx, actor, contactId);
}

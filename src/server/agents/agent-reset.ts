import type { AgentActor } from "../actors.ts";
import { checkPassword, fieldsRefused, hashPassword } from "../auth/passwords.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import type { EmailSpec } from "../email/outbox.ts";
import { absoluteUrl, enqueueEmail } from "../email/outbox.ts";
import { AppError, conflict, forbidden, notFound } from "../errors.ts";
import { addressBucket } from "../lib/client-address.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { INVITATION_TTL_DAYS, NO_PASSWORD_YET, openAgentLink, useAgentLink } from "./agent.service.ts";

// Agents' one-time links beyond the first invitation: "Forgot password?" on the sign-in page, an
// admin's "Send a reset link", and an invitation sent again. They live in agent_invitations with
// their purpose ('password_reset' links open /app/reset only, 'invite' ones /app/invite only); a
// new link of a purpose retires the agent's older unused ones. Asking for a reset answers the
// same whether or not the address is an agent's: the lookup and the email happen after the answer.

export const RESET_TTL_MS = 3600_000;
const REQUESTS_PER_ACCOUNT = 5;
const REQUESTS_PER_ADDRESS = 30;
const WINDOW_MS = 3600_000;

type Purpose = "invite" | "password_reset";

async function issueAgentLink(
  ctx: AppContext,
  tx: Tx,
  agent: { id: string; workspace_id: string },
  purpose: Purpose,
): Promise<string> {
  const now = ctx.now();
  await tx
    .updateTable("agent_invitations")
    .set({ used_at: now.toISOString() })
    .where("agent_id", "=", agent.id)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .execute();
  const token = newToken();
  const ttl = purpose === "invite" ? INVITATION_TTL_DAYS * 86400_000 : RESET_TTL_MS;
  await tx
    .insertInto("agent_invitations")
    .values({
      token_hash: hashToken(token),
      workspace_id: agent.workspace_id,
      agent_id: agent.id,
      purpose,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttl).toISOString(),
      used_at: null,
    })
    .execute();
  return token;
}

async function emailReset(
  ctx: AppContext,
  tx: Tx,
  agent: { id: string; workspace_id: string; email: string; name: string },
  sentBy: string | null,
) {
  const ws = await tx
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", agent.workspace_id)
    .executeTakeFirstOrThrow();
  const token = await issueAgentLink(ctx, tx, agent, "password_reset");
  const spec: EmailSpec = {
    ws,
    kind: "agent_password_reset",
    audience: "agent",
    to: [{ address: agent.email, name: agent.name }],
    params: {
      brand: brandingOf(ws),
      agentName: agent.name,
      url: absoluteUrl(ctx, `/app/reset/${token}`),
      expiresMinutes: RESET_TTL_MS / 60_000,
      sentBy,
    },
    autoSubmitted: true,
  };
  await enqueueEmail(ctx, tx, spec);
}

const pending = new Set<Promise<void>>();

/** Waits for the resets asked for so far to be written (tests). */
export async function agentResetsSettled(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

/** "Forgot password?": throttled, then answered at once; a known active agent gets the link. */
export async function requestAgentPasswordReset(
  ctx: AppContext,
  input: { workspace: string; email: string; ip: string },
): Promise<void> {
  const email = normalizeEmail(input.email) ?? input.email.trim().toLowerCase();
  const refuse = (s: number) =>
    new AppError(429, "rate_limited", "Too many requests. Wait a while and try again.", {
      headers: { "retry-after": String(Math.max(1, Math.ceil(s))) },
    });
  const byClient = await ctx.limiter.consume(
    `agent-reset:address:${addressBucket(input.ip)}`,
    REQUESTS_PER_ADDRESS,
    WINDOW_MS,
  );
  if (!byClient.allowed) throw refuse(byClient.retryAfterSeconds);
  const byAccount = await ctx.limiter.consume(
    `agent-reset:account:${JSON.stringify([input.workspace, email])}`,
    REQUESTS_PER_ACCOUNT,
    WINDOW_MS,
  );
  if (!byAccount.allowed) throw refuse(byAccount.retryAfterSeconds);
  const p = new Promise<void>((resolve) => setImmediate(resolve))
    .then(async () => {
      const ws = await findWorkspaceBySlug(ctx, input.workspace);
      if (!ws) return;
      await ctx.database.db.transaction().execute(async (tx) => {
        const agent = await tx
          .selectFrom("agents")
          .select(["id", "workspace_id", "email", "name"])
          .where("workspace_id", "=", ws.id)
          .where("email_normalized", "=", email)
          .where("active", "=", true)
          .executeTakeFirst();
        if (agent) await emailReset(ctx, tx, agent, null);
      });
    })
    .catch((err) => ctx.log.error({ err }, "an agent's password reset failed"))
    .finally(() => pending.delete(p));
  pending.add(p);
}

export interface AgentReset {
  agentName: string;
  email: string;
  workspace: { slug: string; name: string };
}

const resetGone = () =>
  new AppError(
    404,
    "link_not_valid",
    "This link does not work any more. Ask for a new one on the sign-in page.",
  );

export async function findAgentReset(ctx: AppContext, token: unknown): Promise<AgentReset> {
  const row = await openAgentLink(ctx, ctx.database.db, token, "password_reset");
  if (!row) throw resetGone();
  return { agentName: row.name, email: row.email, workspace: { slug: row.slug, name: row.ws_name } };
}

/** Sets the new password; the link works once, and every session of the agent ends. */
export async function completeAgentReset(
  ctx: AppContext,
  token: unknown,
  password: string,
): Promise<AgentReset> {
  if (!(await openAgentLink(ctx, ctx.database.db, token, "password_reset"))) throw resetGone();
  const problem = checkPassword(password);
  if (problem) throw fieldsRefused({ password: problem });
  const hash = await hashPassword(password, ctx.config.passwordHashCost);
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await openAgentLink(ctx, tx, token, "password_reset");
    if (!row || !(await useAgentLink(tx, row, hash, nowIso(ctx)))) throw resetGone();
    await tx.deleteFrom("agent_sessions").where("agent_id", "=", row.agent_id).execute();
    return { agentName: row.name, email: row.email, workspace: { slug: row.slug, name: row.ws_name } };
  });
}

async function agentOfWorkspace(tx: Tx, admin: AgentActor, agentId: string) {
  if (admin.role !== "admin") throw forbidden("Only admins send these links.");
  const agent = await tx
    .selectFrom("agents")
    .select(["id", "workspace_id", "email", "name", "active", "password_hash"])
    .where("workspace_id", "=", admin.workspaceId)
    .where("id", "=", agentId)
    .executeTakeFirst();
  if (!agent) throw notFound("No such agent.");
  if (!agent.active) throw conflict("agent_inactive", "Reactivate the agent first.");
  return agent;
}

/** An admin's "Send a reset link". */
export async function sendAgentResetLink(ctx: AppContext, admin: AgentActor, agentId: string): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const agent = await agentOfWorkspace(tx, admin, agentId);
    const me = await tx
      .selectFrom("agents")
      .select("name")
      .where("id", "=", admin.agentId)
      .executeTakeFirst();
    await emailReset(ctx, tx, agent, me?.name ?? null);
  });
}

/** An admin's "Resend invitation": for an agent still without a password. */
export async function resendAgentInvitation(
  ctx: AppContext,
  admin: AgentActor,
  agentId: string,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const agent = await agentOfWorkspace(tx, admin, agentId);
    if (agent.password_hash !== NO_PASSWORD_YET) {
      throw conflict(
        "already_accepted",
        "This agent has chosen a password already. Send a reset link instead.",
      );
    }
    const ws = await tx
      .selectFrom("workspaces")
      .selectAll()
      .where("id", "=", admin.workspaceId)
      .executeTakeFirstOrThrow();
    const me = await tx
      .selectFrom("agents")
      .select("name")
      .where("id", "=", admin.agentId)
      .executeTakeFirst();
    const token = await issueAgentLink(ctx, tx, agent, "invite");
    await enqueueEmail(ctx, tx, {
      ws,
      kind: "agent_invitation",
      audience: "agent",
      to: [{ address: agent.email, name: agent.name }],
      params: {
        brand: brandingOf(ws),
        agentName: agent.name,
        invitedBy: me?.name ?? null,
        url: absoluteUrl(ctx, `/app/invite?t=${token}`),
        choosePassword: true,
        expiresDays: INVITATION_TTL_DAYS,
      },
      autoSubmitted: true,
    });
  });
}

/** The agents of the workspace still to accept their invitation (for the settings page). */
export async function pendingInvitations(ctx: AppContext, actor: AgentActor): Promise<Set<string>> {
  const rows = await ctx.database.db
    .selectFrom("agents")
    .select("id")
    .where("workspace_id", "=", actor.workspaceId)
    .where("password_hash", "=", NO_PASSWORD_YET)
    .execute();
  return new Set(rows.map((r) => r.id));
}

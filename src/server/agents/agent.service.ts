import type { Insertable } from "kysely";
import type { AgentActor, WorkspaceSystemActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { checkPassword, fieldsRefused, hashPassword } from "../auth/passwords.ts";
import { hashToken, looksLikeToken, newToken } from "../auth/tokens.ts";
import { type AppContext, nowIso } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { AgentTable, Tx } from "../db/schema.ts";
import { absoluteUrl, enqueueEmail } from "../email/outbox.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";

export type AgentRole = "admin" | "agent";

export interface AgentView {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  active: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export const agentView = (
  a: Pick<AgentTable, "id" | "email" | "name" | "role" | "active" | "last_login_at" | "created_at">,
): AgentView => ({
  id: a.id,
  email: a.email,
  name: a.name,
  role: a.role,
  active: Boolean(a.active),
  lastLoginAt: a.last_login_at,
  createdAt: a.created_at,
});

/** The only way agent rows are read: always within the caller's workspace. */
export function agentsVisibleTo(ctx: AppContext, actor: AgentActor) {
  return ctx.database.db.selectFrom("agents").where("agents.workspace_id", "=", actor.workspaceId);
}

export interface NewAgent {
  email: string;
  name: string;
  role: AgentRole;
  /** Left out or empty: the agent is invited by email to choose one. */
  password?: string | undefined;
}

/** Stored for an invited agent until they choose a password: it verifies against nothing. */
export const NO_PASSWORD_YET = "!invited";
export const INVITATION_TTL_DAYS = 7;

/** The field errors of a new agent, or null; nothing is written. */
export function checkNewAgent(input: NewAgent): Record<string, string> | null {
  const fields: Record<string, string> = {};
  const pwError = input.password ? checkPassword(input.password) : null;
  if (pwError) fields.password = pwError;
  if (!input.name.trim()) fields.name = "is required";
  if (!normalizeEmail(input.email)) fields.email = "must be a valid email address";
  return Object.keys(fields).length ? fields : null;
}

/** Inserts a checked agent inside the caller's transaction. */
export async function insertAgent(
  ctx: AppContext,
  tx: Tx,
  workspaceId: string,
  input: NewAgent,
  /** Hashed already (before a transaction, since scrypt is slow); else input.password is hashed here. */
  passwordHash?: string,
): Promise<AgentView> {
  const fields = checkNewAgent(input);
  if (fields) throw fieldsRefused(fields);
  const now = nowIso(ctx);
  const row = {
    id: newId(),
    workspace_id: workspaceId,
    email: input.email.trim(),
    email_normalized: normalizeEmail(input.email) as string,
    name: input.name.trim(),
    role: input.role,
    password_hash:
      passwordHash ??
      (input.password ? await hashPassword(input.password, ctx.config.passwordHashCost) : NO_PASSWORD_YET),
    active: true,
    last_login_at: null,
    capacity: null,
    time_zone: null,
    created_at: now,
    updated_at: now,
  } satisfies Insertable<AgentTable>;
  try {
    await tx.insertInto("agents").values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw conflict("agent_exists", "An agent with that email is already in this workspace.", {
        email: "is already an agent here",
      });
    }
    throw err;
  }
  return agentView(row);
}

/** Admins add agents to their workspace; the CLI (system) adds them to the workspace it names. */
export async function addAgent(
  ctx: AppContext,
  actor: AgentActor | WorkspaceSystemActor,
  input: NewAgent,
): Promise<AgentView> {
  if (actor.kind === "agent" && actor.role !== "admin") throw forbidden("Only admins add agents.");
  const fields = checkNewAgent(input);
  if (fields) throw fieldsRefused(fields);
  // Hashed before the transaction: scrypt is slow, and the writer should not wait on it.
  const passwordHash = input.password
    ? await hashPassword(input.password, ctx.config.passwordHashCost)
    : null;
  return ctx.database.db.transaction().execute(async (tx) => {
    const agent = await insertAgent(ctx, tx, actor.workspaceId, input, passwordHash ?? NO_PASSWORD_YET);
    const ws = await tx
      .selectFrom("workspaces")
      .selectAll()
      .where("id", "=", actor.workspaceId)
      .executeTakeFirstOrThrow();
    const inviter =
      actor.kind === "agent"
        ? await tx.selectFrom("agents").select("name").where("id", "=", actor.agentId).executeTakeFirst()
        : undefined;
    let url = absoluteUrl(ctx, "/app/sign-in");
    if (!passwordHash) {
      const token = newToken();
      const now = ctx.now();
      await tx
        .insertInto("agent_invitations")
        .values({
          token_hash: hashToken(token),
          workspace_id: ws.id,
          agent_id: agent.id,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * 86400_000).toISOString(),
          used_at: null,
        })
        .execute();
      url = absoluteUrl(ctx, `/app/invite?t=${token}`);
    }
    await enqueueEmail(ctx, tx, {
      ws,
      kind: "agent_invitation",
      audience: "agent",
      to: [{ address: agent.email, name: agent.name }],
      params: {
        brand: brandingOf(ws),
        agentName: agent.name,
        invitedBy: inviter?.name ?? null,
        url,
        choosePassword: !passwordHash,
        expiresDays: INVITATION_TTL_DAYS,
      },
      autoSubmitted: true,
    });
    if (actor.kind === "agent") {
      await recordAudit(ctx, tx, actor, {
        action: passwordHash ? "agent.added" : "agent.invited",
        target: { type: "agent", id: agent.id },
        summary: `${passwordHash ? "Added" : "Invited"} ${agent.name} <${agent.email}> as ${agent.role}`,
        details: { name: agent.name, email: agent.email, role: agent.role },
      });
    }
    return agent;
  });
}

export interface Invitation {
  agentName: string;
  email: string;
  workspace: { slug: string; name: string };
}

/**
 * An agent's one-time link of a purpose (an invitation, or a password reset, agent-reset.ts):
 * open while unused and unexpired, for an active agent. A reset's link never opens /app/invite.
 */
export function openAgentLink(ctx: AppContext, db: Tx, token: unknown, purpose: "invite" | "password_reset") {
  if (!looksLikeToken(token)) return Promise.resolve(undefined);
  return db
    .selectFrom("agent_invitations as i")
    .innerJoin("agents as a", "a.id", "i.agent_id")
    .innerJoin("workspaces as w", "w.id", "i.workspace_id")
    .select(["i.token_hash", "a.id as agent_id", "a.name", "a.email", "w.slug", "w.name as ws_name"])
    .where("i.token_hash", "=", hashToken(token))
    .where("i.purpose", "=", purpose)
    .where("i.used_at", "is", null)
    .where("i.expires_at", ">", ctx.now().toISOString())
    .where("a.active", "=", true)
    .executeTakeFirst();
}

/** Uses an open link up and sets its agent's password; false when it was used meanwhile. */
export async function useAgentLink(
  tx: Tx,
  link: { token_hash: string; agent_id: string },
  passwordHash: string,
  now: string,
): Promise<boolean> {
  const used = await tx
    .updateTable("agent_invitations")
    .set({ used_at: now })
    .where("token_hash", "=", link.token_hash)
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) return false;
  await tx
    .updateTable("agents")
    .set({ password_hash: passwordHash, updated_at: now })
    .where("id", "=", link.agent_id)
    .execute();
  return true;
}

const invitationGone = () =>
  notFound("This invitation link is not valid any more. Ask an admin of your team to invite you again.");

/** Who an invitation link is for; the same 404 for a wrong, used or expired link. */
export async function findInvitation(ctx: AppContext, token: unknown): Promise<Invitation> {
  const row = await openAgentLink(ctx, ctx.database.db, token, "invite");
  if (!row) throw invitationGone();
  return { agentName: row.name, email: row.email, workspace: { slug: row.slug, name: row.ws_name } };
}

/** Sets the invited agent's password; the link works once. */
export async function acceptInvitation(
  ctx: AppContext,
  token: unknown,
  password: string,
): Promise<Invitation> {
  const pwError = checkPassword(password);
  if (pwError) throw fieldsRefused({ password: pwError });
  const hash = await hashPassword(password, ctx.config.passwordHashCost);
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await openAgentLink(ctx, tx, token, "invite");
    if (!row || !(await useAgentLink(tx, row, hash, ctx.now().toISOString()))) throw invitationGone();
    return { agentName: row.name, email: row.email, workspace: { slug: row.slug, name: row.ws_name } };
  });
}

export async function listAgents(ctx: AppContext, actor: AgentActor): Promise<AgentView[]> {
  const rows = await agentsVisibleTo(ctx, actor).selectAll().orderBy("name").orderBy("id").execute();
  return rows.map(agentView);
}

export async function setAgentActive(
  ctx: AppContext,
  actor: AgentActor,
  agentId: string,
  active: boolean,
): Promise<AgentView> {
  if (actor.role !== "admin") throw forbidden("Only admins change agents.");
  if (agentId === actor.agentId && !active) {
    throw conflict("cannot_deactivate_self", "You cannot deactivate yourself.");
  }
  return ctx.database.db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable("agents")
      .set({ active, updated_at: nowIso(ctx) })
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", agentId)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw notFound("No such agent.");
    // A deactivated agent is signed out everywhere at once.
    if (!active) await tx.deleteFrom("agent_sessions").where("agent_id", "=", agentId).execute();
    await recordAudit(ctx, tx, actor, {
      action: active ? "agent.activated" : "agent.deactivated",
      target: { type: "agent", id: agentId },
      summary: `${active ? "Activated" : "Deactivated"} ${updated.name} <${updated.email}>`,
    });
    return agentView(updated);
  });
}

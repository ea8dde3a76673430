import { createHash } from "node:crypto";
import type { AgentActor } from "../actors.ts";
import { type AgentView, agentView } from "../agents/agent.service.ts";
import { type AppContext, nowIso } from "../context.ts";
import { AppError } from "../errors.ts";
import { addressBucket } from "../lib/client-address.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { findWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { dummyPasswordHash, verifyPassword } from "./passwords.ts";
import { signInThrottle } from "./sign-in-throttle.ts";
import { hashToken, looksLikeToken, newToken } from "./tokens.ts";

// Sessions seen within this long are not written again on every request.
const TOUCH_INTERVAL_MS = 5 * 60_000;

export interface SignedIn {
  token: string;
  csrfToken: string;
  expiresAt: string;
  agent: AgentView;
  workspace: { id: string; slug: string; name: string };
}

/** The CSRF token is derived from the session token: nothing more to store, useless without the cookie. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`csrf:${sessionToken}`).digest("base64url");
}

const badCredentials = () =>
  new AppError(401, "invalid_credentials", "That email and password do not match.");

export async function signIn(
  ctx: AppContext,
  input: { workspace: string; email: string; password: string; ip: string; userAgent: string | undefined },
): Promise<SignedIn> {
  const email = normalizeEmail(input.email) ?? input.email.trim().toLowerCase();
  const { config } = ctx;
  const throttle = signInThrottle(ctx, {
    account: `agent:${JSON.stringify([input.workspace, email])}`,
    address: addressBucket(input.ip),
  });
  await throttle.check();

  const ws = await findWorkspaceBySlug(ctx, input.workspace);
  const agent = ws
    ? await ctx.database.db
        .selectFrom("agents")
        .selectAll()
        .where("workspace_id", "=", ws.id)
        .where("email_normalized", "=", email)
        .executeTakeFirst()
    : undefined;
  // An unknown account, or one still waiting for its invitation, costs a real hash all the same.
  const usable = agent?.password_hash.startsWith("scrypt$") ? agent.password_hash : undefined;
  const ok =
    (await verifyPassword(input.password, usable ?? (await dummyPasswordHash(config.passwordHashCost)))) &&
    usable !== undefined;
  if (!ws || !agent || !ok || !agent.active) {
    await throttle.failed();
    throw badCredentials();
  }
  await throttle.succeeded();

  const token = newToken();
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + config.sessionTtlHours * 3600_000).toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("agent_sessions")
      .values({
        id: hashToken(token),
        workspace_id: ws.id,
        agent_id: agent.id,
        ip: input.ip,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: expiresAt,
      })
      .execute();
    await tx
      .updateTable("agents")
      .set({ last_login_at: now.toISOString() })
      .where("id", "=", agent.id)
      .execute();
    // Expired sessions of this agent are cleared as a new one starts.
    await tx
      .deleteFrom("agent_sessions")
      .where("agent_id", "=", agent.id)
      .where("expires_at", "<", now.toISOString())
      .execute();
  });
  return {
    token,
    csrfToken: csrfTokenFor(token),
    expiresAt,
    agent: agentView({ ...agent, last_login_at: now.toISOString() }),
    workspace: { id: ws.id, slug: ws.slug, name: ws.name },
  };
}

export interface SessionInfo {
  actor: AgentActor;
  agent: AgentView;
  workspace: { id: string; slug: string; name: string };
  expiresAt: string;
}

/** The agent behind a session cookie, or null for a missing, unknown, expired or deactivated one. */
export async function resolveSession(ctx: AppContext, token: unknown): Promise<SessionInfo | null> {
  if (!looksLikeToken(token)) return null;
  const id = hashToken(token);
  const row = await ctx.database.db
    .selectFrom("agent_sessions as s")
    .innerJoin("agents as a", "a.id", "s.agent_id")
    .innerJoin("workspaces as w", "w.id", "s.workspace_id")
    .select([
      "s.expires_at",
      "s.last_seen_at",
      "a.id",
      "a.email",
      "a.name",
      "a.role",
      "a.active",
      "a.last_login_at",
      "a.created_at",
      "a.workspace_id",
      "w.slug as workspace_slug",
      "w.name as workspace_name",
    ])
    .where("s.id", "=", id)
    .executeTakeFirst();
  const now = ctx.now();
  if (!row?.active || row.expires_at <= now.toISOString()) return null;
  if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_INTERVAL_MS) {
    await ctx.database.db
      .updateTable("agent_sessions")
      .set({ last_seen_at: nowIso(ctx) })
      .where("id", "=", id)
      .execute();
  }
  return {
    actor: { kind: "agent", workspaceId: row.workspace_id, agentId: row.id, role: row.role },
    agent: agentView(row),
    workspace: { id: row.workspace_id, slug: row.workspace_slug, name: row.workspace_name },
    expiresAt: row.expires_at,
  };
}

export async function signOut(ctx: AppContext, token: string): Promise<void> {
  if (!looksLikeToken(token)) return;
  const id = hashToken(token);
  const row = await ctx.database.db
    .selectFrom("agent_sessions")
    .select("workspace_id")
    .where("id", "=", id)
    .executeTakeFirst();
  await ctx.database.db.deleteFrom("agent_sessions").where("id", "=", id).execute();
  // The session's live streams close, on every process.
  if (row) ctx.live.publish({ workspaceId: row.workspace_id, topic: "session", data: { ended: id } });
}

import { systemActor } from "../actors.ts";
import { agentView } from "../agents/agent.service.ts";
import type { SessionInfo } from "../auth/session.service.ts";
import { hashToken, looksLikeToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { apiKeysVisibleTo, apiKeysWritableBy } from "./api-key.access.ts";
import { API_KEY_PREFIX } from "./api-keys.ts";

// What the agents' gate does with `Authorization: Bearer ptk_…` on the JSON API: finds the key
// by its token's hash (acting for the system: nobody is known yet), and yields the session-shaped
// info the handlers read, with an agent's role and the key on the actor. A missing, unknown or
// revoked key, or one whose creator was deactivated, is the same 401.

/** Keys seen within this long are not written again (last_used_at is kept to the minute). */
const TOUCH_INTERVAL_MS = 60_000;
const RATE_WINDOW_MS = 60_000;
/** A key does not expire (it is revoked instead); the session-shaped info says so with this. */
const NO_EXPIRY = "9999-12-31T23:59:59.999Z";

const gateActor = systemActor("API key gate");

export const invalidApiKey = () =>
  new AppError(
    401,
    "invalid_api_key",
    "The API key is unknown or revoked, or its creator is no longer active.",
  );

/** The token of an `Authorization: Bearer …` header; undefined without one (a session's request). */
export function bearerTokenOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S*)\s*$/i.exec(header);
  return m ? (m[1] ?? "") : undefined;
}

/** The key behind a token as a session, or a 401; counts the request against the key's limit. */
export async function resolveApiKey(ctx: AppContext, token: string, ip: string): Promise<SessionInfo> {
  const secret = token.startsWith(API_KEY_PREFIX) ? token.slice(API_KEY_PREFIX.length) : "";
  if (!looksLikeToken(secret)) throw invalidApiKey();
  const row = await apiKeysVisibleTo(ctx.database.db, gateActor)
    .innerJoin("agents as a", (j) =>
      j
        .onRef("a.id", "=", "api_keys.created_by_agent_id")
        .onRef("a.workspace_id", "=", "api_keys.workspace_id"),
    )
    .innerJoin("workspaces as w", "w.id", "api_keys.workspace_id")
    .select([
      "api_keys.id as key_id",
      "api_keys.name as key_name",
      "api_keys.scope",
      "api_keys.revoked_at",
      "api_keys.last_used_at",
      "a.id",
      "a.email",
      "a.name",
      "a.active",
      "a.last_login_at",
      "a.created_at",
      "a.workspace_id",
      "w.slug as workspace_slug",
      "w.name as workspace_name",
    ])
    .where("api_keys.token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || !row.active) throw invalidApiKey();

  const limit = ctx.config.apiKeyRateLimitPerMinute;
  const decision = await ctx.limiter.consume(`api-key:${row.key_id}`, limit, RATE_WINDOW_MS);
  if (!decision.allowed) {
    throw new AppError(
      429,
      "api_key_rate_limited",
      `This API key made more than ${limit} requests in a minute. Wait and try again.`,
      { headers: { "retry-after": String(Math.max(1, Math.ceil(decision.retryAfterSeconds))) } },
    );
  }

  const now = ctx.now();
  if (
    row.last_used_at === null ||
    now.getTime() - new Date(row.last_used_at).getTime() >= TOUCH_INTERVAL_MS
  ) {
    await apiKeysWritableBy(ctx.database.db, gateActor)
      .set({ last_used_at: now.toISOString() })
      .where("id", "=", row.key_id)
      .execute();
  }
  const apiKey = { id: row.key_id, name: row.key_name, scope: row.scope };
  return {
    actor: { kind: "agent", workspaceId: row.workspace_id, agentId: row.id, role: "agent", ip, apiKey },
    // An agent's role here too, for the handlers that read it from the agent.
    agent: agentView({ ...row, role: "agent" }),
    workspace: { id: row.workspace_id, slug: row.workspace_slug, name: row.workspace_name },
    expiresAt: NO_EXPIRY,
  };
}

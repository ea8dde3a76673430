import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { apiKeysVisibleTo, apiKeysWritableBy, insertApiKey } from "./api-key.access.ts";
import type { ApiKeyView, CreateApiKeyBody, CreatedApiKey } from "./api-key.schemas.ts";

// An admin's API keys: created (the token shown once, only its SHA-256 kept), listed, revoked.
// Managing keys takes an admin's own session: a key acts with an agent's role, and is refused
// here by name besides, so no key can make or revoke another.

/** Every token starts so: easy to spot in a leaked file, and told apart from a session token. */
export const API_KEY_PREFIX = "ptk_";
/** How much of the token lists show: the prefix and 8 random characters. */
const SHOWN_CHARACTERS = API_KEY_PREFIX.length + 8;

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

function requireAdminInPerson(actor: AgentActor): void {
  if (actor.apiKey) {
    throw new AppError(403, "api_key_not_allowed", "API keys cannot manage API keys: sign in as an admin.");
  }
  if (actor.role !== "admin") throw notFound();
}

export async function listApiKeys(ctx: AppContext, actor: AgentActor): Promise<ApiKeyView[]> {
  requireAdminInPerson(actor);
  const rows = await apiKeysVisibleTo(ctx.database.db, actor)
    .leftJoin("agents as creator", "creator.id", "api_keys.created_by_agent_id")
    .leftJoin("agents as revoker", "revoker.id", "api_keys.revoked_by_agent_id")
    .select([
      "api_keys.id",
      "api_keys.name",
      "api_keys.scope",
      "api_keys.token_prefix",
      "api_keys.created_at",
      "api_keys.last_used_at",
      "api_keys.revoked_at",
      "api_keys.created_by_agent_id",
      "api_keys.revoked_by_agent_id",
      "creator.name as creator_name",
      "revoker.name as revoker_name",
    ])
    .orderBy("api_keys.created_at", "desc")
    .orderBy("api_keys.id", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    scope: r.scope,
    prefix: r.token_prefix,
    createdBy: { id: r.created_by_agent_id, name: r.creator_name ?? "(unknown)" },
    createdAt: iso(r.created_at) as string,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
    revokedBy: r.revoked_by_agent_id
      ? { id: r.revoked_by_agent_id, name: r.revoker_name ?? "(unknown)" }
      : null,
  }));
}

async function keyView(ctx: AppContext, actor: AgentActor, id: string): Promise<ApiKeyView> {
  const found = (await listApiKeys(ctx, actor)).find((k) => k.id === id);
  if (!found) throw notFound("No such API key.");
  return found;
}

export async function createApiKey(
  ctx: AppContext,
  actor: AgentActor,
  input: CreateApiKeyBody,
): Promise<CreatedApiKey> {
  requireAdminInPerson(actor);
  const token = `${API_KEY_PREFIX}${newToken()}`;
  const id = newId();
  const name = input.name.trim();
  await ctx.database.db.transaction().execute(async (tx) => {
    await insertApiKey(tx, {
      id,
      workspace_id: actor.workspaceId,
      name,
      scope: input.scope,
      token_hash: hashToken(token),
      token_prefix: token.slice(0, SHOWN_CHARACTERS),
      created_by_agent_id: actor.agentId,
      created_at: ctx.now().toISOString(),
      last_used_at: null,
      revoked_at: null,
      revoked_by_agent_id: null,
    }).execute();
    await recordAudit(ctx, tx, actor, {
      action: "api_key.created",
      target: { type: "api_key", id },
      summary: `API key "${name}" created (${input.scope === "read" ? "read only" : "read and write"})`,
      details: { name, scope: input.scope, prefix: token.slice(0, SHOWN_CHARACTERS) },
    });
  });
  return { key: await keyView(ctx, actor, id), token };
}

/** Revokes a key at once (its next request is a 401); revoking a revoked key changes nothing. */
export async function revokeApiKey(ctx: AppContext, actor: AgentActor, id: string): Promise<ApiKeyView> {
  requireAdminInPerson(actor);
  await ctx.database.db.transaction().execute(async (tx) => {
    const row = await apiKeysVisibleTo(tx, actor)
      .select(["id", "name", "revoked_at"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw notFound("No such API key.");
    if (row.revoked_at !== null) return;
    await apiKeysWritableBy(tx, actor)
      .set({ revoked_at: ctx.now().toISOString(), revoked_by_agent_id: actor.agentId })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .execute();
    await recordAudit(ctx, tx, actor, {
      action: "api_key.revoked",
      target: { type: "api_key", id },
      summary: `API key "${row.name}" revoked`,
      details: { name: row.name },
    });
  });
  return keyView(ctx, actor, id);
}

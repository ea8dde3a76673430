// API keys (migration 0036). Apart from schema.ts only to keep each file readable; DB there lists
// it too.

export type ApiKeyScope = "read" | "write";

/** An admin's key for the workspace JSON API; the token itself is never stored. */
export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  name: string;
  scope: ApiKeyScope;
  /** SHA-256 (hex) of the whole token, `ptk_…`. */
  token_hash: string;
  /** The token's first characters, shown in lists. */
  token_prefix: string;
  /** The admin the key acts as (with an agent's role). */
  created_by_agent_id: string;
  created_at: string;
  /** Written at most once a minute per key. */
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by_agent_id: string | null;
}

export interface ApiKeysDB {
  api_keys: ApiKeyTable;
}

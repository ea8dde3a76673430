import type { Kysely } from "kysely";
import { sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// API keys: an admin's named keys for the workspace JSON API, each read-only or read-and-write.
// Only the SHA-256 of the token is stored (token_hash, unique: the gate finds a key by it), with
// its first characters (token_prefix) for people to tell keys apart; revoked keys stay listed.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull().check(sql`scope in ('read', 'write')`))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("token_prefix", "text", (c) => c.notNull())
    // The admin the key acts as: it stops working when they are deactivated.
    .addColumn("created_by_agent_id", "text", (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("last_used_at", ts)
    .addColumn("revoked_at", ts)
    .addColumn("revoked_by_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .execute();
  await db.schema
    .createIndex("api_keys_workspace_idx")
    .on("api_keys")
    .columns(["workspace_id", "created_at"])
    .execute();
}

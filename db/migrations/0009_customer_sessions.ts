import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Signed-in customers. A contact may use the portal only when given access: to their own
// requests, or to everything of their company. Their sessions are kept like the agents': the
// primary key is the SHA-256 of the cookie's token, so a copy of this table opens no session;
// a signed-out session is marked revoked rather than deleted, so its end stays on record.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);

  await db.schema
    .alterTable("contacts")
    .addColumn("portal_access", "text", (c) =>
      c.notNull().defaultTo("none").check(sql`portal_access in ('none', 'own', 'company')`),
    )
    .execute();

  await db.schema
    .createTable("customer_sessions")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id").onDelete("cascade"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addColumn("last_seen_at", ts, (c) => c.notNull())
    .addColumn("revoked_at", ts)
    .execute();
  // A contact's sessions end together (access withdrawn, every device signed out).
  await db.schema
    .createIndex("customer_sessions_contact_idx")
    .on("customer_sessions")
    .column("contact_id")
    .execute();
}

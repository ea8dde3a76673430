import type { Kysely } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Macros and the knowledge-base editor: saved replies (personal to their author, or shared with
// the workspace) that may also set a ticket's status and priority; images pasted into articles,
// stored sealed like attachments; and how often each article was read on the portal.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  await db.schema
    .createTable("macros")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("owner_id", "text", (c) => c.references("agents.id").onDelete("cascade"))
    .addColumn("shared", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("set_status", "text")
    .addColumn("set_priority", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("macros_workspace_idx")
    .on("macros")
    .columns(["workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("kb_images")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("uploaded_by", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size_bytes", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("kb_images_workspace_idx").on("kb_images").columns(["workspace_id"]).execute();

  await db.schema
    .alterTable("kb_articles")
    .addColumn("view_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

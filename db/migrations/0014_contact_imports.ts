import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Contact imports from CSV: a file is checked and previewed first (its valid rows kept as JSON
// until it is imported or given up), then imported in one transaction. The rows are cleared once
// the import has finished, either way; the counts and the per-row errors stay as its record.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);
  const falsy = bool === "boolean" ? sql`false` : sql`0`;
  const int = (name: string) => (t: ReturnType<typeof db.schema.createTable>) =>
    t.addColumn(name, "integer", (c) => c.notNull().defaultTo(0));

  let table = db.schema
    .createTable("contact_imports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('previewed', 'running', 'done', 'failed')`),
    )
    .addColumn("skip_invalid", bool, (c) => c.notNull().defaultTo(falsy));
  for (const name of [
    "total_rows",
    "processed_rows",
    "error_rows",
    "created_contacts",
    "updated_contacts",
    "unchanged_contacts",
    "created_companies",
    "added_domains",
    "skipped_rows",
  ]) {
    table = int(name)(table);
  }
  await table
    // JSON: [{ row, field, message }], at most a few hundred.
    .addColumn("errors", "text", (c) => c.notNull().defaultTo("[]"))
    // JSON: the file's valid rows as read; null once the import has finished.
    .addColumn("rows", "text")
    .addColumn("failure", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addColumn("finished_at", ts)
    .execute();
  await db.schema
    .createIndex("contact_imports_workspace_idx")
    .on("contact_imports")
    .columns(["workspace_id", "created_at"])
    .execute();
}

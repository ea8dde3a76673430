import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// The floating widget (http/public/widget.*): whether the workspace's loader script answers
// (on by default), which bottom corner its launcher sits in, and the launcher's label.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { bool } = columnTypes(db);
  const truthy = bool === "boolean" ? sql`true` : sql`1`;
  await db.schema
    .alterTable("workspaces")
    .addColumn("widget_enabled", bool, (c) => c.notNull().defaultTo(truthy))
    .execute();
  await db.schema
    .alterTable("workspaces")
    .addColumn("widget_position", "text", (c) =>
      c.notNull().defaultTo("right").check(sql`widget_position in ('right', 'left')`),
    )
    .execute();
  await db.schema
    .alterTable("workspaces")
    .addColumn("widget_label", "text", (c) => c.notNull().defaultTo("Help"))
    .execute();
}

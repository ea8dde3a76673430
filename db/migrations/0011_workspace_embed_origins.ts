import type { Kysely } from "kysely";

// The sites allowed to frame a workspace's submit form (its CSP frame-ancestors): null lets any
// site embed it, as before; otherwise the https origins, space-separated; empty lets none.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("workspaces").addColumn("embed_origins", "text").execute();
}

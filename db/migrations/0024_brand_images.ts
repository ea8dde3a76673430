import type { Kysely } from "kysely";

// Which brand images a workspace has and the hash of each (workspaces.brand_images, JSON:
// { "logo_light": { "sha256": "…", "width": 512, "height": 128 }, … }), written in the same
// transaction as their brand_assets rows: every portal page links its images from the
// workspace row it already reads, without a second query.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("workspaces")
    .addColumn("brand_images", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
}

import { type Kysely, sql } from "kysely";

// What the malware scanner said of a file: 'clean', or 'unscanned' when it could not answer and
// the upload was accepted all the same (CLAMAV_ON_ERROR=accept); null when no scanner was set up.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("attachments")
    .addColumn("scan_status", "text", (c) => c.check(sql`scan_status in ('clean', 'unscanned')`))
    .execute();
}

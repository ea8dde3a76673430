import type { Kysely } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Attachments become uploads first: a row exists from the moment a file is stored, held by the
// hash of a secret key that only the uploader received. Attaching it to a ticket or a comment
// clears the key, so an upload is attached once; unattached ones are swept after 24 hours.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  await db.schema.alterTable("attachments").addColumn("claim_hash", "text").execute();
  await db.schema.alterTable("attachments").addColumn("attached_at", ts).execute();
  await db.schema
    .createIndex("attachments_claim_idx")
    .on("attachments")
    .column("claim_hash")
    .unique()
    .execute();
  await db.schema.createIndex("attachments_comment_idx").on("attachments").column("comment_id").execute();
  await db.schema.createIndex("attachments_created_idx").on("attachments").column("created_at").execute();
}

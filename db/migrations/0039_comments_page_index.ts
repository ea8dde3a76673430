import type { Kysely } from "kysely";

// A conversation is read a page at a time, newest first (created_at, then id, descending, with a
// LIMIT). With the id in the index the page is read straight off it, backwards, and stops at the
// limit; without it SQLite sorted every message of the ticket in a temporary b-tree first, a cost
// paid on every tracking read. The new index serves everything the old one (ticket_id,
// created_at) did, which it replaces.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("comments_ticket_page_idx")
    .on("comments")
    .columns(["ticket_id", "created_at", "id"])
    .execute();
  await db.schema.dropIndex("comments_ticket_idx").execute();
}

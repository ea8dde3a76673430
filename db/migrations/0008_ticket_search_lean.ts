import { type Kysely, sql } from "kysely";
import { isPostgres } from "../../src/server/db/dialect.ts";

// SQLite: the ticket text index without what its queries never use. The queue's search matches
// words and prefixes and sorts by date: no phrases or NEAR (so no positions, detail=none), no
// bm25 (so no column sizes, columnsize=0). The prefix indexes for 2- and 3-letter prefixes go
// too: a submission's index row cost 117 µs with them (most of it at the group's COMMIT, writing
// and merging segments) and 55 µs without; a 2-letter prefix, which matches most tickets
// anyway, reads the terms' lists instead. FTS5 options are fixed at creation: the table is
// rebuilt from its stored rows. PostgreSQL's tsvector index is unchanged.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`create virtual table ticket_search_lean using fts5(
    body, id unindexed, workspace_id unindexed, ticket_id unindexed,
    tokenize = 'unicode61 remove_diacritics 2', detail = none, columnsize = 0
  )`.execute(db);
  await sql`insert into ticket_search_lean (rowid, body, id, workspace_id, ticket_id)
    select rowid, body, id, workspace_id, ticket_id from ticket_search`.execute(db);
  await sql`drop table ticket_search`.execute(db);
  await sql`alter table ticket_search_lean rename to ticket_search`.execute(db);
}

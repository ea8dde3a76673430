import { type Kysely, sql } from "kysely";
import { isPostgres } from "../../src/server/db/dialect.ts";

// SQLite: the words of the ticket text index (an fts5vocab table over ticket_search; it stores
// nothing of its own). The queue's search looks up the few words a typed prefix stands for and
// matches them exactly, which FTS5 reads lazily, newest first, stopping at the page; a prefix
// query builds the whole list of the prefix's matches first (tickets/ticket.search.ts).
// PostgreSQL's tsvector index is unchanged.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`create virtual table ticket_search_vocab using fts5vocab(ticket_search, 'row')`.execute(db);
}

import { type Kysely, sql } from "kysely";
import { isPostgres } from "../../src/server/db/dialect.ts";

// SQLite: the ticket text index's rowids follow the tickets' numbers (number × 2^32, then the
// ticket's rows in the order they were written), so the queue's search walks it newest first and
// stops at the page instead of reading every match (tickets/ticket.search.ts). The table is
// rebuilt from its stored rows under the new rowids; rows of tickets that no longer exist go.
// PostgreSQL's tsvector index is unchanged.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`create virtual table ticket_search_by_number using fts5(
    body, id unindexed, workspace_id unindexed, ticket_id unindexed,
    tokenize = 'unicode61 remove_diacritics 2', detail = none, columnsize = 0
  )`.execute(db);
  await sql`insert into ticket_search_by_number (rowid, body, id, workspace_id, ticket_id)
    select t.number * 4294967296 + row_number() over (partition by t.number order by s.rowid) - 1,
        s.body, s.id, s.workspace_id, s.ticket_id
      from ticket_search s join tickets t on t.id = s.ticket_id
     order by 1`.execute(db);
  await sql`drop table ticket_search`.execute(db);
  await sql`alter table ticket_search_by_number rename to ticket_search`.execute(db);
}

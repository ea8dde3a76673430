import { type Kysely, sql } from "kysely";

// The queue on a million tickets (bench/queue-million.ts): the views' counts (tickets/queue-counts.ts)
// read one partial index of the unresolved tickets holding every column they group by, never the
// table. The status test is written out in the query too: SQLite uses a partial index only for a
// query whose WHERE holds the index's own condition.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index tickets_unresolved_counts_idx
    on tickets (workspace_id, assignee_id, last_message_by, team_id, status)
    where status in ('open', 'in_progress', 'waiting')`.execute(db);
}

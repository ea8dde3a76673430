import { type Kysely, sql } from "kysely";
import { isPostgres } from "../../src/server/db/dialect.ts";

// The dashboard's done tickets (src/server/analytics/queries.ts, doneTickets) with their times
// as integers in the index: on SQLite, tickets resolved in a range with their assignee and their
// resolution and first-response times in whole seconds, the times as the same expressions the
// query selects, so SQLite reads them from the index instead of parsing two ISO timestamps per
// row. It replaces 0018's tickets_analytics_resolved_idx, whose leading columns it repeats (the
// backlog's count of tickets resolved before an instant reads it too). Nothing to write: every
// row's times follow from the timestamps it already has, today's and those written later.
// PostgreSQL keeps 0018's index: its index-only scans do not serve expressions.
// Both engines: CSAT by ticket type (csatByType) reads the range's CSAT answers with their ticket
// and score from one index, and each answer's ticket type from another, instead of a table row
// of each (a ticket row holds its whole description).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("surveys_answered_ticket_idx")
    .on("surveys")
    .columns(["workspace_id", "kind", "answered_at", "ticket_id", "score"])
    .execute();
  await db.schema
    .createIndex("tickets_id_type_idx")
    .on("tickets")
    .columns(["id", "workspace_id", "type"])
    .execute();
  if (isPostgres(db)) return;
  const resolution = sql`cast(round((julianday(coalesce(resolved_at, closed_at)) - julianday(created_at)) * 86400) as integer)`;
  const firstResponse = sql`cast(round((julianday(first_response_at) - julianday(created_at)) * 86400) as integer)`;
  await sql`create index tickets_done_durations_idx on tickets (workspace_id, resolved_at, assignee_id, (${resolution}), (${firstResponse}))`.execute(
    db,
  );
  await sql`drop index tickets_analytics_resolved_idx`.execute(db);
}

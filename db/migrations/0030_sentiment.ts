import { type Kysely, sql } from "kysely";
import { isPostgres } from "../../src/server/db/dialect.ts";

// Sentiment (sentiment/): each customer message's score (-1 very negative … 1 very positive;
// null for agents' messages, notes and system lines), and on the ticket the latest score (0 until
// a customer message is scored), its trend over the last messages, and a marker ("angry": strongly
// negative; "urgent": urgent words) for the queue's filter and sort. The workspace's rule: a
// strongly negative message raises the ticket's priority (off, to high, to urgent).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  // Double precision on PostgreSQL (its "real" is 4 bytes and would not compare equal to the
  // cursor's number); SQLite's REAL is already 8 bytes.
  const real = isPostgres(db) ? "double precision" : "real";
  await db.schema.alterTable("comments").addColumn("sentiment", real).execute();
  const tickets = () => db.schema.alterTable("tickets");
  await tickets()
    .addColumn("sentiment", real, (c) => c.notNull().defaultTo(0))
    .execute();
  await tickets()
    .addColumn("sentiment_trend", "text", (c) =>
      c.check(sql`sentiment_trend in ('improving', 'worsening', 'steady')`),
    )
    .execute();
  await tickets()
    .addColumn("mood", "text", (c) => c.check(sql`mood in ('angry', 'urgent')`))
    .execute();
  // The queue's "most negative first" (newest first among equals) and its negative filter.
  await sql`create index tickets_sentiment_idx on tickets (workspace_id, sentiment, number desc)`.execute(db);
  await db.schema
    .createIndex("tickets_mood_idx")
    .on("tickets")
    .columns(["workspace_id", "mood", "number"])
    .execute();
  await db.schema
    .alterTable("workspaces")
    .addColumn("sentiment_priority_rule", "text", (c) =>
      c.notNull().defaultTo("off").check(sql`sentiment_priority_rule in ('off', 'high', 'urgent')`),
    )
    .execute();
}

import { type Kysely, sql } from "kysely";

// The bell's count on every page of the app: an agent's unread notifications, found without
// reading the ones already read (kept 90 days).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index notifications_unread_idx on notifications (agent_id) where read_at is null`.execute(
    db,
  );
}

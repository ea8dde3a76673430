import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// "Still fixed?" asks about one resolution of its ticket: the ticket's resolved_at when the
// survey was made. An answer acts on the ticket only while it is still that resolution; what it
// did (closed, reopened, opened a follow-up of a closed ticket, or only recorded) is kept with it.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  await db.schema.alterTable("surveys").addColumn("ticket_resolved_at", ts).execute();
  await db.schema
    .alterTable("surveys")
    .addColumn("answer_outcome", "text", (c) =>
      c.check(sql`answer_outcome in ('closed', 'reopened', 'follow_up', 'recorded')`),
    )
    .execute();
}

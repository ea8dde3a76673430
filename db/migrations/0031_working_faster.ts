import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Working faster in the queue: who wrote last on a ticket ('contact' or 'agent', public messages
// only) and when the customer last wrote ("Waiting for us", the unread marker); the ticket a merged
// ticket went into; and each agent's last view of a ticket (ticket_reads), for the unread marker.
// Existing tickets take their values from their public comments.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  const tickets = () => db.schema.alterTable("tickets");
  await tickets()
    .addColumn("last_message_by", "text", (c) =>
      c.notNull().defaultTo("contact").check(sql`last_message_by in ('contact', 'agent')`),
    )
    .execute();
  await tickets().addColumn("last_customer_message_at", ts).execute();
  await tickets()
    .addColumn("merged_into_id", "text", (c) => c.references("tickets.id").onDelete("set null"))
    .execute();
  await sql`update tickets set
    last_customer_message_at = (select max(c.created_at) from comments c
      where c.ticket_id = tickets.id and c.author_type = 'contact' and c.internal = ${sql.lit(false)}),
    last_message_by = coalesce((select c.author_type from comments c
      where c.ticket_id = tickets.id and c.author_type in ('contact', 'agent') and c.internal = ${sql.lit(false)}
      order by c.created_at desc, c.id desc limit 1), 'contact')`.execute(db);
  await db.schema
    .createIndex("tickets_waiting_idx")
    .on("tickets")
    .columns(["workspace_id", "last_message_by", "status"])
    .execute();

  await db.schema
    .createTable("ticket_reads")
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("read_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("ticket_reads_pk", ["agent_id", "ticket_id"])
    .execute();
  await db.schema.createIndex("ticket_reads_ticket_idx").on("ticket_reads").columns(["ticket_id"]).execute();
}

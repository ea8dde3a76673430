import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// SLAs: policies by priority (optionally narrowed to a ticket type or a company; the most specific
// wins) with targets in minutes, counted in business or calendar time; a workspace's holidays;
// whether customers see the expected response time; and each ticket's timers: its policy's dues,
// the pause while Waiting, breach markers, and next_due_at (the earliest pending due, the queue's
// sort) and sla_check_at (when the sweep next has a warning or a breach to mark).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);
  const falsy = bool === "boolean" ? sql`false` : sql`0`;
  await db.schema
    .createTable("sla_policies")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("priority", "text", (c) => c.notNull())
    .addColumn("ticket_type", "text")
    .addColumn("company_id", "text", (c) => c.references("companies.id").onDelete("cascade"))
    .addColumn("first_response_minutes", "integer")
    .addColumn("next_response_minutes", "integer")
    .addColumn("resolution_minutes", "integer")
    .addColumn("clock", "text", (c) => c.notNull().check(sql`clock in ('business', 'calendar')`))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await sql`create unique index sla_policies_scope_idx on sla_policies
    (workspace_id, priority, coalesce(ticket_type, ''), coalesce(company_id, ''))`.execute(db);

  await db.schema
    .createTable("workspace_holidays")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("workspace_holidays_pk", ["workspace_id", "day"])
    .execute();

  await db.schema
    .alterTable("workspaces")
    .addColumn("show_response_time", bool, (c) => c.notNull().defaultTo(falsy))
    .execute();

  const tickets = () => db.schema.alterTable("tickets");
  await tickets()
    .addColumn("sla_policy_id", "text", (c) => c.references("sla_policies.id").onDelete("set null"))
    .execute();
  for (const col of [
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "next_response_from_at",
    "sla_paused_at",
    "first_response_breached_at",
    "next_response_breached_at",
    "resolution_breached_at",
    "next_due_at",
    "sla_check_at",
  ]) {
    await tickets().addColumn(col, ts).execute();
  }
  await tickets()
    .addColumn("sla_paused_minutes", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await tickets()
    .addColumn("sla_warned", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  // The queue's "next deadline" sort: keyset on (next_due_at, number) within a workspace.
  await db.schema
    .createIndex("tickets_next_due_idx")
    .on("tickets")
    .columns(["workspace_id", "next_due_at", "number"])
    .execute();
  await sql`create index tickets_sla_check_idx on tickets (sla_check_at) where sla_check_at is not null`.execute(
    db,
  );
}

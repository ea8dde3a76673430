import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// The data's lifecycle: how long each workspace keeps its operational records (sent emails'
// content, incoming mail's raw messages, searches that found nothing, deflection events), a
// contact erased on request, and the audit log of admins' actions. A retention of null keeps
// forever; existing workspaces start with the defaults (90, 30, 180, 365 days).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  const days = (name: string, fallback: number) =>
    db.schema
      .alterTable("workspaces")
      .addColumn(name, "integer", (c) => c.defaultTo(fallback).check(sql`${sql.ref(name)} > 0`))
      .execute();
  await days("retention_outbox_days", 90);
  await days("retention_inbound_days", 30);
  await days("retention_search_misses_days", 180);
  await days("retention_events_days", 365);

  // A sent email's content removed by retention: the row stays, with its Message-ID and
  // ticket, so a late reply still threads.
  await db.schema.alterTable("outbox_emails").addColumn("content_pruned_at", ts).execute();
  await sql`create index outbox_emails_retention_idx on outbox_emails (workspace_id, created_at) where content_pruned_at is null`.execute(
    db,
  );
  // The sealed raw message deleted by retention (or an erasure); the row keeps the Message-ID,
  // so the same message delivered again is still a duplicate.
  await db.schema.alterTable("inbound_emails").addColumn("raw_deleted_at", ts).execute();
  await sql`create index inbound_emails_retention_idx on inbound_emails (workspace_id, processed_at) where raw_deleted_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex("kb_search_misses_last_idx")
    .on("kb_search_misses")
    .columns(["workspace_id", "last_at"])
    .execute();

  // An erased contact: their personal data is gone, the tickets' shape stays.
  await db.schema.alterTable("contacts").addColumn("erased_at", ts).execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    // The admin who acted; null only if that agent row is ever deleted (agents are deactivated, never deleted).
    .addColumn("actor_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("summary", "text", (c) => c.notNull())
    // JSON: what changed, never a secret's value.
    .addColumn("details", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("ip", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_events_workspace_idx")
    .on("audit_events")
    .columns(["workspace_id", "created_at", "id"])
    .execute();
  await db.schema
    .createIndex("audit_events_action_idx")
    .on("audit_events")
    .columns(["workspace_id", "action", "created_at", "id"])
    .execute();
}

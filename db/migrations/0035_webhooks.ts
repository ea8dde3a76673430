import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Webhooks: the addresses an admin subscribes to the workspace's events, each with its format
// (signed JSON, or a chat's incoming webhook), its signing secret (sealed under the file key),
// and its state (active, paused by an admin, or disabled after failing for days). Each event for
// each subscribed endpoint is a delivery row, written in the transaction of the change that
// caused it (durable like the outbox); a worker claims due rows, composes the body once, sends
// it, and records every attempt with the answer's status, time and a short excerpt.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull().check(sql`format in ('json', 'slack')`))
    // A JSON array of event names, e.g. ["ticket.created","ticket.resolved"].
    .addColumn("events", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("secret_sealed", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) =>
      c.notNull().defaultTo("active").check(sql`state in ('active', 'paused', 'disabled')`),
    )
    .addColumn("disabled_reason", "text")
    // Since when every attempt has failed (null after a success): days of it disable the endpoint.
    .addColumn("failing_since", ts)
    .addColumn("last_success_at", ts)
    .addColumn("last_failure_at", ts)
    .addColumn("created_by_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("webhook_endpoints_workspace_idx")
    .on("webhook_endpoints")
    .columns(["workspace_id", "state"])
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("endpoint_id", "text", (c) =>
      c.notNull().references("webhook_endpoints.id").onDelete("cascade"),
    )
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("set null"))
    // The event's own facts (JSON), as the change recorded them.
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    // The exact body sent, composed at the first attempt and kept so every retry is byte-identical.
    .addColumn("body", "text")
    .addColumn("state", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`state in ('pending', 'succeeded', 'failed')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", ts, (c) => c.notNull())
    // A worker's hold on the row while it sends (like the outbox's claim).
    .addColumn("claimed_until", ts)
    .addColumn("last_status", "integer")
    .addColumn("last_duration_ms", "integer")
    .addColumn("last_error", "text")
    .addColumn("resent_from_id", "text")
    .addColumn("occurred_at", ts, (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("finished_at", ts)
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_due_idx")
    .on("webhook_deliveries")
    .columns(["state", "next_attempt_at"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_endpoint_idx")
    .on("webhook_deliveries")
    .columns(["endpoint_id", "created_at"])
    .execute();

  await db.schema
    .createTable("webhook_attempts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("delivery_id", "text", (c) =>
      c.notNull().references("webhook_deliveries.id").onDelete("cascade"),
    )
    .addColumn("at", ts, (c) => c.notNull())
    // The answer's HTTP status; null when none came (refused, timed out, blocked address).
    .addColumn("status", "integer")
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    // The first 500 characters of the answer's body, or of the error.
    .addColumn("response_excerpt", "text")
    .addColumn("error", "text")
    .execute();
  await db.schema
    .createIndex("webhook_attempts_delivery_idx")
    .on("webhook_attempts")
    .columns(["delivery_id", "at"])
    .execute();
}

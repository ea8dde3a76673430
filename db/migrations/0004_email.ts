import type { Kysely } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Email both ways. Outgoing mail is an outbox row written in the transaction of the change that
// causes it and delivered later; incoming mail is a row (its raw message sealed in the file
// store) written before anything else happens to it. Reply addresses carry a token of their own.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);

  await db.schema
    .createTable("outbox_emails")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("audience", "text", (c) => c.notNull())
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("to_name", "text")
    .addColumn("message_id", "text", (c) => c.notNull().unique())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body_text", "text", (c) => c.notNull())
    .addColumn("body_html", "text", (c) => c.notNull())
    .addColumn("headers", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", ts, (c) => c.notNull())
    .addColumn("locked_until", ts)
    .addColumn("last_error", "text")
    .addColumn("sent_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("outbox_emails_due_idx")
    .on("outbox_emails")
    .columns(["status", "next_attempt_at"])
    .execute();
  // Few indexes: every ticket writes rows here on its submission's path. The Outbox lists a
  // workspace's newest first; ids are time-ordered (UUIDv7).
  await db.schema
    .createIndex("outbox_emails_workspace_idx")
    .on("outbox_emails")
    .columns(["workspace_id", "id"])
    .execute();

  await db.schema
    .createTable("email_reply_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("inbound_emails")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("size_bytes", "integer", (c) => c.notNull())
    .addColumn("via", "text", (c) => c.notNull())
    .addColumn("envelope_from", "text")
    .addColumn("recipients", "text", (c) => c.notNull())
    .addColumn("from_address", "text")
    .addColumn("subject", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("outcome", "text")
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("set null"))
    .addColumn("comment_id", "text")
    .addColumn("error", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("received_at", ts, (c) => c.notNull())
    .addColumn("processed_at", ts)
    .addUniqueConstraint("inbound_emails_message_key", ["workspace_id", "message_id"])
    .execute();
  await db.schema
    .createIndex("inbound_emails_status_idx")
    .on("inbound_emails")
    .columns(["status", "received_at"])
    .execute();

  // Replies by email thread on these ids; looked up within the workspace only.
  await db.schema
    .createIndex("comments_email_message_idx")
    .on("comments")
    .columns(["workspace_id", "email_message_id"])
    .execute();
  await db.schema
    .createIndex("tickets_email_thread_idx")
    .on("tickets")
    .columns(["workspace_id", "email_thread_id"])
    .execute();

  // Agent invitations: a link to choose a password, random, stored hashed, 7 days.
  await db.schema
    .createTable("agent_invitations")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addColumn("used_at", ts)
    .execute();
}

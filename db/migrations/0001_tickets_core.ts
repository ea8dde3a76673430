import { type Kysely, sql } from "kysely";
import { columnTypes, isPostgres } from "../../src/server/db/dialect.ts";

// The ticket loop: workspaces, agents and their sessions, companies, contacts, tickets with
// their conversation, events, tracking tokens, idempotency keys and the search index.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);

  await db.schema
    .createTable("workspaces")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("brand_name", "text")
    .addColumn("logo_url", "text")
    .addColumn("primary_color", "text")
    .addColumn("support_email", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  // One row per workspace; incremented inside the ticket's own transaction, so numbers are
  // consecutive and a rolled-back submission leaves no gap.
  await db.schema
    .createTable("ticket_sequences")
    .addColumn("workspace_id", "text", (c) => c.primaryKey().references("workspaces.id").onDelete("cascade"))
    .addColumn("last_number", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("agents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_normalized", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'agent')`))
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("active", bool, (c) => c.notNull())
    .addColumn("last_login_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addUniqueConstraint("agents_workspace_email_key", ["workspace_id", "email_normalized"])
    .execute();

  // The primary key is the SHA-256 of the cookie's token: a copy of this table opens no session.
  await db.schema
    .createTable("agent_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("last_seen_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("agent_sessions_agent_idx").on("agent_sessions").column("agent_id").execute();

  await db.schema
    .createTable("companies")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("domain", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("companies_workspace_idx")
    .on("companies")
    .columns(["workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("contacts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.references("companies.id").onDelete("set null"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_normalized", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addUniqueConstraint("contacts_workspace_email_key", ["workspace_id", "email_normalized"])
    .execute();
  await db.schema.createIndex("contacts_company_idx").on("contacts").column("company_id").execute();

  await db.schema
    .createTable("tickets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id"))
    .addColumn("company_id", "text", (c) => c.references("companies.id").onDelete("set null"))
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    // Internal status, and an optional customer-facing one that overrides it on the portal.
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("portal_status", "text")
    .addColumn("priority", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("assignee_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("email_thread_id", "text")
    .addColumn("resolution", "text")
    .addColumn("resolved_at", ts)
    .addColumn("closed_at", ts)
    .addColumn("follow_up_of_id", "text", (c) => c.references("tickets.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addUniqueConstraint("tickets_workspace_number_key", ["workspace_id", "number"])
    .execute();
  // One index per queue shape: newest first within a filter, and recently updated first.
  for (const col of ["status", "assignee_id", "priority", "contact_id", "company_id"]) {
    await db.schema
      .createIndex(`tickets_${col}_idx`)
      .on("tickets")
      .columns(["workspace_id", col, "number"])
      .execute();
  }
  await db.schema
    .createIndex("tickets_updated_idx")
    .on("tickets")
    .columns(["workspace_id", "updated_at", "id"])
    .execute();

  await db.schema
    .createTable("comments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("author_type", "text", (c) =>
      c.notNull().check(sql`author_type in ('agent', 'contact', 'system')`),
    )
    .addColumn("author_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("author_contact_id", "text", (c) => c.references("contacts.id").onDelete("set null"))
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("internal", bool, (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("email_message_id", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("comments_ticket_idx")
    .on("comments")
    .columns(["ticket_id", "created_at"])
    .execute();

  await db.schema
    .createTable("ticket_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("customer_visible", bool, (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("ticket_events_ticket_idx")
    .on("ticket_events")
    .columns(["ticket_id", "created_at"])
    .execute();

  // Files arrive with their own issue; the table is here so tickets and comments own them from day one.
  await db.schema
    .createTable("attachments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("cascade"))
    .addColumn("comment_id", "text", (c) => c.references("comments.id").onDelete("cascade"))
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size_bytes", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("uploaded_by_type", "text", (c) => c.notNull())
    .addColumn("uploaded_by_id", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("attachments_ticket_idx").on("attachments").column("ticket_id").execute();

  // Stored as SHA-256 only; tied to one ticket and the email it was issued to.
  await db.schema
    .createTable("tracking_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("email_normalized", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("tracking_tokens_ticket_idx")
    .on("tracking_tokens")
    .column("ticket_id")
    .execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("status_code", "integer", (c) => c.notNull())
    .addColumn("response", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pkey", ["workspace_id", "scope", "key"])
    .execute();

  // Text search over ticket subjects and messages: FTS5 on SQLite, tsvector + GIN on PostgreSQL.
  if (isPostgres(db)) {
    await db.schema
      .createTable("ticket_search")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("workspace_id", "text", (c) => c.notNull())
      .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
      .addColumn("document", sql`tsvector`, (c) => c.notNull())
      .execute();
    await sql`create index ticket_search_document_idx on ticket_search using gin (document)`.execute(db);
    await db.schema.createIndex("ticket_search_ticket_idx").on("ticket_search").column("ticket_id").execute();
  } else {
    await sql`create virtual table ticket_search using fts5(
      body, id unindexed, workspace_id unindexed, ticket_id unindexed,
      tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
    )`.execute(db);
  }
}

import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// The customer's work in the portal: onboarding plans made from templates of ordered tasks, forms
// (versioned, so a change never breaks answers given) filled on tasks or with a request, the
// answers landing on the company as named properties with their history, a document store per
// company with versions, and one activity timeline per company. A task keeps two states side by
// side: the team's (status, assignee, note) and what the customer sees (the portal_* columns).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);
  const falsy = bool === "boolean" ? sql`false` : sql`0`;
  const truthy = bool === "boolean" ? sql`true` : sql`1`;
  const ws = (c: ColumnDefinitionBuilder) => c.notNull().references("workspaces.id").onDelete("cascade");

  // Forms first: templates and tasks point at them.
  await db.schema
    .createTable("forms")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    // The request type whose public submit form it extends; null for a form used on tasks only.
    .addColumn("request_type", "text")
    .addColumn("current_version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("archived_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("forms_workspace_idx").on("forms").columns(["workspace_id", "name"]).execute();

  await db.schema
    .createTable("form_versions")
    .addColumn("form_id", "text", (c) => c.notNull().references("forms.id").onDelete("cascade"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("workspace_id", "text", ws)
    // JSON array of fields (forms/form.schemas.ts FormField).
    .addColumn("fields", "text", (c) => c.notNull())
    .addColumn("created_by_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("form_versions_pkey", ["form_id", "version"])
    .execute();

  await db.schema
    .createTable("plan_templates")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("archived_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("plan_templates_workspace_idx")
    .on("plan_templates")
    .column("workspace_id")
    .execute();

  await db.schema
    .createTable("plan_template_tasks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("template_id", "text", (c) => c.notNull().references("plan_templates.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("due_offset_days", "integer")
    .addColumn("actor", "text", (c) => c.notNull().check(sql`actor in ('team', 'customer')`))
    .addColumn("form_id", "text", (c) => c.references("forms.id").onDelete("set null"))
    // What submitting the task's form does to the team's state: done, or in review.
    .addColumn("on_form_submit", "text", (c) =>
      c.notNull().defaultTo("done").check(sql`on_form_submit in ('done', 'review')`),
    )
    .addColumn("portal_visible", bool, (c) => c.notNull().defaultTo(truthy))
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("plan_template_tasks_template_idx")
    .on("plan_template_tasks")
    .columns(["template_id", "position"])
    .execute();

  await db.schema
    .createTable("plans")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("template_id", "text", (c) => c.references("plan_templates.id").onDelete("set null"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("active").check(sql`status in ('active', 'completed', 'archived')`),
    )
    .addColumn("created_by_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addColumn("completed_at", ts)
    .execute();
  await db.schema
    .createIndex("plans_company_idx")
    .on("plans")
    .columns(["company_id", "created_at"])
    .execute();

  await db.schema
    .createTable("tasks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("plan_id", "text", (c) => c.notNull().references("plans.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("actor", "text", (c) => c.notNull().check(sql`actor in ('team', 'customer')`))
    .addColumn("due_at", ts)
    .addColumn("form_id", "text", (c) => c.references("forms.id").onDelete("set null"))
    .addColumn("on_form_submit", "text", (c) =>
      c.notNull().defaultTo("done").check(sql`on_form_submit in ('done', 'review')`),
    )
    // The team's side: never on a customer path.
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("todo")
        .check(sql`status in ('todo', 'in_progress', 'review', 'blocked', 'done')`),
    )
    .addColumn("assignee_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("internal_note", "text", (c) => c.notNull().defaultTo(""))
    // The customer's side.
    .addColumn("portal_visible", bool, (c) => c.notNull().defaultTo(truthy))
    .addColumn("portal_status", "text", (c) =>
      c
        .notNull()
        .defaultTo("not_started")
        .check(sql`portal_status in ('not_started', 'in_progress', 'waiting_on_you', 'complete')`),
    )
    .addColumn("portal_start", ts)
    .addColumn("portal_complete", ts)
    .addColumn("portal_assignee_contact_id", "text", (c) => c.references("contacts.id").onDelete("set null"))
    .addColumn("completed_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("tasks_plan_idx").on("tasks").columns(["plan_id", "position"]).execute();
  await db.schema.createIndex("tasks_company_idx").on("tasks").columns(["company_id", "due_at"]).execute();
  // The reminder sweep: open customer tasks by due date.
  await db.schema.createIndex("tasks_due_idx").on("tasks").columns(["workspace_id", "due_at"]).execute();

  await db.schema
    .createTable("task_tickets")
    .addColumn("task_id", "text", (c) => c.notNull().references("tasks.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", ws)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("task_tickets_pkey", ["task_id", "ticket_id"])
    .execute();
  await db.schema.createIndex("task_tickets_ticket_idx").on("task_tickets").column("ticket_id").execute();

  // One reminder email per contact per day, whatever the number of tasks due.
  await db.schema
    .createTable("task_reminders")
    .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id").onDelete("cascade"))
    .addColumn("sent_on", "text", (c) => c.notNull())
    .addColumn("workspace_id", "text", ws)
    .addColumn("tasks", "integer", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("task_reminders_pkey", ["contact_id", "sent_on"])
    .execute();

  await db.schema
    .createTable("form_responses")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("form_id", "text", (c) => c.notNull().references("forms.id").onDelete("cascade"))
    .addColumn("form_version", "integer", (c) => c.notNull())
    .addColumn("company_id", "text", (c) => c.references("companies.id").onDelete("cascade"))
    .addColumn("task_id", "text", (c) => c.references("tasks.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("cascade"))
    .addColumn("contact_id", "text", (c) => c.references("contacts.id").onDelete("set null"))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('draft', 'submitted')`))
    // JSON object: field key → value (text, number, boolean, string[], or a file { id, name }).
    .addColumn("answers", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("submitted_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("form_responses_task_idx")
    .on("form_responses")
    .columns(["task_id", "status"])
    .execute();
  await db.schema.createIndex("form_responses_ticket_idx").on("form_responses").column("ticket_id").execute();

  // A request's extra fields, one row each, for the agent's ticket page and the queue's filter.
  await db.schema
    .createTable("ticket_fields")
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("workspace_id", "text", ws)
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("ticket_fields_pkey", ["ticket_id", "key"])
    .execute();
  await db.schema
    .createIndex("ticket_fields_filter_idx")
    .on("ticket_fields")
    .columns(["workspace_id", "key", "value"])
    .execute();

  // Every change of a company property, newest last; companies.properties keeps the current values.
  await db.schema
    .createTable("company_property_changes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("value", "text")
    .addColumn("actor_type", "text", (c) =>
      c.notNull().check(sql`actor_type in ('agent', 'contact', 'system')`),
    )
    .addColumn("actor_id", "text")
    .addColumn("form_response_id", "text", (c) => c.references("form_responses.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("company_property_changes_company_idx")
    .on("company_property_changes")
    .columns(["company_id", "name", "created_at"])
    .execute();

  await db.schema
    .createTable("documents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("folder", "text", (c) => c.notNull().defaultTo(""))
    // JSON array of strings.
    .addColumn("tags", "text", (c) => c.notNull().defaultTo("[]"))
    // Who it comes from: the customer's own upload, or the team's deliverable.
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('customer', 'team')`))
    // A team deliverable is a draft until published; a customer's upload is published at once.
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('draft', 'published')`))
    .addColumn("current_version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("size_bytes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_by_type", "text", (c) =>
      c.notNull().check(sql`created_by_type in ('agent', 'contact')`),
    )
    .addColumn("created_by_id", "text")
    .addColumn("published_at", ts)
    .addColumn("deleted_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("documents_company_idx")
    .on("documents")
    .columns(["company_id", "updated_at"])
    .execute();

  await db.schema
    .createTable("document_versions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("document_id", "text", (c) => c.notNull().references("documents.id").onDelete("cascade"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size_bytes", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("thumb_key", "text")
    .addColumn("scan_status", "text")
    .addColumn("uploaded_by_type", "text", (c) =>
      c.notNull().check(sql`uploaded_by_type in ('agent', 'contact')`),
    )
    .addColumn("uploaded_by_id", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("document_versions_document_idx")
    .on("document_versions")
    .columns(["document_id", "version"])
    .unique()
    .execute();

  // A thumbnail of an image attachment, made from the stored file, sealed like the file itself.
  await db.schema.alterTable("attachments").addColumn("thumb_key", "text").execute();

  // What happened on a company, for the agents' company page and (customer_visible) the portal.
  await db.schema
    .createTable("company_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("actor_type", "text", (c) =>
      c.notNull().check(sql`actor_type in ('agent', 'contact', 'system')`),
    )
    .addColumn("actor_id", "text")
    .addColumn("type", "text", (c) => c.notNull())
    // JSON: what the event names (a task's title, a document's title and version …), customer-safe
    // when customer_visible.
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("customer_visible", bool, (c) => c.notNull().defaultTo(falsy))
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("company_events_company_idx")
    .on("company_events")
    .columns(["company_id", "created_at"])
    .execute();

  // Document limits per workspace: one file, and everything of one company.
  await db.schema
    .alterTable("workspaces")
    .addColumn("document_max_bytes", "integer", (c) => c.notNull().defaultTo(50 * 1024 * 1024))
    .execute();
  await db.schema
    .alterTable("workspaces")
    .addColumn("document_quota_bytes", "integer", (c) => c.notNull().defaultTo(1024 * 1024 * 1024))
    .execute();
  // When the customer last opened their documents: what is newer is "new since your last visit".
  await db.schema.alterTable("contacts").addColumn("documents_seen_at", ts).execute();
}

import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Surveys that lead to action: CSAT, NPS, CES and "Still fixed?" as one table of survey rows,
// each with its own hashed one-time token; the settings that drive them; the agents' follow-up
// tasks they create; the daily health of knowledge-base articles and the monthly improvement
// reports; a durable scheduler for time-based work; and the workspace's clock (time zone and
// business hours). tickets.first_response_at makes response times a column, not a join.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);
  const falsy = bool === "boolean" ? sql`false` : sql`0`;
  const truthy = bool === "boolean" ? sql`true` : sql`1`;
  const ws = (c: ColumnDefinitionBuilder) => c.notNull().references("workspaces.id").onDelete("cascade");

  // The workspace's clock: days, reports and business-hour due dates are in its time zone.
  await db.schema
    .alterTable("workspaces")
    .addColumn("time_zone", "text", (c) => c.notNull().defaultTo("UTC"))
    .execute();
  // JSON: { days: [1..7] (ISO weekdays), open: "09:00", close: "17:00" }.
  await db.schema
    .alterTable("workspaces")
    .addColumn("business_hours", "text", (c) =>
      c.notNull().defaultTo('{"days":[1,2,3,4,5],"open":"09:00","close":"17:00"}'),
    )
    .execute();

  // The first public answer of the team, set once; backfilled from the comments already there.
  await db.schema.alterTable("tickets").addColumn("first_response_at", ts).execute();
  await sql`update tickets set first_response_at = (
      select min(c.created_at) from comments c
      where c.ticket_id = tickets.id and c.author_type = 'agent' and c.internal = ${falsy}
    )`.execute(db);
  await db.schema
    .createIndex("tickets_workspace_created_idx")
    .ifNotExists()
    .on("tickets")
    .columns(["workspace_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("tickets_workspace_resolved_idx")
    .on("tickets")
    .columns(["workspace_id", "resolved_at"])
    .execute();

  // A contact who unsubscribed from surveys gets none again.
  await db.schema.alterTable("contacts").addColumn("surveys_unsubscribed_at", ts).execute();

  await db.schema
    .createTable("survey_settings")
    .addColumn("workspace_id", "text", (c) => c.primaryKey().references("workspaces.id").onDelete("cascade"))
    .addColumn("csat_enabled", bool, (c) => c.notNull().defaultTo(truthy))
    // 'resolution_email': the button in the resolution email; 'separate_email': its own email later.
    .addColumn("csat_delivery", "text", (c) =>
      c
        .notNull()
        .defaultTo("resolution_email")
        .check(sql`csat_delivery in ('resolution_email', 'separate_email')`),
    )
    .addColumn("csat_delay_minutes", "integer", (c) => c.notNull().defaultTo(60))
    .addColumn("nps_enabled", bool, (c) => c.notNull().defaultTo(truthy))
    .addColumn("nps_first_days", "integer", (c) => c.notNull().defaultTo(30))
    .addColumn("nps_every_days", "integer", (c) => c.notNull().defaultTo(90))
    .addColumn("ces_enabled", bool, (c) => c.notNull().defaultTo(truthy))
    .addColumn("ces_after_plan", bool, (c) => c.notNull().defaultTo(truthy))
    // JSON array of ticket types whose closing asks for CES.
    .addColumn("ces_ticket_types", "text", (c) => c.notNull().defaultTo("[]"))
    // Days after a resolution to ask "Still fixed?"; 0 turns it off.
    .addColumn("still_fixed_days", "integer", (c) => c.notNull().defaultTo(3))
    // A contact is asked at most one survey within this many days.
    .addColumn("quiet_days", "integer", (c) => c.notNull().defaultTo(7))
    .addColumn("csat_follow_up_max", "integer", (c) => c.notNull().defaultTo(2))
    .addColumn("nps_detractor_max", "integer", (c) => c.notNull().defaultTo(6))
    // The customer-success lead: hears of detractors and gets their follow-up task.
    .addColumn("cs_lead_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("slack_webhook_url", "text")
    .addColumn("kb_no_rate_pct", "integer", (c) => c.notNull().defaultTo(30))
    .addColumn("kb_no_days", "integer", (c) => c.notNull().defaultTo(7))
    .addColumn("kb_min_votes", "integer", (c) => c.notNull().defaultTo(5))
    // JSON array of agent ids who get the monthly report; empty means the admins.
    .addColumn("report_agent_ids", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("surveys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('csat', 'nps', 'ces', 'still_fixed')`))
    .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.references("companies.id").onDelete("set null"))
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("cascade"))
    .addColumn("plan_id", "text", (c) => c.references("plans.id").onDelete("set null"))
    // The agent the answer is about: the ticket's assignee when it was resolved.
    .addColumn("agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    // What asked: 'resolution', 'closed_type', 'plan_completed', 'schedule'.
    .addColumn("trigger", "text", (c) => c.notNull())
    // scheduled → sent → answered; or expired, or skipped (with skip_reason) without being sent.
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('scheduled', 'sent', 'answered', 'expired', 'skipped')`),
    )
    .addColumn("skip_reason", "text")
    // The one-time answer link's token and the unsubscribe link's, both stored hashed.
    .addColumn("token_hash", "text", (c) => c.unique())
    .addColumn("unsubscribe_token_hash", "text", (c) => c.unique())
    .addColumn("send_at", ts, (c) => c.notNull())
    .addColumn("sent_at", ts)
    .addColumn("expires_at", ts)
    .addColumn("score", "integer")
    // "Still fixed?": 'yes' or 'no'.
    .addColumn("answer", "text")
    .addColumn("comment", "text")
    .addColumn("answered_at", ts)
    .addColumn("answered_via", "text", (c) => c.check(sql`answered_via in ('email', 'portal')`))
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("surveys_contact_idx")
    .on("surveys")
    .columns(["contact_id", "sent_at"])
    .execute();
  await db.schema.createIndex("surveys_ticket_idx").on("surveys").columns(["ticket_id", "kind"]).execute();
  await db.schema
    .createIndex("surveys_answered_idx")
    .on("surveys")
    .columns(["workspace_id", "kind", "answered_at"])
    .execute();

  await db.schema
    .createTable("agent_tasks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    .addColumn("agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("due_at", ts)
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open").check(sql`status in ('open', 'done')`))
    .addColumn("done_at", ts)
    .addColumn("done_by_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("cascade"))
    .addColumn("contact_id", "text", (c) => c.references("contacts.id").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.references("companies.id").onDelete("cascade"))
    // The answer that asked for it: one task per survey answer.
    .addColumn("survey_id", "text", (c) => c.references("surveys.id").onDelete("cascade").unique())
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('csat', 'nps', 'manual')`))
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("agent_tasks_agent_idx")
    .on("agent_tasks")
    .columns(["workspace_id", "agent_id", "status", "due_at"])
    .execute();

  // Each published article's "not helpful" rate, one row a day; an alert is sent once per run.
  await db.schema
    .createTable("kb_article_health")
    .addColumn("workspace_id", "text", ws)
    .addColumn("article_id", "text", (c) => c.notNull().references("kb_articles.id").onDelete("cascade"))
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("votes", "integer", (c) => c.notNull())
    .addColumn("no_votes", "integer", (c) => c.notNull())
    .addColumn("over", bool, (c) => c.notNull().defaultTo(falsy))
    .addPrimaryKeyConstraint("kb_article_health_pkey", ["article_id", "day"])
    .execute();
  await db.schema
    .createTable("kb_article_alerts")
    .addColumn("article_id", "text", (c) => c.primaryKey().references("kb_articles.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", ws)
    // The article's updated_at when alerted: a change re-arms the alert, as does recovering.
    .addColumn("article_updated_at", ts, (c) => c.notNull())
    .addColumn("alerted_at", ts, (c) => c.notNull())
    .addColumn("recovered_at", ts)
    .execute();

  await db.schema
    .createTable("monthly_reports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", ws)
    // 'YYYY-MM' of the month reported on.
    .addColumn("month", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("monthly_reports_month_idx")
    .on("monthly_reports")
    .columns(["workspace_id", "month"])
    .unique()
    .execute();

  // Durable time-based work: one row per run, unique by key, claimed with a lease.
  await db.schema
    .createTable("scheduled_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.references("workspaces.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    // What makes a run one: a second schedule of the same key is the same job.
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("payload", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("run_at", ts, (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending', 'done', 'skipped', 'failed')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", ts)
    .addColumn("locked_by", "text")
    .addColumn("last_error", "text")
    .addColumn("finished_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("scheduled_jobs_due_idx")
    .on("scheduled_jobs")
    .columns(["status", "run_at"])
    .execute();
}

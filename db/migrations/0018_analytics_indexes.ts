import { type Kysely, sql } from "kysely";

// The dashboard's reads (src/server/analytics/queries.ts), each answered by an index alone:
// tickets by channel and type in the index's order (no sort), with their creation time;
// tickets resolved in a range with the times their response and resolution are measured from;
// the few closed without a resolution; survey answers by day and kind; the portal's deflection
// events by time with their visit.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("tickets_analytics_kind_idx")
    .on("tickets")
    .columns(["workspace_id", "channel", "type", "created_at"])
    .execute();
  await db.schema
    .createIndex("tickets_analytics_resolved_idx")
    .on("tickets")
    .columns(["workspace_id", "resolved_at", "created_at", "first_response_at", "assignee_id"])
    .execute();
  await db.schema
    .createIndex("tickets_closed_unresolved_idx")
    .on("tickets")
    .columns(["workspace_id", "closed_at"])
    .where(sql.ref("resolved_at"), "is", null)
    .execute();
  await db.schema
    .createIndex("surveys_analytics_answered_idx")
    .on("surveys")
    .columns(["workspace_id", "answered_at", "kind", "score", "agent_id"])
    .execute();
  await db.schema
    .createIndex("kb_deflection_events_analytics_idx")
    .on("kb_deflection_events")
    .columns(["workspace_id", "created_at", "type", "visit_id"])
    .execute();
}

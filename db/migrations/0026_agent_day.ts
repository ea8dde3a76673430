import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// The agent's day, its shared parts: teams of agents (a ticket belongs to one), each agent's
// availability (online or away) and capacity (most open tickets assigned at once; null: no
// limit), the notifications an agent chooses (JSON { <kind>: { app?: boolean, email?: boolean } },
// "{}": the defaults of notifications/notification-kinds.ts), the agent's own time zone, and the
// notifications themselves, read in the app's bell.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  await db.schema
    .createTable("teams")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
  await sql`create unique index teams_name_idx on teams (workspace_id, lower(name))`.execute(db);
  await db.schema
    .createTable("team_members")
    .addColumn("team_id", "text", (c) => c.notNull().references("teams.id").onDelete("cascade"))
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("team_members_pk", ["team_id", "agent_id"])
    .execute();
  await db.schema.createIndex("team_members_agent_idx").on("team_members").columns(["agent_id"]).execute();

  await db.schema
    .alterTable("tickets")
    .addColumn("team_id", "text", (c) => c.references("teams.id").onDelete("set null"))
    .execute();
  await db.schema
    .createIndex("tickets_team_idx")
    .on("tickets")
    .columns(["workspace_id", "team_id", "number"])
    .execute();

  const agents = () => db.schema.alterTable("agents");
  await agents()
    .addColumn("availability", "text", (c) =>
      c.notNull().defaultTo("online").check(sql`availability in ('online', 'away')`),
    )
    .execute();
  await agents().addColumn("capacity", "integer").execute();
  await agents()
    .addColumn("notify_prefs", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await agents().addColumn("time_zone", "text").execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("ticket_id", "text", (c) => c.references("tickets.id").onDelete("cascade"))
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("read_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("notifications_agent_idx")
    .on("notifications")
    .columns(["agent_id", "created_at"])
    .execute();
}

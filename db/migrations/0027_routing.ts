import type { Kysely } from "kysely";

// Routing: how new tickets find an agent. The workspace's mode (manual, round robin, least open
// tickets) and its map of ticket type → team (JSON { <type>: <team id> }), and the round-robin
// cursors, one row per workspace and scope ("" the whole workspace, else a team's id): the agent
// given the last ticket there. The workspace's row ("") is also the lock every assignment takes.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("workspaces")
    .addColumn("assignment_mode", "text", (c) => c.notNull().defaultTo("manual"))
    .execute();
  await db.schema
    .alterTable("workspaces")
    .addColumn("assignment_teams", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await db.schema
    .createTable("assignment_cursors")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("last_agent_id", "text")
    .addPrimaryKeyConstraint("assignment_cursors_pk", ["workspace_id", "scope"])
    .execute();
}

import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Incidents: an outage or a known problem an agent declares, with the message customers read in
// a banner on the portal, its status (investigating, identified, monitoring, resolved) and the
// products it touches (free tags, JSON array). Its companies are those it was declared for
// (source "declared"; none: everyone) and those whose contacts said it affects them ("reported").
// Tickets linked to it, and the contacts to tell when it is resolved: those who said "this
// affects me too" and those of linked tickets, each told once (notified_at).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts } = columnTypes(db);
  await db.schema
    .createTable("incidents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('investigating', 'identified', 'monitoring', 'resolved')`),
    )
    .addColumn("products", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("created_by_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addColumn("resolved_at", ts)
    .execute();
  await db.schema
    .createIndex("incidents_workspace_idx")
    .on("incidents")
    .columns(["workspace_id", "status", "created_at"])
    .execute();

  await db.schema
    .createTable("incident_companies")
    .addColumn("incident_id", "text", (c) => c.notNull().references("incidents.id").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('declared', 'reported')`))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("incident_companies_pk", ["incident_id", "company_id"])
    .execute();
  await db.schema
    .createIndex("incident_companies_company_idx")
    .on("incident_companies")
    .columns(["company_id"])
    .execute();

  await db.schema
    .createTable("incident_tickets")
    .addColumn("incident_id", "text", (c) => c.notNull().references("incidents.id").onDelete("cascade"))
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("linked_by_agent_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("incident_tickets_pk", ["incident_id", "ticket_id"])
    .execute();
  await db.schema
    .createIndex("incident_tickets_ticket_idx")
    .on("incident_tickets")
    .columns(["ticket_id"])
    .execute();

  await db.schema
    .createTable("incident_contacts")
    .addColumn("incident_id", "text", (c) => c.notNull().references("incidents.id").onDelete("cascade"))
    .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('affected', 'ticket')`))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("notified_at", ts)
    .addPrimaryKeyConstraint("incident_contacts_pk", ["incident_id", "contact_id"])
    .execute();
  await db.schema
    .createIndex("incident_contacts_contact_idx")
    .on("incident_contacts")
    .columns(["contact_id"])
    .execute();
}

import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// Customer accounts and companies. Contacts may hold a password and a verified email; companies
// gain notes, custom properties and any number of email domains (each joining new contacts
// automatically or not, as the admin chooses). One-time links for customers (invitation, magic
// link, password reset, email verification) are kept like every other token: the SHA-256 of the
// token only. Agents' one-time links gain a purpose so the same table serves password resets.
// A workspace chooses who may use its portal; a ticket may copy in colleagues of its company.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);
  const falsy = bool === "boolean" ? sql`false` : sql`0`;
  const truthy = bool === "boolean" ? sql`true` : sql`1`;

  await db.schema.alterTable("contacts").addColumn("password_hash", "text").execute();
  await db.schema.alterTable("contacts").addColumn("email_verified_at", ts).execute();
  await db.schema.alterTable("contacts").addColumn("phone", "text").execute();
  await db.schema.alterTable("contacts").addColumn("last_sign_in_at", ts).execute();

  await db.schema
    .alterTable("companies")
    .addColumn("notes", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  // JSON object of custom properties (filled by forms later).
  await db.schema
    .alterTable("companies")
    .addColumn("properties", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();

  await db.schema
    .createTable("company_domains")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("auto_join", bool, (c) => c.notNull().defaultTo(truthy))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("company_domains_pkey", ["workspace_id", "domain"])
    .execute();
  await db.schema
    .createIndex("company_domains_company_idx")
    .on("company_domains")
    .column("company_id")
    .execute();
  await sql`insert into company_domains (workspace_id, domain, company_id, auto_join, created_at)
    select workspace_id, lower(domain), id, ${falsy}, created_at from companies
    where domain is not null and domain <> ''`.execute(db);
  await db.schema.alterTable("companies").dropColumn("domain").execute();

  await db.schema
    .createTable("customer_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) =>
      c.notNull().check(sql`purpose in ('invite', 'magic_link', 'password_reset', 'verify_email')`),
    )
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addColumn("used_at", ts)
    .execute();
  await db.schema
    .createIndex("customer_tokens_contact_idx")
    .on("customer_tokens")
    .column("contact_id")
    .execute();

  await db.schema
    .alterTable("agent_invitations")
    .addColumn("purpose", "text", (c) =>
      c.notNull().defaultTo("invite").check(sql`purpose in ('invite', 'password_reset')`),
    )
    .execute();

  // public: anyone may submit, track and read; account: all of it needs signing in (and anyone
  // may register); invited: only contacts an agent gave access.
  await db.schema
    .alterTable("workspaces")
    .addColumn("portal_access", "text", (c) =>
      c.notNull().defaultTo("public").check(sql`portal_access in ('public', 'account', 'invited')`),
    )
    .execute();
  await db.schema
    .alterTable("workspaces")
    .addColumn("show_assignee", bool, (c) => c.notNull().defaultTo(falsy))
    .execute();

  await db.schema
    .createTable("ticket_ccs")
    .addColumn("ticket_id", "text", (c) => c.notNull().references("tickets.id").onDelete("cascade"))
    .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("added_by_contact_id", "text", (c) => c.references("contacts.id").onDelete("set null"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("ticket_ccs_pkey", ["ticket_id", "contact_id"])
    .execute();
  await db.schema.createIndex("ticket_ccs_contact_idx").on("ticket_ccs").column("contact_id").execute();
}

import { type Kysely, sql } from "kysely";
import { columnTypes } from "../../src/server/db/dialect.ts";

// The portal as the customer's brand (workspaces/portal-settings.ts reads these with their
// defaults): the portal on or off, its default language, a secondary colour, a font, custom CSS
// (stored sanitised), which pages the navigation shows and their labels, the word for "ticket"
// per language, the customer emails' subjects and intros, and a custom domain with its
// verification. Brand images (logos light and dark, the favicon) are rows of brand_assets;
// old slugs and domains keep redirecting through workspace_redirects. A contact may choose a
// language and a time zone.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);
  const truthy = bool === "boolean" ? sql`true` : sql`1`;
  const ws = () => db.schema.alterTable("workspaces");
  await ws()
    .addColumn("portal_enabled", bool, (c) => c.notNull().defaultTo(truthy))
    .execute();
  await ws()
    .addColumn("default_locale", "text", (c) => c.notNull().defaultTo("en"))
    .execute();
  await ws().addColumn("secondary_color", "text").execute();
  await ws().addColumn("font", "text").execute();
  await ws().addColumn("custom_css", "text").execute();
  await ws()
    .addColumn("portal_nav", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await ws()
    .addColumn("ticket_words", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await ws()
    .addColumn("email_templates", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await ws().addColumn("custom_domain", "text").execute();
  await ws().addColumn("custom_domain_token", "text").execute();
  await ws().addColumn("custom_domain_verified_at", ts).execute();
  await sql`create unique index workspaces_custom_domain_idx on workspaces (custom_domain) where custom_domain is not null`.execute(
    db,
  );

  await db.schema.alterTable("contacts").addColumn("locale", "text").execute();
  await db.schema.alterTable("contacts").addColumn("time_zone", "text").execute();

  // A brand image, already checked and resized: small and public, so its bytes live in the row
  // (base64) and every process, backup and migration carries them with the database.
  await db.schema
    .createTable("brand_assets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('logo_light', 'logo_dark', 'favicon')`))
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("width", "integer", (c) => c.notNull())
    .addColumn("height", "integer", (c) => c.notNull())
    .addColumn("byte_size", "integer", (c) => c.notNull())
    .addColumn("data_base64", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("brand_assets_kind_idx")
    .on("brand_assets")
    .columns(["workspace_id", "kind"])
    .unique()
    .execute();

  // An old slug or domain of a workspace: its links redirect to the current address.
  await db.schema
    .createTable("workspace_redirects")
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('slug', 'domain')`))
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("workspace_redirects_pk", ["kind", "value"])
    .execute();
}

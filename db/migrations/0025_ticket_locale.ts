import { type Kysely, sql } from "kysely";

// The language a request was written in (en, de, fr: the page's when it was submitted, a
// follow-up's from the request it follows): the emails about it speak it when the contact chose
// none, and agents see it on the ticket. Null for requests from before, and from email.
// A custom domain is one workspace's only once verified: pending claims of the same name by
// several workspaces may stand side by side (the DNS proof decides), so none can squat a name.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tickets").addColumn("locale", "text").execute();
  await sql`drop index workspaces_custom_domain_idx`.execute(db);
  await sql`create unique index workspaces_verified_domain_idx on workspaces (custom_domain) where custom_domain_verified_at is not null`.execute(
    db,
  );
  await sql`create index workspaces_custom_domain_idx on workspaces (custom_domain) where custom_domain is not null`.execute(
    db,
  );
}

import type { Kysely } from "kysely";

// The language a request was written in (en, de, fr: the page's when it was submitted, a
// follow-up's from the request it follows): the emails about it speak it when the contact chose
// none, and agents see it on the ticket. Null for requests from before, and from email.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tickets").addColumn("locale", "text").execute();
}

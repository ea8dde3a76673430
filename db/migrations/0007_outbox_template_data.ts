import type { Kysely } from "kysely";

// An outbox row keeps its template's inputs (a few hundred bytes of JSON) instead of the whole
// rendered text and HTML, which are rendered when the email is sent or shown. A submission
// writes two emails in its transaction; their rendered bodies were most of its bytes on disk.
// Rows written before keep their stored text and HTML (template_data null).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox_emails").addColumn("template_data", "text").execute();
}

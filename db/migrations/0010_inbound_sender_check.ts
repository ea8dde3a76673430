import type { Kysely } from "kysely";

// Incoming mail's sender is checked (SPF, DKIM, DMARC) when the message is processed, which may
// be after a restart: the SMTP client's address and HELO name are kept with the stored message,
// and what the check found is kept beside its outcome.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("inbound_emails").addColumn("client_ip", "text").execute();
  await db.schema.alterTable("inbound_emails").addColumn("client_helo", "text").execute();
  await db.schema.alterTable("inbound_emails").addColumn("sender_check", "text").execute();
}

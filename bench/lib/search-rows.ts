import { type Kysely, sql } from "kysely";
import type { DB } from "../../src/server/db/schema.ts";
import { ROWID_BLOCK } from "../../src/server/tickets/ticket.search.ts";

// The seeds' ticket index rows (one per ticket) on SQLite.

export interface SearchRow {
  id: string;
  workspace_id: string;
  ticket_id: string;
  body: string;
  /** The ticket's number: on SQLite the row's rowid is number × ROWID_BLOCK, as the app writes it. */
  number: number;
}

/** SQLite: ticket index rows, one per ticket, under the rowids the app gives them (ticket.search.ts). */
export function insertSearchRowsSqlite(tx: Kysely<DB>, rows: SearchRow[]) {
  return sql`insert into ticket_search (rowid, id, workspace_id, ticket_id, body) values ${sql.join(
    rows.map(
      (r) =>
        sql`(${r.number} * ${sql.lit(ROWID_BLOCK)}, ${r.id}, ${r.workspace_id}, ${r.ticket_id}, ${r.body})`,
    ),
  )}`.execute(tx);
}

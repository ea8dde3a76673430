import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";

// Ticket text search (subjects, descriptions and messages) for the agents' queue. SQLite uses
// FTS5, PostgreSQL a tsvector with a GIN index; both match every word, the last as a prefix,
// so results come while typing.

const MAX_TERMS = 8;

/** Words of the query, letters and digits only: nothing of the user's reaches the match syntax. */
export function searchTerms(q: string): string[] {
  return (
    q
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).slice(0, MAX_TERMS);
}

// On SQLite the index row is written just before the group's COMMIT, outside the transaction's
// savepoint, where FTS5 adds it to the group's pending entries instead of writing a segment per
// transaction (atGroupCommit in db/sqlite.ts). It is still part of that COMMIT: a ticket is
// searchable as soon as it is committed, and its answer comes after that.
const INDEX_SQLITE = new PreparedWrite(
  ["id", "workspaceId", "ticketId", "content"],
  (_db, p) =>
    sql`insert into ticket_search (body, id, workspace_id, ticket_id)
      values (${p.content}, ${p.id}, ${p.workspaceId}, ${p.ticketId})`,
  { atGroupCommit: true },
);
const INDEX_POSTGRES = new PreparedWrite(
  ["id", "workspaceId", "ticketId", "content"],
  (_db, p) => sql`insert into ticket_search (id, workspace_id, ticket_id, document)
      values (${p.id}, ${p.workspaceId}, ${p.ticketId}, to_tsvector('simple', ${p.content}))`,
);

export async function indexTicketText(
  ctx: AppContext,
  tx: Tx,
  entry: { workspaceId: string; ticketId: string; content: string },
): Promise<void> {
  await (ctx.database.dialect === "postgres" ? INDEX_POSTGRES : INDEX_SQLITE).execute(ctx.database, tx, {
    id: newId(),
    workspaceId: entry.workspaceId,
    ticketId: entry.ticketId,
    content: entry.content,
  });
}

/** A subquery of ticket ids in the workspace whose text matches every term, or null for no terms. */
export function matchingTicketIds(ctx: AppContext, workspaceId: string, q: string) {
  const terms = searchTerms(q);
  if (terms.length === 0) return null;
  if (ctx.database.dialect === "postgres") {
    const tsquery = terms.map((t) => `${t}:*`).join(" & ");
    return sql<string>`(select ticket_id from ticket_search
      where document @@ to_tsquery('simple', ${tsquery}) and workspace_id = ${workspaceId})`;
  }
  const match = terms.map((t) => `"${t}"*`).join(" ");
  return sql<string>`(select ticket_id from ticket_search
    where ticket_search match ${match} and workspace_id = ${workspaceId})`;
}

/**
 * Erasure: these tickets' text leaves the index (the caller indexes what stays), in one
 * statement: on SQLite ticket_id is not indexed by FTS5, so each statement reads the index.
 */
export async function forgetTicketText(tx: Tx, workspaceId: string, ticketIds: string[]): Promise<void> {
  if (!ticketIds.length) return;
  await sql`delete from ticket_search where workspace_id = ${workspaceId}
    and ticket_id in (${sql.join(ticketIds)})`.execute(tx);
}

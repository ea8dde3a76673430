import { sql } from "kysely";
import type { AppContext } from "../context.ts";
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

export async function indexTicketText(
  ctx: AppContext,
  tx: Tx,
  entry: { workspaceId: string; ticketId: string; content: string },
): Promise<void> {
  const id = newId();
  if (ctx.database.dialect === "postgres") {
    await sql`insert into ticket_search (id, workspace_id, ticket_id, document)
      values (${id}, ${entry.workspaceId}, ${entry.ticketId}, to_tsvector('simple', ${entry.content}))`.execute(
      tx,
    );
  } else {
    await sql`insert into ticket_search (body, id, workspace_id, ticket_id)
      values (${entry.content}, ${id}, ${entry.workspaceId}, ${entry.ticketId})`.execute(tx);
  }
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

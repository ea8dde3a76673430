import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";

// Ticket text search (subjects, descriptions and messages) for the agents' queue. SQLite uses
// FTS5, PostgreSQL a tsvector with a GIN index; both match every word, the last as a prefix,
// so results come while typing.

const MAX_TERMS = 8;

/** SQLite: index rowids per ticket number (number × ROWID_BLOCK + n); migration 0038. */
export const ROWID_BLOCK = 2 ** 32;

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
// Its rowid orders with the ticket's number (ROWID_BLOCK rowids per number, shared by the
// workspaces' tickets of that number: the next free one after the block's last), so a search
// walks the index newest first and stops at the page (newestMatches). A ticket that is gone
// (rolled back) gets no row.
const INDEX_SQLITE = new PreparedWrite(
  ["id", "workspaceId", "ticketId", "content"],
  (_db, p) =>
    sql`insert into ticket_search (rowid, body, id, workspace_id, ticket_id)
      select coalesce(
          (select s.rowid + 1 from ticket_search s
            where s.rowid >= t.number * ${sql.lit(ROWID_BLOCK)} and s.rowid < (t.number + 1) * ${sql.lit(ROWID_BLOCK)}
            order by s.rowid desc limit 1),
          t.number * ${sql.lit(ROWID_BLOCK)}),
        ${p.content}, ${p.id}, ${p.workspaceId}, ${p.ticketId}
      from tickets t where t.id = ${p.ticketId}`,
  { atGroupCommit: true },
);
const INDEX_POSTGRES = new PreparedWrite(
  ["id", "workspaceId", "ticketId", "content"],
  (_db, p) => sql`insert into ticket_search (id, workspace_id, ticket_id, document)
      values (${p.id}, ${p.workspaceId}, ${p.ticketId}, to_tsvector('simple', ${p.content}))`,
  { batched: true },
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

function pgQuery(terms: string[]): string {
  return terms.map((t) => `${t}:*`).join(" & ");
}

/** Past this many words for one prefix, the prefix itself is matched (below). */
const MAX_WORDS_PER_PREFIX = 64;
/** The prefixes looked up in the index's words: the tokenizer keeps these as they are. */
const LOOKED_UP = /^[a-z0-9]{3,}$/;

/**
 * SQLite: the FTS5 match of every term, each a prefix. FTS5 answers a prefix query by building
 * the list of every row holding any of the prefix's words before the first row comes out, so a
 * common prefix cost the same whether the page wanted 50 rows or all of them (bench/README.md).
 * Each prefix of three letters or digits or more is instead looked up in the index's words
 * (ticket_search_vocab) and matched as an OR of those words, which FTS5 reads lazily, newest
 * first, stopping at the page. The words come from the index itself, in the statement, so the
 * match is the prefix query's: a prefix no word starts with, one of more than
 * MAX_WORDS_PER_PREFIX words, or one with other characters (the tokenizer folds diacritics)
 * stays a prefix query.
 */
function ftsMatch(terms: string[]) {
  const parts = terms.map((t) => {
    const prefix = `"${t}"*`;
    if (!LOOKED_UP.test(t)) return sql`${prefix}`;
    const next = t.slice(0, -1) + String.fromCharCode(t.charCodeAt(t.length - 1) + 1);
    return sql`(select case when count(*) = 0 or count(*) > ${sql.lit(MAX_WORDS_PER_PREFIX)} then ${prefix}
        else '(' || group_concat('"' || term || '"', ' OR ') || ')' end
      from (select term from ticket_search_vocab where term >= ${t} and term < ${next}
        limit ${sql.lit(MAX_WORDS_PER_PREFIX + 1)}))`;
  });
  return sql`(${sql.join(parts, sql` || ' AND ' || `)})`;
}

/** The index rows of tickets numbered below (down) or above `after`; all of them for null. */
function rowidBound(past?: { after: number | null; down: boolean }) {
  if (!past || past.after === null) return sql``;
  const block = sql.lit(ROWID_BLOCK);
  return past.down
    ? sql` and rowid < cast(${past.after} as integer) * ${block}`
    : sql` and rowid >= (cast(${past.after} as integer) + 1) * ${block}`;
}

/**
 * A subquery of ticket ids in the workspace whose text matches every term, or null for no terms.
 * On SQLite `past` keeps to tickets numbered below (down) or above `after` (the index's rowids).
 */
export function matchingTicketIds(
  ctx: AppContext,
  workspaceId: string,
  q: string,
  past?: { after: number | null; down: boolean },
) {
  const terms = searchTerms(q);
  if (terms.length === 0) return null;
  if (ctx.database.dialect === "postgres") {
    return sql<string>`(select ticket_id from ticket_search
      where document @@ to_tsquery('simple', ${pgQuery(terms)}) and workspace_id = ${workspaceId})`;
  }
  return sql<string>`(select ticket_id from ticket_search
    where ticket_search match ${ftsMatch(terms)} and workspace_id = ${workspaceId}${rowidBound(past)})`;
}

/**
 * PostgreSQL: whether the ticket (tickets.id) has text matching every term, looked up for each
 * ticket by ticket_search_ticket_idx (OFFSET 0 keeps it a lookup, not a join over every match),
 * for a walk over a window of tickets. Null without terms.
 */
export function ticketHasText(workspaceId: string, q: string) {
  const terms = searchTerms(q);
  if (terms.length === 0) return null;
  return sql<boolean>`exists (select 1 from ticket_search s where s.ticket_id = tickets.id
    and s.workspace_id = ${workspaceId} and s.document @@ to_tsquery('simple', ${pgQuery(terms)}) offset 0)`;
}

/** One stretch of the index walked from one end: the tickets it names and where it stopped. */
export interface SearchWindow {
  ids: string[];
  /** The number of the last ticket reached: every match numbered from the start to it is in ids. */
  edge: number;
  /** Nothing matches past this window in the direction walked. */
  done: boolean;
}

/**
 * SQLite: up to `rows` index rows matching every term, in the workspace, walked from ticket number
 * `after` (exclusive; null: from the end) down (newest first) or up, in rowid order, so the walk
 * stops after `rows` instead of reading every match. Null on PostgreSQL or without terms.
 */
export async function searchWindow(
  ctx: AppContext,
  workspaceId: string,
  q: string,
  walk: { after: number | null; down: boolean; rows: number },
): Promise<SearchWindow | null> {
  const terms = searchTerms(q);
  if (terms.length === 0 || ctx.database.dialect === "postgres") return null;
  const { after, down, rows } = walk;
  // A query-builder select: it runs on the read-only connection as a kept statement and leaves
  // the group commit (and the kept reads) alone, where raw SQL would go to the writer.
  const found = await ctx.database.db
    .selectFrom("ticket_search")
    .select([sql<number>`rowid / ${sql.lit(ROWID_BLOCK)}`.as("n"), "ticket_id"])
    .where(sql<boolean>`ticket_search match ${ftsMatch(terms)}${rowidBound(walk)}`)
    .where("workspace_id", "=", workspaceId)
    .orderBy(sql`rowid`, down ? "desc" : "asc")
    .limit(rows)
    .execute();
  // The last row's ticket is in ids, and every row past its number's block was read.
  const last = found.at(-1);
  return {
    ids: [...new Set(found.map((r) => r.ticket_id))],
    edge: last ? Number(last.n) : (after ?? 0),
    done: found.length < rows,
  };
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

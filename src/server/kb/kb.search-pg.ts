import { sql } from "kysely";
import type { Actor } from "../actors.ts";
import { PreparedRead } from "../db/prepared.ts";
import { articleHeadsVisibleTo, articlesVisibleTo } from "./kb.access.ts";

// PostgreSQL's search statements that run for every new query, as named prepared statements
// (db/prepared.ts): parsed and planned once per connection, built and compiled by Kysely once per
// process. The vocabulary lookup, and the first tier of the ranking (decision 0008) on the narrow
// rows of kb_article_heads (migration 0041). kb.engines.ts runs them.

/**
 * The words a workspace's vocabulary holds among a query's (each letters and digits only, so one
 * space-separated parameter carries them): a named prepared statement, planned once per connection.
 */
export const KNOWN_TERMS = new PreparedRead(
  ["workspaceId", "terms"],
  (db, p) =>
    db
      .selectFrom("kb_terms")
      .select(["term", "articles"])
      .where("workspace_id", "=", p.workspaceId)
      .where(sql<boolean>`term = any(string_to_array(${p.terms}, ' '))`),
  { name: "kb_terms_known" },
);

/**
 * A reader of the given kind in the workspace of the statement's parameter: the scope of a named
 * statement, built once per kind. The scopes (kb.access.ts) look at the kind and the workspace
 * only; should one ever read more of the reader, that part is missing here and matches nothing.
 */
const readerOfKind = (kind: Actor["kind"], workspaceId: never) => ({ kind, workspaceId }) as unknown as Actor;

/** A text-search query made once per statement (an InitPlan), not once per row, in any plan. */
const tsQuery = (language: never, text: never) => sql`(select to_tsquery(${language}::regconfig, ${text}))`;

/** How many ranked title matches one read of the first tier takes when there are several words. */
export const HEADS_PAGE = 60;

/**
 * The first tier for one word (one group): the articles the reader may see with the word (or a
 * correction, or its start) in the title or tags, best first, from `kb_article_heads` (migration
 * 0041): narrow rows, so the scope and the ranking read a few pages, not the articles' wide rows.
 * A named prepared statement per kind of reader (the scope differs by kind).
 */
const FIRST_TIER_ONE = new Map<
  Actor["kind"],
  PreparedRead<"workspaceId" | "language" | "any" | "limit", { id: string }>
>();
export function firstTierOne(kind: Actor["kind"]) {
  let read = FIRST_TIER_ONE.get(kind);
  if (read === undefined) {
    read = new PreparedRead(
      ["workspaceId", "language", "any", "limit"],
      (db, p) =>
        articleHeadsVisibleTo(db, readerOfKind(kind, p.workspaceId))
          .select("a.article_id as id")
          .where(sql<boolean>`a.heads @@ ${tsQuery(p.language, p.any)}`)
          .orderBy(sql`ts_rank(a.heads, ${tsQuery(p.language, p.any)})`, "desc")
          .orderBy("a.article_id")
          .limit(p.limit),
      { name: `kb_first_tier_one_${kind}` },
    );
    FIRST_TIER_ONE.set(kind, read);
  }
  return read;
}

/**
 * The first tier for several words: a page of the articles with any of them in the title or tags,
 * ranked as for one word, each with whether it holds every word somewhere (`kept`: the article's
 * document, looked up by its key for the page's rows only, through articlesVisibleTo; the GIN index
 * of the documents would list every article with the words, thousands for common ones). Read page
 * after page until enough are kept. A named prepared statement per kind of reader.
 */
const FIRST_TIER_ALL = new Map<
  Actor["kind"],
  PreparedRead<"workspaceId" | "language" | "any" | "all" | "limit" | "offset", { id: string; kept: boolean }>
>();
export function firstTierAll(kind: Actor["kind"]) {
  let read = FIRST_TIER_ALL.get(kind);
  if (read === undefined) {
    read = new PreparedRead(
      ["workspaceId", "language", "any", "all", "limit", "offset"],
      (db, p) => {
        const reader = readerOfKind(kind, p.workspaceId);
        const ranked = articleHeadsVisibleTo(db, reader)
          .select(["a.article_id", sql<number>`ts_rank(a.heads, ${tsQuery(p.language, p.any)})`.as("rank")])
          .where(sql<boolean>`a.heads @@ ${tsQuery(p.language, p.any)}`)
          .orderBy("rank", "desc")
          .orderBy("a.article_id")
          .limit(p.limit)
          .offset(p.offset);
        // A scalar subquery, so that it stays a lookup by key per row of the page: PostgreSQL
        // may turn an EXISTS into a hash of every article holding the words (thousands of rows).
        const holdsAll = articlesVisibleTo(db, reader)
          .select(sql<boolean>`a.document @@ ${tsQuery(p.language, p.all)}`.as("holds"))
          .where(sql<boolean>`a.id = r.article_id`);
        return db
          .selectFrom(ranked.as("r"))
          .select(["r.article_id as id", sql<boolean>`coalesce((${holdsAll}), false)`.as("kept")])
          .orderBy("r.rank", "desc")
          .orderBy("r.article_id");
      },
      { name: `kb_first_tier_all_${kind}` },
    );
    FIRST_TIER_ALL.set(kind, read);
  }
  return read;
}

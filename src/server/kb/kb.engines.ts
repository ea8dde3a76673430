import { type RawBuilder, sql } from "kysely";
import { type Actor, systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Database } from "../db/connection.ts";
import { readOne } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { articlesVisibleTo, writeSearchVectors } from "./kb.access.ts";
import { firstTierAll, firstTierOne, HEADS_PAGE, KNOWN_TERMS } from "./kb.search-pg.ts";
import {
  allowedDistance,
  type Corrector,
  knownTerms,
  rankCandidates,
  type SearchLanguage,
  sameFirstLetter,
  type TermGroup,
} from "./kb.vocabulary.ts";

// The two search engines behind kb.search.ts. SQLite uses FTS5 (porter stemming for English,
// unstemmed unicode61 otherwise), PostgreSQL a weighted tsvector with a GIN index in the
// workspace's text-search configuration. Both rank in two tiers, titles and tags first
// (decision 0008), and return only ids the reader may see (articlesVisibleTo).

/** What the index holds of an article. */
export interface IndexedArticle {
  articleId: string;
  workspaceId: string;
  title: string;
  tags: string[];
  text: string;
}

export interface Engine extends Corrector {
  /** `actor` is the one saving the article: the index is written in the save's transaction. */
  index(tx: Tx, actor: Actor, doc: IndexedArticle, language: SearchLanguage, fresh: boolean): Promise<void>;
  remove(tx: Tx, articleId: string): Promise<void>;
  /** Ids of matching articles the reader may see, best first; every group must match. */
  search(
    database: Database,
    reader: Actor,
    groups: TermGroup[],
    language: SearchLanguage,
    limit: number,
  ): Promise<string[]>;
  /** Whether one article the reader may see matches one group (the word, a correction, its start). */
  holds(
    db: Tx,
    reader: Actor,
    articleId: string,
    group: TermGroup,
    language: SearchLanguage,
  ): Promise<boolean>;
}

// --- SQLite: FTS5 -------------------------------------------------------------------------------

const ftsTable = (language: SearchLanguage) =>
  language === "english" ? ("kb_search_porter" as const) : ("kb_search_plain" as const);
/** Titles and tags only: the first tier of the ranking reads this small index. */
const headsTable = (language: SearchLanguage) =>
  language === "english" ? ("kb_search_heads_porter" as const) : ("kb_search_heads_plain" as const);
const FTS_TABLES = [
  "kb_search_porter",
  "kb_search_plain",
  "kb_search_heads_porter",
  "kb_search_heads_plain",
] as const;
type FtsTable = (typeof FTS_TABLES)[number];
const quote = (w: string) => `"${w}"`;

/**
 * One group as FTS5 syntax: the word, its corrections and, for the last word, the prefix. For
 * ranking, the whole word is there beside its prefix, so an exact match counts for more; a mere
 * match check leaves it out, since the prefix holds it.
 */
const ftsGroup = (g: TermGroup, use: "rank" | "match" = "rank") => {
  const words = g.prefix && use === "match" ? g.alternatives : [g.term, ...g.alternatives];
  return `(${[...words.map(quote), ...(g.prefix ? [`${quote(g.term)}*`] : [])].join(" OR ")})`;
};

const searchDocOf = (tx: Tx, articleId: string) =>
  tx.selectFrom("kb_search_docs").select("id").where("article_id", "=", articleId).executeTakeFirst();

async function deleteFromIndex(tx: Tx, rowid: number): Promise<void> {
  // Every table: the workspace's language, and with it the table, may have changed since.
  for (const table of FTS_TABLES) await tx.deleteFrom(table).where("rowid", "=", rowid).execute();
}

/** How many ranked ids one read takes; reads go on (OFFSET) while visibility leaves a page short. */
const RANK_PAGE = 60;

/** The ids, in their order, that the reader may see: at most `limit`, checked 500 at a time. */
async function keepVisible(db: Tx, reader: Actor, ids: string[], limit: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length && out.length < limit; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const ok = new Set(
      (await articlesVisibleTo(db, reader, { ids: chunk }).select("a.id").execute()).map((r) => r.id),
    );
    for (const id of chunk) if (ok.has(id) && out.length < limit) out.push(id);
  }
  return out;
}

const sqliteEngine: Engine = {
  async index(tx, _actor, doc, language, fresh) {
    const existing = fresh ? undefined : await searchDocOf(tx, doc.articleId);
    if (existing) await deleteFromIndex(tx, existing.id);
    const rowid =
      existing?.id ??
      (
        await tx
          .insertInto("kb_search_docs")
          .values({ article_id: doc.articleId, workspace_id: doc.workspaceId })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    const tags = doc.tags.join(" ");
    await tx
      .insertInto(ftsTable(language))
      .values({ rowid, title: doc.title, tags, body: doc.text })
      .execute();
    await tx.insertInto(headsTable(language)).values({ rowid, title: doc.title, tags }).execute();
  },
  async remove(tx, articleId) {
    const d = await searchDocOf(tx, articleId);
    if (d) await deleteFromIndex(tx, d.id);
  },
  known(database, workspaceId, terms) {
    return knownTerms(database.db, workspaceId, terms);
  },
  async candidates(db, workspaceId, term) {
    const max = allowedDistance(term);
    return max === 0 ? [] : rankCandidates(term, await sameFirstLetter(db, workspaceId, term, max), max);
  },
  async matchesStemmed(db, workspaceId, term, language) {
    const table = ftsTable(language);
    const row = await db
      .selectFrom(`${table} as s`)
      .innerJoin("kb_search_docs as d", "d.id", "s.rowid")
      .select("d.id")
      .where(sql<boolean>`${sql.table(table)} match ${quote(term)}`)
      .where("d.workspace_id", "=", workspaceId)
      .limit(1)
      .executeTakeFirst();
    return Boolean(row);
  },
  async holds(db, reader, articleId, group, language) {
    const table = ftsTable(language);
    const row = await db
      .selectFrom(`${table} as s`)
      .innerJoin("kb_search_docs as d", "d.id", "s.rowid")
      .select("d.article_id")
      .where(sql<boolean>`${sql.table(table)} match ${ftsGroup(group)}`)
      .where("d.article_id", "=", articleId)
      .where("d.workspace_id", "=", reader.workspaceId ?? "")
      .executeTakeFirst();
    return Boolean(row) && (await keepVisible(db, reader, [articleId], 1)).length === 1;
  },
  async search(database, reader, groups, language, limit) {
    const db = database.db;
    const table = ftsTable(language);
    const heads = headsTable(language);
    const all = groups.map((g) => ftsGroup(g)).join(" AND ");
    const allMatch = groups.map((g) => ftsGroup(g, "match")).join(" AND ");
    const any = groups.map((g) => ftsGroup(g)).join(" OR ");
    const anyMatch = groups.map((g) => ftsGroup(g, "match")).join(" OR ");
    // Two tiers (decision 0008). First the articles with a query word in their title or tags,
    // ranked by bm25 over the small index of titles and tags; only then the articles that have
    // the words in their text alone, by bm25 over the whole document. Scoring is the cost of a
    // search, and the first tier scores the few articles about the words, not every article
    // that mentions them. The unary + keeps each rowid list a lookup: pushed into FTS5 as a
    // rowid constraint it would run the MATCH once per listed row.
    /**
     * One page of a tier: this workspace's articles matching in `index`, best first by bm25. A
     * select of the query builder, so that outside a transaction it runs on the read-only
     * connection as a cached prepared statement (a raw query would take the writer's).
     */
    const page =
      (index: FtsTable, match: string, weights: string, rows: RawBuilder<boolean>) => (offset: number) =>
        db
          .selectFrom(index)
          .innerJoin("kb_search_docs as d", (j) => j.on(sql<boolean>`d.id = ${sql.table(index)}.rowid`))
          .select("d.article_id")
          .where(sql<boolean>`${sql.table(index)} match ${match}`)
          .where("d.workspace_id", "=", reader.workspaceId ?? "")
          .where(rows)
          .orderBy(sql`bm25(${sql.table(index)}, ${sql.raw(weights)})`)
          .orderBy("d.id")
          .limit(RANK_PAGE)
          .offset(offset)
          .execute();
    const headsFirst = page(
      heads,
      any,
      "10.0, 4.0",
      // With several words, every one must be somewhere in the article.
      groups.length > 1
        ? sql<boolean>`+${sql.table(heads)}.rowid in (select rowid from ${sql.table(table)} where ${sql.table(table)} match ${allMatch})`
        : sql<boolean>`1`,
    );
    const textOnly = page(
      table,
      all,
      "10.0, 4.0, 1.0",
      sql<boolean>`+${sql.table(table)}.rowid not in (select rowid from ${sql.table(heads)} where ${sql.table(heads)} match ${anyMatch})`,
    );
    const out: string[] = [];
    for (const tier of [headsFirst, textOnly]) {
      for (let offset = 0; out.length < limit; offset += RANK_PAGE) {
        const ranked = (await tier(offset)).map((r) => r.article_id);
        out.push(...(await keepVisible(db, reader, ranked, limit - out.length)));
        if (ranked.length < RANK_PAGE) break;
      }
    }
    return out;
  },
};

// --- PostgreSQL: tsvector + pg_trgm ------------------------------------------------------------

/**
 * An article's vectors on PostgreSQL, as SQL text: kb_articles.heads (the title weighted A, the
 * tags B) and .document (the heads, then the text weighted D). `{c}` stands for the text-search
 * configuration, `{title}`, `{tags}` (space-separated) and `{text}` for the texts. The one
 * statement of the weighting: a save indexes through it here, and migrate-data rebuilds with it.
 */
export const ARTICLE_VECTORS = {
  heads: "setweight(to_tsvector({c}, {title}), 'A') || setweight(to_tsvector({c}, {tags}), 'B')",
  document: "{heads} || setweight(to_tsvector({c}, {text}), 'D')",
} as const;

/** A fragment of ARTICLE_VECTORS with each `{name}` replaced by its value, bound. */
function filled(fragment: string, values: Record<string, RawBuilder<unknown> | string>): RawBuilder<unknown> {
  const parts = fragment.split(/\{(\w+)\}/);
  return sql.join(
    parts.map((part, i) => {
      if (i % 2 === 0) return sql.raw(part);
      if (!(part in values)) throw new Error(`no value for {${part}}`);
      return values[part];
    }),
    sql.raw(""),
  );
}

/** One group as tsquery alternatives: the word, its corrections and, for the last word, its start. */
const pgOptions = (g: TermGroup) => [g.term, ...g.alternatives, ...(g.prefix ? [`${g.term}:*`] : [])];

const pgEngine: Engine = {
  async index(tx, actor, doc, language) {
    const c = sql`${language}::regconfig`;
    const heads = filled(ARTICLE_VECTORS.heads, { c, title: doc.title, tags: doc.tags.join(" ") });
    const document = filled(ARTICLE_VECTORS.document, { heads, c, text: doc.text });
    await writeSearchVectors(tx, actor, doc.articleId, { heads, document });
  },
  async remove() {
    // The document is a column of the article: it goes with the row.
  },
  async matchesStemmed(db, workspaceId, term, language) {
    // Like the vocabulary (kb_terms), this asks about the workspace's text as a whole: it only
    // decides whether to look for corrections; what the reader finds is scoped in `search`.
    const row = await articlesVisibleTo(db, systemActorIn("search vocabulary", workspaceId))
      .select("a.id")
      .where(sql<boolean>`a.document @@ to_tsquery(${language}::regconfig, ${term})`)
      .limit(1)
      .executeTakeFirst();
    return Boolean(row);
  },
  async candidates(db, workspaceId, term) {
    const max = allowedDistance(term);
    if (max === 0) return [];
    // Trigram neighbours (GIN index), plus the first-letter range: a swap in a short word
    // ("refnud") shares too few trigrams to pass pg_trgm's threshold.
    const [similar, near] = await Promise.all([
      db
        .selectFrom("kb_terms")
        .select(["term", "articles"])
        .where("workspace_id", "=", workspaceId)
        .where(sql<boolean>`term % ${term}`)
        .orderBy(sql`similarity(term, ${term})`, "desc")
        .limit(20)
        .execute(),
      sameFirstLetter(db, workspaceId, term, max),
    ]);
    return rankCandidates(term, [...similar, ...near], max);
  },
  async holds(db, reader, articleId, group, language) {
    const row = await articlesVisibleTo(db, reader, { ids: [articleId] })
      .select("a.id")
      .where(sql<boolean>`a.document @@ to_tsquery(${language}::regconfig, ${pgOptions(group).join(" | ")})`)
      .executeTakeFirst();
    return Boolean(row);
  },
  async known(database, workspaceId, terms) {
    const rows = await readOne(database, KNOWN_TERMS.bind(database, { workspaceId, terms: terms.join(" ") }));
    return rows.map((r) => ({ term: r.term, articles: Number(r.articles) }));
  },
  async search(database, reader, groups, language, limit) {
    const db = database.db;
    const cfg = sql`${language}::regconfig`;
    const options = pgOptions;
    const allText = groups.map((g) => `(${options(g).join(" | ")})`).join(" & ");
    const anyText = groups.flatMap(options).join(" | ");
    const all = sql`to_tsquery(${cfg}, ${allText})`;
    const any = sql`to_tsquery(${cfg}, ${anyText})`;
    // The same two tiers as on SQLite: first the articles with a query word in the title or tags
    // (the small `heads` vectors of kb_article_heads and their GIN index), ranked on them; then
    // those with the words in their text only. Visibility is part of each statement: PostgreSQL
    // has statistics to plan it.
    const workspaceId = reader.workspaceId ?? "";
    const first: string[] = [];
    if (groups.length === 1) {
      const read = firstTierOne(reader.kind).bind(database, { workspaceId, language, any: anyText, limit });
      for (const r of await readOne(database, read)) first.push(r.id);
    } else {
      for (let offset = 0; first.length < limit; offset += HEADS_PAGE) {
        const values = { workspaceId, language, any: anyText, all: allText, limit: HEADS_PAGE, offset };
        const page = await readOne(database, firstTierAll(reader.kind).bind(database, values));
        for (const r of page) if (r.kept && first.length < limit) first.push(r.id);
        if (page.length < HEADS_PAGE) break;
      }
    }
    if (first.length === limit) return first;
    const rest = await articlesVisibleTo(db, reader)
      .where(sql<boolean>`a.document @@ ${all}`)
      .where(sql<boolean>`not (a.heads @@ ${any})`)
      .select("a.id")
      .orderBy(sql`ts_rank(a.document, ${all})`, "desc")
      .orderBy("a.id")
      .limit(limit - first.length)
      .execute();
    return [...first, ...rest.map((r) => r.id)];
  },
};

export const engineFor = (ctx: AppContext): Engine =>
  ctx.database.dialect === "postgres" ? pgEngine : sqliteEngine;

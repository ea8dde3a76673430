import { type RawBuilder, sql } from "kysely";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { articlesVisibleTo, type KbReader } from "./kb.access.ts";

// Article search: one interface, two engines. SQLite uses FTS5 (porter stemming for English,
// unstemmed unicode61 otherwise), PostgreSQL a weighted tsvector with a GIN index in the
// workspace's text-search configuration. Both weight the title above the tags above the body,
// match the last word as a prefix (results while typing) and correct unknown words against the
// workspace's own vocabulary (kb_terms): by edit distance on SQLite, by pg_trgm similarity on
// PostgreSQL. Results always come through articlesVisibleTo. See decision 0008.

/** PostgreSQL text-search configurations a workspace may choose; SQLite stems only English. */
export const SEARCH_LANGUAGES = [
  "english",
  "simple",
  "danish",
  "dutch",
  "finnish",
  "french",
  "german",
  "italian",
  "norwegian",
  "portuguese",
  "russian",
  "spanish",
  "swedish",
] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

const MAX_TERMS = 8;
const MAX_TERM_LENGTH = 40;

/** Words of a text, letters and digits only: nothing of the user's reaches the match syntax. */
export function words(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((w) => w.length <= MAX_TERM_LENGTH);
}

export const searchTerms = (q: string) => words(q).slice(0, MAX_TERMS);

/** Optimal string alignment distance (a swap counts one), giving up above max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const w = b.length + 1;
  let prev2 = new Array<number>(w).fill(0);
  let prev = Array.from({ length: w }, (_, j) => j);
  let cur = new Array<number>(w).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (prev2[j - 2] as number) + 1);
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length] as number;
}

/** How far a word may be from the one meant: none for short words, 1 up to 5 letters, else 2. */
const allowedDistance = (term: string) => (term.length < 4 ? 0 : term.length <= 5 ? 1 : 2);

export interface IndexedArticle {
  articleId: string;
  workspaceId: string;
  title: string;
  tags: string[];
  text: string;
}

export interface SearchHit {
  id: string;
  slug: string;
  title: string;
  categoryId: string | null;
  status: "draft" | "published";
  visibility: "public" | "workspace" | "internal";
  /** The start of the body's text, for a snippet. */
  excerpt: string;
}

/** One word of the query and what it may also be: corrections, and a prefix for the last word. */
interface TermGroup {
  term: string;
  alternatives: string[];
  prefix: boolean;
  /** Articles holding the word (0 when only a correction or a longer word matches it). */
  articles: number;
  /** Whether anything in the workspace can match it: the word, a correction or, last, a longer word. */
  matchable: boolean;
}

interface Engine {
  index(tx: Tx, doc: IndexedArticle, language: SearchLanguage, fresh: boolean): Promise<void>;
  remove(tx: Tx, articleId: string): Promise<void>;
  /** Vocabulary words close to a word that is not in it. */
  candidates(db: Tx, workspaceId: string, term: string): Promise<string[]>;
  /** Whether the word matches anything once stemmed ("invoices" when only "invoice" is written). */
  matchesStemmed(db: Tx, workspaceId: string, term: string, language: SearchLanguage): Promise<boolean>;
  /** Ids of matching articles the reader may see, best first; every group must match. */
  search(
    db: Tx,
    reader: KbReader,
    groups: TermGroup[],
    language: SearchLanguage,
    limit: number,
  ): Promise<string[]>;
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

const sqliteEngine: Engine = {
  async index(tx, doc, language, fresh) {
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
  async search(db, reader, groups, language, limit) {
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
    /** One page of a tier: this workspace's articles matching in `index`, best first by bm25. */
    const page =
      (index: string, match: string, weights: string, rows: RawBuilder<boolean>) => (offset: number) =>
        sql<{ article_id: string }>`select d.article_id from ${sql.table(index)}
          join kb_search_docs d on d.id = ${sql.table(index)}.rowid
          where ${sql.table(index)} match ${match} and d.workspace_id = ${reader.workspaceId} and ${rows}
          order by bm25(${sql.table(index)}, ${sql.raw(weights)}), d.id
          limit ${RANK_PAGE} offset ${offset}`
          .execute(db)
          .then((r) => r.rows);
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

const pgEngine: Engine = {
  async index(tx, doc, language) {
    const cfg = sql`${language}::regconfig`;
    const heads = sql`setweight(to_tsvector(${cfg}, ${doc.title}), 'A') ||
        setweight(to_tsvector(${cfg}, ${doc.tags.join(" ")}), 'B')`;
    await sql`update kb_articles set heads = ${heads},
        document = ${heads} || setweight(to_tsvector(${cfg}, ${doc.text}), 'D')
      where id = ${doc.articleId}`.execute(tx);
  },
  async remove() {
    // The document is a column of the article: it goes with the row.
  },
  async matchesStemmed(db, workspaceId, term, language) {
    const row = await db
      .selectFrom("kb_articles")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .where(sql<boolean>`document @@ to_tsquery(${language}::regconfig, ${term})`)
      .limit(1)
      .executeTakeFirst();
    return Boolean(row);
  },
  async candidates(db, workspaceId, term) {
    const max = allowedDistance(term);
    if (max === 0) return [];
    // Trigram neighbours (GIN index), plus the first-letter range: a swap in a short word
    // ("refnud") shares too few trigrams to pass pg_trgm's threshold.
    const similar = await db
      .selectFrom("kb_terms")
      .select(["term", "articles"])
      .where("workspace_id", "=", workspaceId)
      .where(sql<boolean>`term % ${term}`)
      .orderBy(sql`similarity(term, ${term})`, "desc")
      .limit(20)
      .execute();
    const near = await sameFirstLetter(db, workspaceId, term, max);
    return rankCandidates(term, [...similar, ...near], max);
  },
  async search(db, reader, groups, language, limit) {
    const cfg = sql`${language}::regconfig`;
    const options = (g: TermGroup) => [g.term, ...g.alternatives, ...(g.prefix ? [`${g.term}:*`] : [])];
    const all = sql`to_tsquery(${cfg}, ${groups.map((g) => `(${options(g).join(" | ")})`).join(" & ")})`;
    const any = sql`to_tsquery(${cfg}, ${groups.flatMap(options).join(" | ")})`;
    // The same two tiers as on SQLite: first the articles with a query word in the title or tags
    // (the small `heads` vector and its GIN index), ranked on it; then those with the words in
    // their text only. Visibility is part of each statement: PostgreSQL has statistics to plan it.
    const first = await articlesVisibleTo(db, reader)
      .where(sql<boolean>`a.heads @@ ${any}`)
      .$if(groups.length > 1, (q) => q.where(sql<boolean>`a.document @@ ${all}`))
      .select("a.id")
      .orderBy(sql`ts_rank(a.heads, ${any})`, "desc")
      .orderBy("a.id")
      .limit(limit)
      .execute();
    if (first.length === limit) return first.map((r) => r.id);
    const rest = await articlesVisibleTo(db, reader)
      .where(sql<boolean>`a.document @@ ${all}`)
      .where(sql<boolean>`not (a.heads @@ ${any})`)
      .select("a.id")
      .orderBy(sql`ts_rank(a.document, ${all})`, "desc")
      .orderBy("a.id")
      .limit(limit - first.length)
      .execute();
    return [...first, ...rest].map((r) => r.id);
  },
};

/** Vocabulary words with the same first letter and a length within reach: a range read on the key. */
function sameFirstLetter(db: Tx, workspaceId: string, term: string, max: number) {
  const first = String.fromCodePoint(term.codePointAt(0) as number);
  return db
    .selectFrom("kb_terms")
    .select(["term", "articles"])
    .where("workspace_id", "=", workspaceId)
    .where("term", ">=", first)
    .where("term", "<", `${first}\u{10FFFF}`)
    .where(sql<number>`length(term)`, ">=", term.length - max)
    .where(sql<number>`length(term)`, "<=", term.length + max)
    .execute();
}

/** The ids, in their order, that the reader may see: at most `limit`, checked 500 at a time. */
async function keepVisible(db: Tx, reader: KbReader, ids: string[], limit: number): Promise<string[]> {
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

function rankCandidates(term: string, rows: { term: string; articles: number }[], max: number): string[] {
  return rows
    .map((r) => ({ ...r, d: editDistance(term, r.term, max) }))
    .filter((r, i, all) => r.d <= max && r.term !== term && all.findIndex((o) => o.term === r.term) === i)
    .sort((x, y) => x.d - y.d || y.articles - x.articles)
    .slice(0, 2)
    .map((r) => r.term);
}

const engineFor = (ctx: AppContext): Engine =>
  ctx.database.dialect === "postgres" ? pgEngine : sqliteEngine;

// --- the interface ------------------------------------------------------------------------------

/** Writes an article into the index and its words into the vocabulary, inside its transaction. */
export async function indexArticle(
  ctx: AppContext,
  tx: Tx,
  doc: IndexedArticle,
  language: SearchLanguage,
  previous: IndexedArticle | null,
): Promise<void> {
  await engineFor(ctx).index(tx, doc, language, previous === null);
  await updateVocabulary(tx, doc.workspaceId, previous ? vocabularyOf(previous) : [], vocabularyOf(doc));
}

export async function unindexArticle(ctx: AppContext, tx: Tx, doc: IndexedArticle): Promise<void> {
  await engineFor(ctx).remove(tx, doc.articleId);
  await updateVocabulary(tx, doc.workspaceId, vocabularyOf(doc), []);
}

const vocabularyOf = (doc: IndexedArticle) =>
  [...new Set(words(`${doc.title} ${doc.tags.join(" ")} ${doc.text}`))].filter((w) => w.length >= 2);

async function updateVocabulary(tx: Tx, workspaceId: string, before: string[], after: string[]) {
  const had = new Set(before);
  const has = new Set(after);
  // One upsert per chunk with +1 for new words and -1 for dropped ones, in term order: saves of
  // different articles lock vocabulary rows in the same order, so they cannot deadlock.
  const deltas = [
    ...after.filter((w) => !had.has(w)).map((term) => ({ term, d: 1 })),
    ...before.filter((w) => !has.has(w)).map((term) => ({ term, d: -1 })),
  ].sort((x, y) => (x.term < y.term ? -1 : x.term > y.term ? 1 : 0));
  for (let i = 0; i < deltas.length; i += 500) {
    const chunk = deltas.slice(i, i + 500);
    await tx
      .insertInto("kb_terms")
      .values(chunk.map(({ term, d }) => ({ workspace_id: workspaceId, term, articles: d })))
      .onConflict((oc) =>
        oc
          .columns(["workspace_id", "term"])
          .doUpdateSet({ articles: sql`kb_terms.articles + excluded.articles` }),
      )
      .execute();
  }
  const dropped = deltas.filter((x) => x.d < 0).map((x) => x.term);
  for (let i = 0; i < dropped.length; i += 500) {
    await tx
      .deleteFrom("kb_terms")
      .where("workspace_id", "=", workspaceId)
      .where("term", "in", dropped.slice(i, i + 500))
      .where("articles", "<=", 0)
      .execute();
  }
}

/** Each word, with corrections when the workspace's vocabulary does not know it. */
async function plan(
  ctx: AppContext,
  db: Tx,
  workspaceId: string,
  terms: string[],
  language: SearchLanguage,
): Promise<TermGroup[]> {
  const engine = engineFor(ctx);
  const known = new Map(
    (
      await db
        .selectFrom("kb_terms")
        .select(["term", "articles"])
        .where("workspace_id", "=", workspaceId)
        .where("term", "in", terms)
        .execute()
    ).map((r) => [r.term, Number(r.articles)]),
  );
  const groups: TermGroup[] = [];
  for (const [i, term] of [...new Set(terms)].entries()) {
    const last = i === terms.length - 1;
    let alternatives: string[] = [];
    let started = false;
    if (!known.has(term)) {
      // The last word may be half typed: a word it starts is not a typo.
      started =
        last &&
        Boolean(
          await db
            .selectFrom("kb_terms")
            .select("term")
            .where("workspace_id", "=", workspaceId)
            .where("term", ">", term)
            .where("term", "<", `${term}\u{10FFFF}`)
            .limit(1)
            .executeTakeFirst(),
        );
      // A form of a written word ("invoices") needs no correction: the stemmer finds it.
      if (!started) started = await engine.matchesStemmed(db, workspaceId, term, language);
      if (!started && term.length >= 4) alternatives = await engine.candidates(db, workspaceId, term);
    }
    const articles = known.get(term) ?? 0;
    groups.push({
      term,
      alternatives,
      prefix: last,
      articles,
      matchable: articles > 0 || started || alternatives.length > 0,
    });
  }
  return groups;
}

export interface SearchOptions {
  limit: number;
  language: SearchLanguage;
}

/**
 * Articles matching the query that the reader may see, best first. Every word must match (or
 * one of its corrections). Words nothing in the workspace holds are left out; when the rest
 * still find nothing, the most common word is dropped, then the next, while more than one is
 * left: "I cannot reset my password" ends as "reset password" rather than matching every
 * article that says "my".
 */
export async function searchArticles(
  ctx: AppContext,
  reader: KbReader,
  q: string,
  opts: SearchOptions,
): Promise<SearchHit[]> {
  const terms = searchTerms(q);
  if (terms.length === 0) return [];
  const db = ctx.database.db;
  const engine = engineFor(ctx);
  let groups = (await plan(ctx, db, reader.workspaceId, terms, opts.language)).filter((g) => g.matchable);
  let ids: string[] = [];
  while (groups.length > 0) {
    ids = await engine.search(db, reader, groups, opts.language, opts.limit);
    if (ids.length > 0 || groups.length === 1) break;
    const commonest = groups.reduce((m, g) => (g.articles > m.articles ? g : m));
    groups = groups.filter((g) => g !== commonest);
  }
  if (ids.length === 0) return [];
  // Titles and the start of the text for the few results only: long bodies are not read for
  // every candidate the ranking looked at.
  const rows = await articlesVisibleTo(db, reader, { ids })
    .select([
      "a.id",
      "a.slug",
      "a.title",
      "a.category_id as categoryId",
      "a.status",
      "a.visibility",
      sql<string>`substr(a.body_text, 1, 600)`.as("excerpt"),
    ])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A short piece of the text around the first word of the query found in it. */
export function snippet(text: string, q: string, length = 160): string {
  const terms = searchTerms(q).filter((t) => t.length >= 3);
  const lower = text.toLowerCase();
  let at = -1;
  for (const t of terms) {
    const i = lower.indexOf(t.slice(0, Math.max(3, t.length - 2)));
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  const start = at > 40 ? text.lastIndexOf(" ", at - 30) + 1 : 0;
  const piece = text.slice(start, start + length);
  return `${start > 0 ? "…" : ""}${piece}${start + length < text.length ? "…" : ""}`;
}

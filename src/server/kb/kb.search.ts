import { sql } from "kysely";
import type { Actor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { articlesVisibleTo } from "./kb.access.ts";
import { engineFor, type IndexedArticle } from "./kb.engines.ts";
import {
  plan,
  type SearchLanguage,
  searchTerms,
  type TermGroup,
  updateVocabulary,
  words,
} from "./kb.vocabulary.ts";

// Article search: one interface, two engines (kb.engines.ts). Both weight the title above the
// tags above the body, match the last word as a prefix (results while typing) and correct
// unknown words against the workspace's own vocabulary (kb.vocabulary.ts). Results always come
// through articlesVisibleTo. See decision 0008.

export interface SearchHit {
  id: string;
  slug: string;
  title: string;
  categoryId: string | null;
  status: "draft" | "published";
  visibility: "public" | "workspace" | "internal";
  /** The start of the body's text, for a snippet (kb.relevance.ts). */
  excerpt: string;
}

/**
 * Writes an article into the index and its words into the vocabulary, inside its transaction.
 * `actor` is the one saving it.
 */
export async function indexArticle(
  ctx: AppContext,
  actor: Actor,
  tx: Tx,
  doc: IndexedArticle,
  language: SearchLanguage,
  previous: IndexedArticle | null,
): Promise<void> {
  await engineFor(ctx).index(tx, actor, doc, language, previous === null);
  await updateVocabulary(tx, doc.workspaceId, previous ? vocabularyOf(previous) : [], vocabularyOf(doc));
}

export async function unindexArticle(ctx: AppContext, tx: Tx, doc: IndexedArticle): Promise<void> {
  await engineFor(ctx).remove(tx, doc.articleId);
  await updateVocabulary(tx, doc.workspaceId, vocabularyOf(doc), []);
}

const vocabularyOf = (doc: IndexedArticle) =>
  [...new Set(words(`${doc.title} ${doc.tags.join(" ")} ${doc.text}`))].filter((w) => w.length >= 2);

export interface SearchOptions {
  limit: number;
  language: SearchLanguage;
}

/** What a search found and with which words: the hits, every word of the query, and those it used. */
export interface SearchOutcome {
  hits: SearchHit[];
  /** Each word of the query with its corrections, whether or not the search kept it. */
  planned: TermGroup[];
  /** The words every hit matches (the ones left after dropping). */
  used: TermGroup[];
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
  reader: Actor,
  q: string,
  opts: SearchOptions,
): Promise<SearchHit[]> {
  return (await searchWithTerms(ctx, reader, q, opts)).hits;
}

/** The same search, answering also with the words it used (for snippets and the insights). */
export async function searchWithTerms(
  ctx: AppContext,
  reader: Actor,
  q: string,
  opts: SearchOptions,
): Promise<SearchOutcome> {
  const terms = searchTerms(q);
  if (terms.length === 0 || reader.workspaceId === undefined) return { hits: [], planned: [], used: [] };
  const db = ctx.database.db;
  const engine = engineFor(ctx);
  const planned = await plan(engine, ctx.database, reader.workspaceId, terms, opts.language);
  let groups = planned.filter((g) => g.matchable);
  let ids: string[] = [];
  while (groups.length > 0) {
    ids = await engine.search(ctx.database, reader, groups, opts.language, opts.limit);
    if (ids.length > 0 || groups.length === 1) break;
    const commonest = groups.reduce((m, g) => (g.articles > m.articles ? g : m));
    groups = groups.filter((g) => g !== commonest);
  }
  if (ids.length === 0) return { hits: [], planned, used: [] };
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
      sql<string>`substr(a.body_text, 1, ${EXCERPT_CHARS})`.as("excerpt"),
    ])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { hits: ids.flatMap((id) => byId.get(id) ?? []), planned, used: groups };
}

/** How much of a hit's text is read for its snippet. */
const EXCERPT_CHARS = 1000;

/**
 * How many of `groups` the article matches, as the engine matches (stemmed, corrected, started);
 * the groups `used` by the search that found it match by construction and are not asked again.
 */
export async function matchedCount(
  ctx: AppContext,
  reader: Actor,
  articleId: string,
  groups: TermGroup[],
  used: TermGroup[],
  language: SearchLanguage,
): Promise<number> {
  const engine = engineFor(ctx);
  // Side by side: on PostgreSQL each is a round trip.
  const held = await Promise.all(
    groups.map(
      async (g) =>
        used.some((u) => u.term === g.term) ||
        (g.matchable && (await engine.holds(ctx.database.db, reader, articleId, g, language))),
    ),
  );
  return held.filter(Boolean).length;
}

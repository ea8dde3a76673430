import { sql } from "kysely";
import type { Actor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { articlesVisibleTo } from "./kb.access.ts";
import { engineFor, type IndexedArticle } from "./kb.engines.ts";
import { plan, type SearchLanguage, searchTerms, updateVocabulary, words } from "./kb.vocabulary.ts";

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
  /** The start of the body's text, for a snippet. */
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
  const terms = searchTerms(q);
  if (terms.length === 0 || reader.workspaceId === undefined) return [];
  const db = ctx.database.db;
  const engine = engineFor(ctx);
  let groups = (await plan(engine, db, reader.workspaceId, terms, opts.language)).filter((g) => g.matchable);
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

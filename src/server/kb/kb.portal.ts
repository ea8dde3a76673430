import type { Actor, CustomerActor, VisitorActor } from "../actors.ts";
import { visitorOf } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import { ReadCache } from "../db/prepared.ts";
import type { KbCategoryTable } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { getWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { articlesVisibleTo, categoriesVisibleTo, countFeedback } from "./kb.access.ts";
import { categoryView, listCategories } from "./kb.categories.ts";
import { type ArticleRow, tagsOf } from "./kb.common.ts";
import { isWeak, meaningful, snippetOf } from "./kb.relevance.ts";
import {
  type CategoryView,
  type FeedbackCreated,
  type KbSettings,
  type PortalArticle,
  type PortalArticleLink,
  type PortalCategory,
  type PortalHit,
  SUGGESTIONS_MAX,
} from "./kb.schemas.ts";
import { matchedCount, type SearchOutcome, searchWithTerms } from "./kb.search.ts";
import { getKbSettings } from "./kb.settings.ts";
import { searchTerms } from "./kb.vocabulary.ts";

// What customers read on the portal: the home, a category, an article, search and the
// suggestions of the submit form, and "Was this helpful?". Everything starts from a PortalKb:
// the workspace of the portal, who is reading (kb.access.ts decides what they see) and the
// settings.

/** Who reads the portal: a visitor without an account, or a customer signed in to it. */
export type PortalActor = VisitorActor | CustomerActor;

export interface PortalKb {
  workspaceId: string;
  actor: PortalActor;
  settings: KbSettings;
}

/** The portal's knowledge base from its slug, for a visitor: 404 for a portal that does not exist. */
export async function portalKb(ctx: AppContext, slug: string): Promise<PortalKb> {
  return portalKbOf(ctx, await getWorkspaceBySlug(ctx, slug));
}

/** The same, for a workspace the caller has already looked up; a visitor unless a customer signed in. */
export async function portalKbOf(
  ctx: AppContext,
  ws: { id: string },
  actor: PortalActor = visitorOf(ws.id),
): Promise<PortalKb> {
  if (actor.workspaceId !== ws.id) throw notFound("No such portal.");
  return { workspaceId: ws.id, actor, settings: await getKbSettings(ctx, ws.id) };
}

const SORTS: Record<KbCategoryTable["article_sort"], [keyof ArticleRow, "asc" | "desc"][]> = {
  manual: [
    ["position", "asc"],
    ["title", "asc"],
  ],
  newest: [["published_at", "desc"]],
  title: [["title", "asc"]],
  helpful: [
    ["helpful_yes", "desc"],
    ["title", "asc"],
  ],
};

async function categoryArticles(
  ctx: AppContext,
  actor: Actor,
  category: CategoryView | null,
  limit: number,
): Promise<PortalArticleLink[]> {
  let q = articlesVisibleTo(ctx.database.db, actor).select(["a.id", "a.slug", "a.title"]);
  q = category ? q.where("a.category_id", "=", category.id) : q.where("a.category_id", "is", null);
  for (const [col, dir] of SORTS[category?.articleSort ?? "title"]) q = q.orderBy(`a.${col}`, dir);
  return q.orderBy("a.id").limit(limit).execute();
}

/** The KB home: the categories shown on the portal with their first articles, in order. */
export async function portalHome(ctx: AppContext, kb: PortalKb, perCategory = 6): Promise<PortalCategory[]> {
  const categories = await listCategories(ctx, kb.actor);
  // A few small reads, each on the index of its category: side by side on PostgreSQL's pool.
  const [loose, ...lists] = await Promise.all([
    categoryArticles(ctx, kb.actor, null, perCategory),
    ...categories.map((c) => categoryArticles(ctx, kb.actor, c, perCategory)),
  ]);
  const out: PortalCategory[] = categories.flatMap((c, i) => {
    const articles = lists[i] ?? [];
    return articles.length ? [{ ...c, articles }] : [];
  });
  if (loose?.length) {
    out.push({
      id: "",
      name: "More articles",
      slug: "",
      description: "",
      position: Number.MAX_SAFE_INTEGER,
      showOnPortal: true,
      articleSort: "title",
      articles: loose,
    });
  }
  return out;
}

export async function portalCategory(
  ctx: AppContext,
  kb: PortalKb,
  categorySlug: string,
): Promise<PortalCategory> {
  const row = await categoriesVisibleTo(ctx.database.db, kb.actor)
    .selectAll("c")
    .where("c.slug", "=", categorySlug)
    .executeTakeFirst();
  if (!row) throw notFound("No such category.");
  const c = categoryView(row);
  return { ...c, articles: await categoryArticles(ctx, kb.actor, c, 500) };
}

export async function portalArticle(
  ctx: AppContext,
  kb: PortalKb,
  articleSlug: string,
): Promise<PortalArticle> {
  const row = await articlesVisibleTo(ctx.database.db, kb.actor)
    .leftJoin("kb_categories as c", "c.id", "a.category_id")
    .select([
      "a.id",
      "a.slug",
      "a.title",
      "a.body_html",
      "a.tags",
      "a.updated_at",
      "c.name as cname",
      "c.slug as cslug",
    ])
    .where("a.slug", "=", articleSlug)
    .executeTakeFirst();
  if (!row) throw notFound("No such article.");
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    html: row.body_html,
    tags: tagsOf(row),
    category: row.cname && row.cslug ? { name: row.cname, slug: row.cslug } : null,
    updatedAt: row.updated_at,
  };
}

const portalHits = (slug: string, found: SearchOutcome): PortalHit[] =>
  found.hits.map((h) => {
    const s = snippetOf(h.excerpt, found.used);
    return {
      id: h.id,
      slug: h.slug,
      title: h.title,
      snippet: s.text,
      marks: s.marks,
      url: `/portal/${slug}/kb/articles/${h.slug}`,
    };
  });

/** What a portal search answers: its hits and whether it counts as one that found nothing. */
interface PortalAnswer {
  hits: PortalHit[];
  missed: boolean;
}

/**
 * Portal searches and suggestions, whole answers, kept until the database changes (ReadCache:
 * on SQLite exact, on PostgreSQL while the change clock answers (REDIS_URL); either way a save,
 * publish, unpublish or delete made through any process is seen by the next search; PostgreSQL
 * without Redis reads every time). An answer depends on the words of the query (searchTerms), the
 * workspace, its language and portal address, the audience (visitors, or signed-in customers, who
 * also see "workspace" articles) and the number asked for; nothing else of the reader. About 2 KB
 * to 15 KB each.
 */
const PORTAL_ANSWERS = new ReadCache<PortalAnswer>(500, { exact: true, onPostgres: true, share: 0.1 });

function portalAnswer(
  ctx: AppContext,
  slug: string,
  kb: PortalKb,
  q: string,
  limit: number,
  record: boolean,
): PortalAnswer | Promise<PortalAnswer> {
  const terms = searchTerms(q);
  const language = kb.settings.searchLanguage;
  const audience = kb.actor.kind === "customer" ? "customer" : "visitor";
  const key = [kb.workspaceId, slug, audience, language, limit, record, terms.join(" ")].join("\u0000");
  return PORTAL_ANSWERS.get(ctx.database, key, async () => {
    const found = await searchWithTerms(ctx, kb.actor, q, { limit, language });
    return {
      hits: portalHits(slug, found),
      missed: record && terms.length > 0 && (await missed(ctx, kb, found)),
    };
  });
}

/**
 * A customer's search. A search that finds nothing, or whose best match is weak (kb.relevance.ts:
 * fewer than half of two or more meaningful words), is counted for the agents, each time it is
 * asked; the results are shown either way.
 */
export async function searchPortal(ctx: AppContext, slug: string, kb: PortalKb, q: string, limit = 20) {
  const answer = await portalAnswer(ctx, slug, kb, q, limit, true);
  if (answer.missed) await recordMiss(ctx, kb.workspaceId, searchTerms(q).join(" "));
  return answer.hits;
}

/** Whether a search counts as one that found nothing: no hit, or a weak best one. */
async function missed(ctx: AppContext, kb: PortalKb, found: SearchOutcome): Promise<boolean> {
  const best = found.hits[0];
  if (!best) return true;
  const wanted = found.planned.filter((g) => meaningful(g.term));
  // Too few words to be weak even with none matched: nothing to ask.
  if (!isWeak(wanted.length, 0)) return false;
  const n = await matchedCount(ctx, kb.actor, best.id, wanted, found.used, kb.settings.searchLanguage);
  return isWeak(wanted.length, n);
}

/** Up to five articles for a subject being typed; nothing is recorded here. */
export async function suggestArticles(ctx: AppContext, slug: string, kb: PortalKb, q: string) {
  return (await portalAnswer(ctx, slug, kb, q, SUGGESTIONS_MAX, false)).hits;
}

/** A search that found nothing, counted per normalised query for the insights (kb.insights.ts). */
async function recordMiss(ctx: AppContext, workspaceId: string, query: string) {
  const now = nowIso(ctx);
  await ctx.database.db
    .insertInto("kb_search_misses")
    .values({ workspace_id: workspaceId, query: query.slice(0, 200), count: 1, last_at: now })
    .onConflict((oc) =>
      oc.columns(["workspace_id", "query"]).doUpdateSet((eb) => ({
        count: eb("kb_search_misses.count", "+", 1),
        last_at: now,
      })),
    )
    .execute();
}

export async function giveFeedback(
  ctx: AppContext,
  kb: PortalKb,
  articleSlug: string,
  input: { helpful: boolean; comment?: string | undefined },
): Promise<FeedbackCreated> {
  return ctx.database.db.transaction().execute(async (tx) => {
    const article = await articlesVisibleTo(tx, kb.actor)
      .select("a.id")
      .where("a.slug", "=", articleSlug)
      .executeTakeFirst();
    if (!article) throw notFound("No such article.");
    const id = newId();
    const comment = input.helpful ? null : input.comment?.trim() || null;
    await tx
      .insertInto("kb_feedback")
      .values({
        id,
        workspace_id: kb.workspaceId,
        article_id: article.id,
        helpful: input.helpful,
        comment,
        created_at: nowIso(ctx),
      })
      .execute();
    await countFeedback(tx, kb.actor, article.id, input.helpful);
    return { id };
  });
}

/** The comment after a "no", added once to the feedback it follows. */
export async function addFeedbackComment(
  ctx: AppContext,
  kb: PortalKb,
  articleSlug: string,
  feedbackId: string,
  comment: string,
): Promise<void> {
  const article = await articlesVisibleTo(ctx.database.db, kb.actor)
    .select("a.id")
    .where("a.slug", "=", articleSlug)
    .executeTakeFirst();
  if (!article) throw notFound("No such article.");
  const r = await ctx.database.db
    .updateTable("kb_feedback")
    .set({ comment: comment.trim() })
    .where("id", "=", feedbackId)
    .where("article_id", "=", article.id)
    .where("helpful", "=", false)
    .where("comment", "is", null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw notFound("No such feedback.");
}

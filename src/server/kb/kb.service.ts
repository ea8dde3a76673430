import type { Static } from "typebox";
import type { AgentActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import { isPostgres } from "../db/dialect.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { KbArticleTable, KbCategoryTable, Tx } from "../db/schema.ts";
import { conflict, forbidden, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { getWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import {
  anonymousReader,
  articlesVisibleTo,
  categoriesVisibleTo,
  type KbReader,
  type PortalReader,
} from "./kb.access.ts";
import { renderMarkdown } from "./kb.markdown.ts";
import type {
  ArticleInput,
  ArticlePatch,
  CategoryInput,
  CategoryPatch,
  DeflectionEventInput,
  SettingsPatch,
} from "./kb.schemas.ts";
import { SUGGESTIONS_MAX } from "./kb.schemas.ts";
import {
  type IndexedArticle,
  indexArticle,
  type SearchHit,
  type SearchLanguage,
  searchArticles,
  searchTerms,
  snippet,
  unindexArticle,
} from "./kb.search.ts";

// Knowledge-base operations, named by intent. Agents write; portal readers (built from a
// portal's slug) read what kb.access.ts lets them.

export const DEFAULT_NOT_FOUND_TEXT =
  "We could not find an article for that. Try other words, or create a request and our team will help you.";

type Row = KbArticleTable;

/**
 * An article's own columns. Not `a.*`: on PostgreSQL that also reads the search vectors
 * (`document`, `heads`), and a save that spreads the row would write them back before
 * indexArticle writes them again.
 */
const ARTICLE_COLUMNS = [
  "a.id",
  "a.workspace_id",
  "a.category_id",
  "a.slug",
  "a.title",
  "a.body",
  "a.body_html",
  "a.body_text",
  "a.tags",
  "a.status",
  "a.visibility",
  "a.position",
  "a.author_id",
  "a.helpful_yes",
  "a.helpful_no",
  "a.published_at",
  "a.created_at",
  "a.updated_at",
] as const satisfies readonly `a.${keyof KbArticleTable}`[];

// --- settings -------------------------------------------------------------------------------

export interface KbSettings {
  searchLanguage: SearchLanguage;
  stemming: boolean;
  notFoundText: string | null;
  effectiveNotFoundText: string;
}

export async function getKbSettings(ctx: AppContext, workspaceId: string, tx?: Tx): Promise<KbSettings> {
  const row = await (tx ?? ctx.database.db)
    .selectFrom("kb_settings")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  const searchLanguage = (row?.search_language ?? "english") as SearchLanguage;
  return {
    searchLanguage,
    // FTS5 has the porter stemmer (English) only; PostgreSQL stems every configuration but simple.
    stemming:
      ctx.database.dialect === "postgres" ? searchLanguage !== "simple" : searchLanguage === "english",
    notFoundText: row?.not_found_text ?? null,
    effectiveNotFoundText: row?.not_found_text ?? DEFAULT_NOT_FOUND_TEXT,
  };
}

const requireAdmin = (actor: AgentActor) => {
  if (actor.role !== "admin") throw forbidden("Only admins may change this.");
};

export async function updateKbSettings(
  ctx: AppContext,
  actor: AgentActor,
  patch: Static<typeof SettingsPatch>,
): Promise<KbSettings> {
  requireAdmin(actor);
  return ctx.database.db.transaction().execute(async (tx) => {
    const before = await getKbSettings(ctx, actor.workspaceId, tx);
    const next = {
      search_language: patch.searchLanguage ?? before.searchLanguage,
      not_found_text:
        patch.notFoundText === undefined ? before.notFoundText : patch.notFoundText?.trim() || null,
      updated_at: nowIso(ctx),
    };
    await tx
      .insertInto("kb_settings")
      .values({ workspace_id: actor.workspaceId, ...next })
      .onConflict((oc) => oc.column("workspace_id").doUpdateSet(next))
      .execute();
    if (next.search_language !== before.searchLanguage) {
      // The index is built in the workspace's language: rebuild it in the new one.
      const rows = await articlesVisibleTo(tx, actor).select(ARTICLE_COLUMNS).execute();
      for (const r of rows) {
        const doc = indexed(r);
        await indexArticle(ctx, tx, doc, next.search_language as SearchLanguage, doc);
      }
    }
    return getKbSettings(ctx, actor.workspaceId, tx);
  });
}

// --- categories -----------------------------------------------------------------------------

export interface CategoryView {
  id: string;
  name: string;
  slug: string;
  description: string;
  position: number;
  showOnPortal: boolean;
  articleSort: KbCategoryTable["article_sort"];
}

const categoryView = (c: KbCategoryTable): CategoryView => ({
  id: c.id,
  name: c.name,
  slug: c.slug,
  description: c.description,
  position: c.position,
  showOnPortal: Boolean(c.show_on_portal),
  articleSort: c.article_sort,
});

export async function listCategories(ctx: AppContext, reader: KbReader): Promise<CategoryView[]> {
  const rows = await categoriesVisibleTo(ctx.database.db, reader)
    .selectAll("c")
    .orderBy("c.position")
    .orderBy("c.name")
    .execute();
  return rows.map(categoryView);
}

export function slugify(text: string): string {
  return (
    text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/, "") || "article"
  );
}

async function freeSlug(
  tx: Tx,
  table: "kb_articles" | "kb_categories",
  workspaceId: string,
  base: string,
  exceptId?: string,
): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    const taken = await tx
      .selectFrom(table)
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .where("slug", "=", slug)
      .executeTakeFirst();
    if (!taken || taken.id === exceptId) return slug;
  }
  throw conflict("slug_taken", "Choose another address for this.", { slug: "is taken" });
}

async function slugFor(
  tx: Tx,
  table: "kb_articles" | "kb_categories",
  workspaceId: string,
  given: string | undefined,
  title: string,
  exceptId?: string,
): Promise<string> {
  if (given === undefined) return freeSlug(tx, table, workspaceId, slugify(title), exceptId);
  const taken = await tx
    .selectFrom(table)
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("slug", "=", given)
    .executeTakeFirst();
  if (taken && taken.id !== exceptId)
    throw conflict("slug_taken", "That address is taken.", { slug: "is taken" });
  return given;
}

/** Two saves racing for the same address: the loser gets the same 409 as a taken slug. */
async function slugRace<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("slug_taken", "That address is taken.", { slug: "is taken" });
    throw err;
  }
}

export async function createCategory(
  ctx: AppContext,
  actor: AgentActor,
  input: Static<typeof CategoryInput>,
): Promise<CategoryView> {
  requireAdmin(actor);
  return slugRace(() =>
    ctx.database.db.transaction().execute(async (tx) => {
      const now = nowIso(ctx);
      const last = await tx
        .selectFrom("kb_categories")
        .select((eb) => eb.fn.max("position").as("max"))
        .where("workspace_id", "=", actor.workspaceId)
        .executeTakeFirst();
      const row: KbCategoryTable = {
        id: newId(),
        workspace_id: actor.workspaceId,
        name: input.name.trim(),
        slug: await slugFor(tx, "kb_categories", actor.workspaceId, input.slug, input.name),
        description: (input.description ?? "").trim(),
        position: Number(last?.max ?? -1) + 1,
        show_on_portal: input.showOnPortal ?? true,
        article_sort: input.articleSort ?? "manual",
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto("kb_categories").values(row).execute();
      return categoryView(row);
    }),
  );
}

async function categoryFor(tx: Tx, actor: AgentActor, id: string): Promise<KbCategoryTable> {
  const row = await categoriesVisibleTo(tx, actor).selectAll("c").where("c.id", "=", id).executeTakeFirst();
  if (!row) throw notFound("No such category.");
  return row;
}

export async function updateCategory(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: Static<typeof CategoryPatch>,
): Promise<CategoryView> {
  requireAdmin(actor);
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await categoryFor(tx, actor, id);
    const next: KbCategoryTable = {
      ...row,
      name: patch.name?.trim() ?? row.name,
      description: patch.description?.trim() ?? row.description,
      show_on_portal: patch.showOnPortal ?? Boolean(row.show_on_portal),
      article_sort: patch.articleSort ?? row.article_sort,
      updated_at: nowIso(ctx),
    };
    await tx
      .updateTable("kb_categories")
      .set({
        name: next.name,
        description: next.description,
        show_on_portal: next.show_on_portal,
        article_sort: next.article_sort,
        updated_at: next.updated_at,
      })
      .where("id", "=", row.id)
      .execute();
    return categoryView(next);
  });
}

/** Puts the workspace's categories in the given order; every category must be named once. */
export async function reorderCategories(
  ctx: AppContext,
  actor: AgentActor,
  ids: string[],
): Promise<CategoryView[]> {
  requireAdmin(actor);
  await ctx.database.db.transaction().execute(async (tx) => {
    const rows = await categoriesVisibleTo(tx, actor).select("c.id").execute();
    const all = new Set(rows.map((r) => r.id));
    if (new Set(ids).size !== ids.length || ids.length !== all.size || ids.some((i) => !all.has(i))) {
      throw validationFailed({ ids: "must list every category of the workspace once" });
    }
    for (const [position, id] of ids.entries()) {
      await tx.updateTable("kb_categories").set({ position }).where("id", "=", id).execute();
    }
  });
  return listCategories(ctx, actor);
}

// --- articles (agents) ------------------------------------------------------------------------

export interface ArticleView {
  id: string;
  slug: string;
  title: string;
  categoryId: string | null;
  status: Row["status"];
  visibility: Row["visibility"];
  tags: string[];
  helpful: { yes: number; no: number };
  updatedAt: string;
  body: string;
  html: string;
  position: number;
  author: { id: string; name: string } | null;
  publishedAt: string | null;
  createdAt: string;
}

const tagsOf = (r: Pick<Row, "tags">): string[] => JSON.parse(r.tags) as string[];
const indexed = (r: Row): IndexedArticle => ({
  articleId: r.id,
  workspaceId: r.workspace_id,
  title: r.title,
  tags: tagsOf(r),
  text: r.body_text,
});

function articleView(r: Row & { author_name?: string | null }): ArticleView {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    categoryId: r.category_id,
    status: r.status,
    visibility: r.visibility,
    tags: tagsOf(r),
    helpful: { yes: Number(r.helpful_yes), no: Number(r.helpful_no) },
    updatedAt: r.updated_at,
    body: r.body,
    html: r.body_html,
    position: Number(r.position),
    author: r.author_id && r.author_name ? { id: r.author_id, name: r.author_name } : null,
    publishedAt: r.published_at,
    createdAt: r.created_at,
  };
}

const cleanTags = (tags: string[] | undefined) => [
  ...new Set((tags ?? []).map((t) => t.trim()).filter(Boolean)),
];

async function checkCategory(tx: Tx, actor: AgentActor, id: string | null | undefined) {
  if (id) {
    const found = await categoriesVisibleTo(tx, actor)
      .select("c.id")
      .where("c.id", "=", id)
      .executeTakeFirst();
    if (!found) throw validationFailed({ categoryId: "is not a category of this workspace" });
  }
}

export async function createArticle(
  ctx: AppContext,
  actor: AgentActor,
  input: Static<typeof ArticleInput>,
): Promise<ArticleView> {
  const id = await slugRace(() =>
    ctx.database.db.transaction().execute(async (tx) => {
      await checkCategory(tx, actor, input.categoryId);
      const now = nowIso(ctx);
      const rendered = renderMarkdown(input.body);
      const status = input.status ?? "draft";
      const row: Row = {
        id: newId(),
        workspace_id: actor.workspaceId,
        category_id: input.categoryId ?? null,
        slug: await slugFor(tx, "kb_articles", actor.workspaceId, input.slug, input.title),
        title: input.title.trim(),
        body: input.body,
        body_html: rendered.html,
        body_text: rendered.text,
        tags: JSON.stringify(cleanTags(input.tags)),
        status,
        visibility: input.visibility ?? "public",
        position: input.position ?? 0,
        author_id: actor.agentId,
        helpful_yes: 0,
        helpful_no: 0,
        published_at: status === "published" ? now : null,
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto("kb_articles").values(row).execute();
      const { searchLanguage } = await getKbSettings(ctx, actor.workspaceId, tx);
      await indexArticle(ctx, tx, indexed(row), searchLanguage, null);
      return row.id;
    }),
  );
  return getArticleForAgent(ctx, actor, id);
}

/** The article about to change; on PostgreSQL locked, so two saves apply one after the other. */
async function articleFor(tx: Tx, actor: AgentActor, id: string): Promise<Row> {
  const row = await articlesVisibleTo(tx, actor)
    .select(ARTICLE_COLUMNS)
    .where("a.id", "=", id)
    .$if(isPostgres(tx), (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw notFound("No such article.");
  return row;
}

export async function updateArticle(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: Static<typeof ArticlePatch>,
): Promise<ArticleView> {
  await slugRace(() =>
    ctx.database.db.transaction().execute(async (tx) => {
      const row = await articleFor(tx, actor, id);
      if (patch.categoryId !== undefined) await checkCategory(tx, actor, patch.categoryId);
      const now = nowIso(ctx);
      const body = patch.body ?? row.body;
      const rendered =
        patch.body !== undefined ? renderMarkdown(body) : { html: row.body_html, text: row.body_text };
      const status = patch.status ?? row.status;
      const next: Row = {
        ...row,
        category_id: patch.categoryId === undefined ? row.category_id : patch.categoryId,
        slug:
          patch.slug !== undefined && patch.slug !== row.slug
            ? await slugFor(tx, "kb_articles", actor.workspaceId, patch.slug, row.title, row.id)
            : row.slug,
        title: patch.title?.trim() ?? row.title,
        body,
        body_html: rendered.html,
        body_text: rendered.text,
        tags: patch.tags ? JSON.stringify(cleanTags(patch.tags)) : row.tags,
        status,
        visibility: patch.visibility ?? row.visibility,
        position: patch.position ?? row.position,
        published_at: status === "published" ? (row.published_at ?? now) : row.published_at,
        updated_at: now,
      };
      const {
        id: _id,
        workspace_id: _ws,
        created_at: _c,
        author_id: _a,
        helpful_yes: _y,
        helpful_no: _n,
        ...set
      } = next;
      await tx.updateTable("kb_articles").set(set).where("id", "=", row.id).execute();
      const { searchLanguage } = await getKbSettings(ctx, actor.workspaceId, tx);
      await indexArticle(ctx, tx, indexed(next), searchLanguage, indexed(row));
    }),
  );
  return getArticleForAgent(ctx, actor, id);
}

export async function deleteArticle(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const row = await articleFor(tx, actor, id);
    await unindexArticle(ctx, tx, indexed(row));
    await tx.deleteFrom("kb_articles").where("id", "=", row.id).execute();
  });
}

export async function getArticleForAgent(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
): Promise<ArticleView> {
  const row = await articlesVisibleTo(ctx.database.db, actor)
    .leftJoin("agents as au", "au.id", "a.author_id")
    .select(ARTICLE_COLUMNS)
    .select("au.name as author_name")
    .where("a.id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("No such article.");
  return articleView(row);
}

export type ArticleSummaryView = Omit<
  ArticleView,
  "body" | "html" | "author" | "publishedAt" | "createdAt" | "position"
>;

export async function listArticlesForAgent(
  ctx: AppContext,
  actor: AgentActor,
  filter: { q?: string; status?: Row["status"]; categoryId?: string } = {},
): Promise<ArticleSummaryView[]> {
  let ids: string[] | undefined;
  if (filter.q && searchTerms(filter.q).length) {
    const { searchLanguage } = await getKbSettings(ctx, actor.workspaceId);
    ids = (await searchArticles(ctx, actor, filter.q, { limit: 50, language: searchLanguage })).map(
      (h) => h.id,
    );
    if (ids.length === 0) return [];
  }
  let q = articlesVisibleTo(ctx.database.db, actor, ids ? { ids } : {}).select([
    "a.id",
    "a.slug",
    "a.title",
    "a.category_id",
    "a.status",
    "a.visibility",
    "a.tags",
    "a.helpful_yes",
    "a.helpful_no",
    "a.updated_at",
  ]);
  if (filter.status) q = q.where("a.status", "=", filter.status);
  if (filter.categoryId) q = q.where("a.category_id", "=", filter.categoryId);
  const rows = await q.orderBy("a.updated_at", "desc").limit(500).execute();
  const order = ids ? new Map(ids.map((id, i) => [id, i])) : undefined;
  if (order) rows.sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0));
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: r.title,
    categoryId: r.category_id,
    status: r.status,
    visibility: r.visibility,
    tags: tagsOf(r),
    helpful: { yes: Number(r.helpful_yes), no: Number(r.helpful_no) },
    updatedAt: r.updated_at,
  }));
}

/** Markdown rendered as it will be published, for the editor's preview. */
export const previewMarkdown = (body: string) => renderMarkdown(body).html;

// --- the portal -------------------------------------------------------------------------------

export interface PortalKb {
  workspaceId: string;
  reader: PortalReader;
  settings: KbSettings;
}

/** The portal's reader, from its slug: 404 for a portal that does not exist. */
export async function portalKb(ctx: AppContext, slug: string): Promise<PortalKb> {
  return portalKbOf(ctx, await getWorkspaceBySlug(ctx, slug));
}

/** The same, for a workspace the caller has already looked up. */
export async function portalKbOf(ctx: AppContext, ws: { id: string }): Promise<PortalKb> {
  return { workspaceId: ws.id, reader: anonymousReader(ws.id), settings: await getKbSettings(ctx, ws.id) };
}

export interface PortalArticleLink {
  id: string;
  slug: string;
  title: string;
}

export interface PortalCategory extends CategoryView {
  articles: PortalArticleLink[];
}

const SORTS: Record<KbCategoryTable["article_sort"], [keyof Row, "asc" | "desc"][]> = {
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
  reader: KbReader,
  category: CategoryView | null,
  limit: number,
): Promise<PortalArticleLink[]> {
  let q = articlesVisibleTo(ctx.database.db, reader).select(["a.id", "a.slug", "a.title"]);
  q = category ? q.where("a.category_id", "=", category.id) : q.where("a.category_id", "is", null);
  for (const [col, dir] of SORTS[category?.articleSort ?? "title"]) q = q.orderBy(`a.${col}`, dir);
  return q.orderBy("a.id").limit(limit).execute();
}

/** The KB home: the categories shown on the portal with their first articles, in order. */
export async function portalHome(ctx: AppContext, kb: PortalKb, perCategory = 6): Promise<PortalCategory[]> {
  const categories = await listCategories(ctx, kb.reader);
  // A few small reads, each on the index of its category: side by side on PostgreSQL's pool.
  const [loose, ...lists] = await Promise.all([
    categoryArticles(ctx, kb.reader, null, perCategory),
    ...categories.map((c) => categoryArticles(ctx, kb.reader, c, perCategory)),
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
  const row = await categoriesVisibleTo(ctx.database.db, kb.reader)
    .selectAll("c")
    .where("c.slug", "=", categorySlug)
    .executeTakeFirst();
  if (!row) throw notFound("No such category.");
  const c = categoryView(row);
  return { ...c, articles: await categoryArticles(ctx, kb.reader, c, 500) };
}

export interface PortalArticle {
  id: string;
  slug: string;
  title: string;
  html: string;
  tags: string[];
  category: { name: string; slug: string } | null;
  updatedAt: string;
}

export async function portalArticle(
  ctx: AppContext,
  kb: PortalKb,
  articleSlug: string,
): Promise<PortalArticle> {
  const row = await articlesVisibleTo(ctx.database.db, kb.reader)
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

export interface PortalHit {
  id: string;
  slug: string;
  title: string;
  snippet: string;
  url: string;
}

const portalHits = (slug: string, q: string, hits: SearchHit[]): PortalHit[] =>
  hits.map((h) => ({
    id: h.id,
    slug: h.slug,
    title: h.title,
    snippet: snippet(h.excerpt, q),
    url: `/portal/${slug}/kb/articles/${h.slug}`,
  }));

/** A customer's search; a search that finds nothing is counted for the agents. */
export async function searchPortal(ctx: AppContext, slug: string, kb: PortalKb, q: string, limit = 20) {
  const hits = await searchArticles(ctx, kb.reader, q, { limit, language: kb.settings.searchLanguage });
  const terms = searchTerms(q);
  if (hits.length === 0 && terms.length) await recordMiss(ctx, kb.workspaceId, terms.join(" "));
  return portalHits(slug, q, hits);
}

/** Up to five articles for a subject being typed; nothing is recorded here. */
export async function suggestArticles(ctx: AppContext, slug: string, kb: PortalKb, q: string) {
  const hits = await searchArticles(ctx, kb.reader, q, {
    limit: SUGGESTIONS_MAX,
    language: kb.settings.searchLanguage,
  });
  return portalHits(slug, q, hits);
}

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
): Promise<{ id: string }> {
  return ctx.database.db.transaction().execute(async (tx) => {
    const article = await articlesVisibleTo(tx, kb.reader)
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
    const col = input.helpful ? "helpful_yes" : "helpful_no";
    await tx
      .updateTable("kb_articles")
      .set((eb) => ({ [col]: eb(col, "+", 1) }))
      .where("id", "=", article.id)
      .execute();
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
  const article = await articlesVisibleTo(ctx.database.db, kb.reader)
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

// --- deflection -------------------------------------------------------------------------------

export async function recordDeflectionEvent(
  ctx: AppContext,
  kb: PortalKb,
  input: Static<typeof DeflectionEventInput>,
): Promise<void> {
  const ids = [...new Set(input.articleIds ?? [])];
  // Only the reader's own articles are logged: an id from elsewhere is dropped, not stored.
  const known = ids.length
    ? (await articlesVisibleTo(ctx.database.db, kb.reader, { ids }).select("a.id").execute()).map((r) => r.id)
    : [];
  const now = nowIso(ctx);
  const rows = (known.length ? known : [null]).map((articleId) => ({
    id: newId(),
    workspace_id: kb.workspaceId,
    visit_id: input.visitId,
    type: input.type,
    article_id: articleId,
    created_at: now,
  }));
  await ctx.database.db.insertInto("kb_deflection_events").values(rows).execute();
}

/** A ticket was submitted in this visit: it was not deflected. */
export async function recordSubmittedVisit(ctx: AppContext, slug: string, visitId: string): Promise<void> {
  const ws = await getWorkspaceBySlug(ctx, slug);
  await ctx.database.db
    .insertInto("kb_deflection_events")
    .values({
      id: newId(),
      workspace_id: ws.id,
      visit_id: visitId,
      type: "submitted",
      article_id: null,
      created_at: nowIso(ctx),
    })
    .execute();
}

// --- insights for agents ----------------------------------------------------------------------

/** Everything the insights show, read side by side: for the API and the app's page alike. */
export async function kbInsights(ctx: AppContext, actor: AgentActor) {
  const [misses, deflection, feedback] = await Promise.all([
    searchMisses(ctx, actor),
    deflectionByWeek(ctx, actor),
    recentNegativeFeedback(ctx, actor),
  ]);
  return { misses, deflection, feedback };
}

export interface DeflectionWeek {
  /** Monday of the week, YYYY-MM-DD (UTC). */
  week: string;
  visitsWithSuggestions: number;
  clicked: number;
  deflected: number;
  rate: number;
}

const mondayOf = (iso: string) => {
  const d = new Date(iso);
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
};

export async function deflectionByWeek(
  ctx: AppContext,
  actor: AgentActor,
  weeks = 12,
): Promise<DeflectionWeek[]> {
  const since = new Date(ctx.now().getTime() - weeks * 7 * 86_400_000).toISOString();
  const rows = await ctx.database.db
    .selectFrom("kb_deflection_events")
    .select(["visit_id", "type"])
    .select((eb) => eb.fn.min("created_at").as("first_at"))
    .where("workspace_id", "=", actor.workspaceId)
    .where("created_at", ">=", since)
    .groupBy(["visit_id", "type"])
    .execute();
  const visits = new Map<string, { shownAt?: string; clicked: boolean; submitted: boolean }>();
  for (const r of rows) {
    const v = visits.get(r.visit_id) ?? { clicked: false, submitted: false };
    if (r.type === "shown") v.shownAt = String(r.first_at);
    if (r.type === "clicked") v.clicked = true;
    if (r.type === "submitted") v.submitted = true;
    visits.set(r.visit_id, v);
  }
  const byWeek = new Map<string, DeflectionWeek>();
  for (const v of visits.values()) {
    if (!v.shownAt) continue;
    const week = mondayOf(v.shownAt);
    const w = byWeek.get(week) ?? { week, visitsWithSuggestions: 0, clicked: 0, deflected: 0, rate: 0 };
    w.visitsWithSuggestions++;
    if (v.clicked) w.clicked++;
    if (!v.submitted) w.deflected++;
    byWeek.set(week, w);
  }
  return [...byWeek.values()]
    .map((w) => ({ ...w, rate: Math.round((w.deflected / w.visitsWithSuggestions) * 1000) / 1000 }))
    .sort((a, b) => b.week.localeCompare(a.week));
}

export async function searchMisses(ctx: AppContext, actor: AgentActor, limit = 50) {
  const rows = await ctx.database.db
    .selectFrom("kb_search_misses")
    .select(["query", "count", "last_at"])
    .where("workspace_id", "=", actor.workspaceId)
    .orderBy("count", "desc")
    .orderBy("last_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ query: r.query, count: Number(r.count), lastAt: r.last_at }));
}

export async function recentNegativeFeedback(ctx: AppContext, actor: AgentActor, limit = 20) {
  const rows = await articlesVisibleTo(ctx.database.db, actor)
    .innerJoin("kb_feedback as f", "f.article_id", "a.id")
    .select(["a.id", "a.title", "f.comment", "f.created_at"])
    .where("f.helpful", "=", false)
    .where("f.comment", "is not", null)
    .orderBy("f.created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    articleId: r.id,
    title: r.title,
    comment: r.comment as string,
    createdAt: r.created_at,
  }));
}

import type { Static } from "typebox";
import type { AgentActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import { isPostgres } from "../db/dialect.ts";
import type { Tx } from "../db/schema.ts";
import { notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import {
  articlesDeletableBy,
  articlesVisibleTo,
  articlesWritableBy,
  categoriesVisibleTo,
} from "./kb.access.ts";
import {
  ARTICLE_COLUMNS,
  type ArticleRow,
  cleanTags,
  indexedOf,
  slugFor,
  slugRace,
  tagsOf,
} from "./kb.common.ts";
import { renderMarkdown } from "./kb.markdown.ts";
import type { ArticleInput, ArticlePatch, ArticleSummaryView, ArticleView } from "./kb.schemas.ts";
import { indexArticle, searchArticles, unindexArticle } from "./kb.search.ts";
import { getKbSettings } from "./kb.settings.ts";
import { searchTerms } from "./kb.vocabulary.ts";

// Agents' articles: written, edited, published and deleted with the index and vocabulary in the
// same transaction; listed and searched with drafts and internal ones.

/** What the agents' list shows of an article; the full view adds its text and history. */
function articleSummary(
  r: Pick<
    ArticleRow,
    | "id"
    | "slug"
    | "title"
    | "category_id"
    | "status"
    | "visibility"
    | "tags"
    | "helpful_yes"
    | "helpful_no"
    | "view_count"
    | "updated_at"
  >,
) {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    categoryId: r.category_id,
    status: r.status,
    visibility: r.visibility,
    tags: tagsOf(r),
    helpful: { yes: Number(r.helpful_yes), no: Number(r.helpful_no) },
    views: Number(r.view_count ?? 0),
    updatedAt: r.updated_at,
  };
}

function articleView(r: ArticleRow & { author_name?: string | null }): ArticleView {
  return {
    ...articleSummary(r),
    body: r.body,
    html: r.body_html,
    position: Number(r.position),
    author: r.author_id && r.author_name ? { id: r.author_id, name: r.author_name } : null,
    publishedAt: r.published_at,
    createdAt: r.created_at,
  };
}

async function checkCategory(tx: Tx, actor: AgentActor, id: string | null | undefined) {
  if (id) {
    const found = await categoriesVisibleTo(tx, actor)
      .select("c.id")
      .where("c.id", "=", id)
      .executeTakeFirst();
    if (!found) throw validationFailed({ categoryId: "is not a category of this workspace" });
  }
}

/** Who holds an address among the agent's articles. */
const slugOwner = (tx: Tx, actor: AgentActor) => (slug: string) =>
  articlesVisibleTo(tx, actor).select("a.id").where("a.slug", "=", slug).executeTakeFirst();

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
      const row: ArticleRow = {
        id: newId(),
        workspace_id: actor.workspaceId,
        category_id: input.categoryId ?? null,
        slug: await slugFor(slugOwner(tx, actor), input.slug, input.title),
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
      await indexArticle(ctx, actor, tx, indexedOf(row), searchLanguage, null);
      return row.id;
    }),
  );
  return getArticleForAgent(ctx, actor, id);
}

/** The article about to change; on PostgreSQL locked, so two saves apply one after the other. */
async function articleFor(tx: Tx, actor: AgentActor, id: string): Promise<ArticleRow> {
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
      const next: ArticleRow = {
        ...row,
        category_id: patch.categoryId === undefined ? row.category_id : patch.categoryId,
        slug:
          patch.slug !== undefined && patch.slug !== row.slug
            ? await slugFor(slugOwner(tx, actor), patch.slug, row.title, row.id)
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
      await articlesWritableBy(tx, actor).set(set).where("a.id", "=", row.id).execute();
      const { searchLanguage } = await getKbSettings(ctx, actor.workspaceId, tx);
      await indexArticle(ctx, actor, tx, indexedOf(next), searchLanguage, indexedOf(row));
    }),
  );
  return getArticleForAgent(ctx, actor, id);
}

export async function deleteArticle(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  await ctx.database.db.transaction().execute(async (tx) => {
    const row = await articleFor(tx, actor, id);
    await unindexArticle(ctx, tx, indexedOf(row));
    await articlesDeletableBy(tx, actor).where("a.id", "=", row.id).execute();
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

export async function listArticlesForAgent(
  ctx: AppContext,
  actor: AgentActor,
  filter: { q?: string; status?: ArticleRow["status"]; categoryId?: string; sort?: "updated" | "views" } = {},
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
    "a.view_count",
    "a.updated_at",
  ]);
  if (filter.status) q = q.where("a.status", "=", filter.status);
  if (filter.categoryId) q = q.where("a.category_id", "=", filter.categoryId);
  if (filter.sort === "views") q = q.orderBy("a.view_count", "desc");
  const rows = await q.orderBy("a.updated_at", "desc").limit(500).execute();
  const order = ids ? new Map(ids.map((id, i) => [id, i])) : undefined;
  if (order && filter.sort !== "views") rows.sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0));
  return rows.map(articleSummary);
}

/** Markdown rendered as it will be published, for the editor's preview. */
export const previewMarkdown = (body: string) => renderMarkdown(body).html;

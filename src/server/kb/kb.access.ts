import {
  type Expression,
  type ExpressionBuilder,
  expressionBuilder,
  type RawBuilder,
  type SqlBool,
  sql,
} from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import { isPostgres } from "../db/dialect.ts";
import type { DB, KbArticleHeadsTable, KbArticleTable, KbCategoryTable, Tx } from "../db/schema.ts";

// Who may read and change which article and category: decided here only. Every knowledge-base
// query on kb_articles or kb_categories (lists, article pages, search, suggestions, feedback,
// saves) starts here; anything outside answers the same 404 as what does not exist.
//
// Agents: every article of their workspace, drafts and internal ones included. The system: one
// workspace's, or every workspace's without one. A visitor of the portal and a token holder:
// published "public" articles outside categories hidden from the portal. A signed-in customer:
// the same, and the "workspace" articles (for signed-in customers) too. Nobody but agents and
// the system sees a draft or an "internal" article.

/** kb_articles as the queries here name it (`a`). */
type Articles = DB & { a: KbArticleTable };
/** kb_article_heads as the queries here name it (`a`, like the articles whose scope it copies). */
type ArticleHeads = DB & { a: KbArticleHeadsTable };
/** kb_categories as the queries here name it (`c`). */
type Categories = DB & { c: KbCategoryTable };

/**
 * Which categories an actor may browse, as a where clause on `kb_categories as c`: all of the
 * workspace for agents and the system, those shown on the portal for everyone else.
 */
export function categoryScope(actor: Actor) {
  return (eb: ExpressionBuilder<Categories, "c">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("c.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined ? eb.lit(true) : eb("c.workspace_id", "=", actor.workspaceId);
      case "visitor":
      case "token_holder":
      case "customer":
        return eb.and([eb("c.workspace_id", "=", actor.workspaceId), eb("c.show_on_portal", "=", true)]);
      default:
        return unknownActor(actor);
    }
  };
}

/**
 * Which articles an actor may see or change, as a where clause on `kb_articles as a`.
 * `workspaceColumn` is how the workspace is compared (see articlesVisibleTo's `ids`).
 */
export function articleScope(
  actor: Actor,
  workspaceColumn: "a.workspace_id" | RawBuilder<unknown> = "a.workspace_id",
) {
  return (eb: ExpressionBuilder<Articles, "a">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb(workspaceColumn, "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined ? eb.lit(true) : eb(workspaceColumn, "=", actor.workspaceId);
      case "visitor":
      case "token_holder":
        return onPortal(eb, actor, workspaceColumn, ["public"]);
      case "customer":
        return onPortal(eb, actor, workspaceColumn, ["public", "workspace"]);
      default:
        return unknownActor(actor);
    }
  };
}

/** Published articles of the given visibilities, outside categories hidden from the portal. */
function onPortal(
  eb: ExpressionBuilder<Articles, "a">,
  actor: Actor & { workspaceId: string },
  workspaceColumn: "a.workspace_id" | RawBuilder<unknown>,
  visibilities: KbArticleTable["visibility"][],
): Expression<SqlBool> {
  // Not correlated with the outer query: its tables are left out of the subquery's scope.
  const fresh = eb as unknown as ExpressionBuilder<Categories, never>;
  return eb.and([
    eb(workspaceColumn, "=", actor.workspaceId),
    eb("a.status", "=", "published"),
    eb("a.visibility", "in", visibilities),
    eb.or([
      eb("a.category_id", "is", null),
      eb(
        "a.category_id",
        "in",
        fresh.selectFrom("kb_categories as c").select("c.id").where(categoryScope(actor)),
      ),
    ]),
  ]);
}

/**
 * Articles the actor may see, as a query on kb_articles (aliased `a`), optionally only among
 * the given ids. Inside a transaction pass its tx.
 */
export function articlesVisibleTo(db: Tx, actor: Actor, opts: { ids?: string[] } = {}) {
  const from = db.selectFrom("kb_articles as a");
  if (!opts.ids) return from.where(articleScope(actor));
  if (opts.ids.length === 0) return from.where(nothing());
  // Some ids (search results): found by primary key, the workspace checked on each row. On
  // SQLite the unary + keeps the planner, which has no statistics here, from walking the
  // workspace's index over every article instead.
  return from
    .where("a.id", "in", opts.ids)
    .where(articleScope(actor, isPostgres(db) ? sql`a.workspace_id` : sql`+a.workspace_id`));
}

/**
 * PostgreSQL: the title-and-tag vectors (`kb_article_heads`, migration 0041) of the articles the
 * actor may see, as a query on `kb_article_heads as a`, for the first tier of the search. Each row
 * copies its article's workspace, status, visibility and category under the same column names
 * (writeSearchVectors keeps them in step), so articleScope is the scope here too. What the search
 * answers is read again through articlesVisibleTo.
 */
export function articleHeadsVisibleTo(db: Tx, actor: Actor) {
  const scope = articleScope(actor) as unknown as (
    eb: ExpressionBuilder<ArticleHeads, "a">,
  ) => Expression<SqlBool>;
  return db.selectFrom("kb_article_heads as a").where(scope);
}

/** Every article update starts here, with the same scope as the reads. */
export function articlesWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("kb_articles as a").where(articleScope(actor));
}

/** Every article delete starts here, with the same scope as the reads. */
export function articlesDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("kb_articles as a").where(articleScope(actor));
}

/** Categories the actor may browse. Inside a transaction pass its tx. */
export function categoriesVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("kb_categories as c").where(categoryScope(actor));
}

/** Every category update starts here, with the same scope as the reads. */
export function categoriesWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("kb_categories as c").where(categoryScope(actor));
}

/** One more "yes" or "no" on an article the actor may see. */
export async function countFeedback(tx: Tx, actor: Actor, articleId: string, helpful: boolean) {
  const col = helpful ? "helpful_yes" : "helpful_no";
  await articlesWritableBy(tx, actor)
    .set((eb) => ({ [col]: eb(col, "+", 1) }))
    .where("a.id", "=", articleId)
    .execute();
}

/**
 * PostgreSQL: an article's search vectors, titles and tags (`heads`) and the whole document,
 * written in the save's transaction, after the article's own columns; in the same statement its
 * row of `kb_article_heads` takes the title vector with the article's workspace, status,
 * visibility and category as they now are. Every save of an article (new, edited, published or
 * not, moved, re-indexed in a new language) ends here, so the copy never lags its article; a
 * deleted article's row goes with it, a deleted category's id is cleared on both (foreign keys).
 * The vector columns are PostgreSQL's only, so not in the typed schema.
 */
export async function writeSearchVectors(
  tx: Tx,
  actor: Actor,
  articleId: string,
  vectors: { heads: RawBuilder<unknown>; document: RawBuilder<unknown> },
): Promise<void> {
  const scope = articleScope(actor)(expressionBuilder<Articles, "a">());
  await sql`with saved as (
      update kb_articles as a set heads = ${vectors.heads}, document = ${vectors.document}
       where a.id = ${articleId} and ${scope}
      returning a.id, a.workspace_id, a.status, a.visibility, a.category_id, a.heads
    )
    insert into kb_article_heads as h (article_id, workspace_id, status, visibility, category_id, heads)
    select id, workspace_id, status, visibility, category_id, heads from saved
    on conflict (article_id) do update set workspace_id = excluded.workspace_id, status = excluded.status,
      visibility = excluded.visibility, category_id = excluded.category_id, heads = excluded.heads`.execute(
    tx,
  );
}

/**
 * Whether an article the actor may read shows the pasted image `imageId` (a column reference of
 * the outer query), by its address in the Markdown: kb-image.access.ts asks this for readers
 * outside the workspace.
 */
export function readableArticleShows(actor: Actor, imageId: RawBuilder<unknown>): Expression<SqlBool> {
  const eb = expressionBuilder<Articles, "a">();
  return eb.exists(
    eb
      .selectFrom("kb_articles as a")
      .select(sql<number>`1`.as("one"))
      .where(articleScope(actor))
      .where(sql<SqlBool>`a.body like ${"%/kb/images/"} || ${imageId} || ${"%"}`),
  );
}

/** One more portal read of an article the actor may see (agents are not counted by the caller). */
export async function countView(tx: Tx, actor: Actor, articleId: string) {
  await articlesWritableBy(tx, actor)
    .set((eb) => ({ view_count: eb("view_count", "+", 1) }))
    .where("a.id", "=", articleId)
    .execute();
}

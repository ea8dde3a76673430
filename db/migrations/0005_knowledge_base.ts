import { type Kysely, sql } from "kysely";
import { columnTypes, isPostgres } from "../../src/server/db/dialect.ts";

// The knowledge base: per-workspace settings, ordered categories, articles with their search
// index and vocabulary (for typo correction), feedback, searches that found nothing, and the
// deflection log of the submit form's suggestions.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const { ts, bool } = columnTypes(db);
  const pg = isPostgres(db);

  await db.schema
    .createTable("kb_settings")
    .addColumn("workspace_id", "text", (c) => c.primaryKey().references("workspaces.id").onDelete("cascade"))
    .addColumn("search_language", "text", (c) => c.notNull().defaultTo("english"))
    .addColumn("not_found_text", "text")
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("kb_categories")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("slug", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("show_on_portal", bool, (c) => c.notNull())
    .addColumn("article_sort", "text", (c) =>
      c.notNull().check(sql`article_sort in ('manual', 'newest', 'title', 'helpful')`),
    )
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addUniqueConstraint("kb_categories_workspace_slug_key", ["workspace_id", "slug"])
    .execute();

  await db.schema
    .createTable("kb_articles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("category_id", "text", (c) => c.references("kb_categories.id").onDelete("set null"))
    .addColumn("slug", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("tags", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('draft', 'published')`))
    .addColumn("visibility", "text", (c) =>
      c.notNull().check(sql`visibility in ('public', 'workspace', 'internal')`),
    )
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("author_id", "text", (c) => c.references("agents.id").onDelete("set null"))
    .addColumn("helpful_yes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("helpful_no", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("published_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    // The long texts come last: SQLite reads the columns before them (the ones search filters
    // on) from the row's first page, without walking the overflow pages of a long body.
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("body_html", "text", (c) => c.notNull())
    .addColumn("body_text", "text", (c) => c.notNull())
    .addUniqueConstraint("kb_articles_workspace_slug_key", ["workspace_id", "slug"])
    .execute();
  await db.schema
    .createIndex("kb_articles_category_idx")
    .on("kb_articles")
    .columns(["workspace_id", "category_id"])
    .execute();

  await db.schema
    .createTable("kb_feedback")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("article_id", "text", (c) => c.notNull().references("kb_articles.id").onDelete("cascade"))
    .addColumn("helpful", bool, (c) => c.notNull())
    .addColumn("comment", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("kb_feedback_article_idx").on("kb_feedback").column("article_id").execute();

  // One row per distinct normalised query that found nothing on the portal, counted.
  await db.schema
    .createTable("kb_search_misses")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("query", "text", (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull())
    .addColumn("last_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("kb_search_misses_pkey", ["workspace_id", "query"])
    .execute();

  await db.schema
    .createTable("kb_deflection_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("visit_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) =>
      c.notNull().check(sql`type in ('shown', 'clicked', 'dismissed', 'submitted')`),
    )
    .addColumn("article_id", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("kb_deflection_events_workspace_idx")
    .on("kb_deflection_events")
    .columns(["workspace_id", "created_at"])
    .execute();

  // Words of the workspace's articles with the number of articles holding each: typo
  // correction picks its candidates here, never from another workspace.
  await db.schema
    .createTable("kb_terms")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("term", "text", (c) => c.notNull())
    .addColumn("articles", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("kb_terms_pkey", ["workspace_id", "term"])
    .execute();

  if (pg) {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`alter table kb_articles add column document tsvector not null default ''::tsvector`.execute(db);
    await sql`create index kb_articles_document_idx on kb_articles using gin (document)`.execute(db);
    await sql`create index kb_terms_trgm_idx on kb_terms using gin (term gin_trgm_ops)`.execute(db);
  } else {
    // FTS5 stems English only (porter); other languages use the plain table, without stemming.
    // The FTS tables are contentless (they keep the index, not the text) and their rowid is
    // kb_search_docs.id: the join to the article never reads a stored copy of a long body.
    await db.schema
      .createTable("kb_search_docs")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("article_id", "text", (c) =>
        c.notNull().unique().references("kb_articles.id").onDelete("cascade"),
      )
      .addColumn("workspace_id", "text", (c) => c.notNull())
      .execute();
    for (const [table, tokenize] of [
      ["kb_search_porter", "porter unicode61 remove_diacritics 2"],
      ["kb_search_plain", "unicode61 remove_diacritics 2"],
    ] as const) {
      await sql`${sql.raw(`create virtual table ${table} using fts5(
        title, tags, body, content = '', contentless_delete = 1,
        tokenize = '${tokenize}', prefix = '2 3'
      )`)}`.execute(db);
    }
  }
}

import { type Kysely, sql } from "kysely";
import { isPostgres } from "../../src/server/db/dialect.ts";

// PostgreSQL: the first tier of the knowledge-base ranking (titles and tags, decision 0008) read
// the `heads` vector off the article rows, which their text makes wide (10,000 articles of the
// benchmark fill 3,800 pages of 8 KB): a word in a few hundred titles meant a few hundred pages
// visited to check each row's workspace, status, visibility and category and to rank it.
// `kb_article_heads` keeps one narrow row per article beside it (the same 10,000 in about 230
// pages), with the columns of the readers' scope under the articles' own names, written with the
// vectors in the save's transaction (kb.access.ts, writeSearchVectors). The articles' GIN index on
// `heads` served only that tier; the column stays for the second tier's "not in the title".
// SQLite's first tier already reads its own small FTS5 index of titles and tags (migration 0006):
// nothing changes there.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`create table kb_article_heads (
    article_id text primary key references kb_articles (id) on delete cascade,
    workspace_id text not null,
    status text not null,
    visibility text not null,
    category_id text references kb_categories (id) on delete set null,
    heads tsvector not null
  )`.execute(db);
  await sql`insert into kb_article_heads (article_id, workspace_id, status, visibility, category_id, heads)
    select id, workspace_id, status, visibility, category_id, heads from kb_articles order by id`.execute(db);
  await sql`create index kb_article_heads_idx on kb_article_heads using gin (heads)`.execute(db);
  await sql`drop index if exists kb_articles_heads_idx`.execute(db);
}

import { type Kysely, sql } from "kysely";
import { isPostgres } from "../../src/server/db/dialect.ts";

// A second, small full-text index of each article's title and tags beside the whole document's,
// so that search ranks the articles whose title or tags hold a query word without scoring every
// article that mentions it somewhere (decision 0008). SQLite: contentless FTS5 tables, filled from
// the articles already indexed, in the table of their workspace's search language. PostgreSQL: a
// `heads` tsvector beside `document`, GIN-indexed, built in each workspace's configuration.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`alter table kb_articles add column heads tsvector not null default ''::tsvector`.execute(db);
    await sql`update kb_articles a set heads =
        setweight(to_tsvector(cfg.c, a.title), 'A') ||
        setweight(to_tsvector(cfg.c, coalesce((select string_agg(t, ' ') from json_array_elements_text(a.tags::json) t), '')), 'B')
      from (select w.id, coalesce(s.search_language, 'english')::regconfig as c
            from workspaces w left join kb_settings s on s.workspace_id = w.id) cfg
      where cfg.id = a.workspace_id`.execute(db);
    await sql`create index kb_articles_heads_idx on kb_articles using gin (heads)`.execute(db);
    return;
  }
  for (const [table, tokenize, english] of [
    ["kb_search_heads_porter", "porter unicode61 remove_diacritics 2", true],
    ["kb_search_heads_plain", "unicode61 remove_diacritics 2", false],
  ] as const) {
    await sql`${sql.raw(`create virtual table ${table} using fts5(
      title, tags, content = '', contentless_delete = 1,
      tokenize = '${tokenize}', prefix = '2 3'
    )`)}`.execute(db);
    await sql`${sql.raw(`insert into ${table} (rowid, title, tags)
      select d.id, a.title, coalesce((select group_concat(t.value, ' ') from json_each(a.tags) t), '')
      from kb_search_docs d
      join kb_articles a on a.id = d.article_id
      left join kb_settings s on s.workspace_id = a.workspace_id
      where (coalesce(s.search_language, 'english') = 'english') = ${english ? 1 : 0}`)}`.execute(db);
  }
}

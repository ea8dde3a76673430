import type { DatabaseSync } from "node:sqlite";
import type pg from "pg";
import { ARTICLE_VECTORS } from "../kb/kb.engines.ts";
import { DEFAULT_SEARCH_LANGUAGE } from "../kb/kb.vocabulary.ts";

// The search indexes are the engines' own (decision 0008): FTS5 tables on SQLite, tsvector
// columns and a table on PostgreSQL. A move builds PostgreSQL's from the copied text, the way
// the app writes them (tickets/ticket.search.ts, kb/kb.engines.ts), instead of copying anything.

/** Ticket index rows per INSERT. */
const BATCH = 500;

/**
 * ticket_search: one row per indexed text (a ticket's subject and description, each message),
 * rebuilt from the text FTS5 keeps beside its index, under the same ids. Answers the rows written.
 */
export async function rebuildTicketSearch(source: DatabaseSync, target: pg.Client): Promise<number> {
  const rows = source
    .prepare("select id, workspace_id, ticket_id, body from ticket_search order by rowid")
    .iterate() as IterableIterator<{ id: string; workspace_id: string; ticket_id: string; body: string }>;
  let batch: unknown[] = [];
  let written = 0;
  const flush = async () => {
    if (!batch.length) return;
    const n = batch.length / 4;
    const values = Array.from(
      { length: n },
      (_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, to_tsvector('simple', $${i * 4 + 4}))`,
    );
    await target.query(
      `insert into ticket_search (id, workspace_id, ticket_id, document) values ${values.join(", ")}`,
      batch,
    );
    written += n;
    batch = [];
  };
  for (const r of rows) {
    batch.push(r.id, r.workspace_id, r.ticket_id, r.body);
    if (batch.length >= BATCH * 4) await flush();
  }
  await flush();
  return written;
}

/** An SQL text fragment with each `{name}` replaced by the SQL text given for it. */
function filled(fragment: string, values: Record<string, string>): string {
  return fragment.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}}`);
    return value;
  });
}

/**
 * kb_articles.heads and .document, in each workspace's search language, weighted as kb.engines.ts's
 * PostgreSQL engine indexes an article when it is saved (ARTICLE_VECTORS), and each article's row
 * of kb_article_heads (its title vector with its scope's columns, as writeSearchVectors keeps it).
 * Answers the articles indexed.
 */
export async function rebuildArticleSearch(target: pg.Client): Promise<number> {
  const heads = filled(ARTICLE_VECTORS.heads, {
    c: "cfg.c",
    title: "a.title",
    tags: "coalesce((select string_agg(t, ' ') from json_array_elements_text(a.tags::json) t), '')",
  });
  const document = filled(ARTICLE_VECTORS.document, { heads: "v.heads", c: "v.c", text: "v.body_text" });
  const r = await target.query(
    `with cfg as (
      select w.id, coalesce(s.search_language, $1)::regconfig as c
        from workspaces w left join kb_settings s on s.workspace_id = w.id
    ), vectors as (
      select a.id, ${heads} as heads, cfg.c, a.body_text
        from kb_articles a join cfg on cfg.id = a.workspace_id
    )
    update kb_articles a
       set heads = v.heads, document = ${document}
      from vectors v
     where v.id = a.id`,
    [DEFAULT_SEARCH_LANGUAGE],
  );
  await target.query(
    `insert into kb_article_heads (article_id, workspace_id, status, visibility, category_id, heads)
     select id, workspace_id, status, visibility, category_id, heads from kb_articles order by id`,
  );
  return r.rowCount ?? 0;
}

/** Problems with the rebuilt indexes: a row count that differs, an article left unindexed. */
export async function checkSearch(
  source: DatabaseSync,
  target: pg.Client,
  articlesIndexed: number,
): Promise<string[]> {
  const problems: string[] = [];
  const count = async (table: string) =>
    Number((await target.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]?.n ?? 0);
  const lite = Number((source.prepare("select count(*) as n from ticket_search").get() as { n: number }).n);
  const tickets = await count("ticket_search");
  if (lite !== tickets)
    problems.push(`ticket search: ${lite} index rows in SQLite, ${tickets} in PostgreSQL`);
  const articles = await count("kb_articles");
  if (articles !== articlesIndexed) {
    problems.push(`knowledge base search: ${articles} articles, ${articlesIndexed} indexed`);
  }
  const heads = await count("kb_article_heads");
  if (articles !== heads) {
    problems.push(`knowledge base search: ${articles} articles, ${heads} with their titles indexed`);
  }
  return problems;
}

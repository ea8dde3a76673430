import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { up as addHeadsTable } from "../../../db/migrations/0041_kb_article_heads.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// PostgreSQL's first tier of the search reads kb_article_heads (migration 0041): each article's
// title vector with its workspace, status, visibility and category. Every save keeps the copy
// equal to its article; the migration fills it for the articles already there.

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;

const call = async (
  who: "admin" | "agent",
  method: "POST" | "PATCH" | "DELETE",
  url: string,
  payload?: object,
) => {
  const res = await t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: team[who].headers,
    ...(payload ? { payload } : {}),
  });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? null : (res.json() as { id: string });
};

/** Each article's scope and title vector as the articles hold them, and as kb_article_heads does. */
async function bothSides() {
  const db = t.ctx.database.db;
  const articles = await sql<Record<string, string | null>>`
    select id, workspace_id, status, visibility, category_id, heads::text as heads
      from kb_articles order by id`.execute(db);
  const heads = await sql<Record<string, string | null>>`
    select article_id as id, workspace_id, status, visibility, category_id, heads::text as heads
      from kb_article_heads order by article_id`.execute(db);
  return { articles: articles.rows, heads: heads.rows };
}

async function assertInStep(step: string) {
  const { articles, heads } = await bothSides();
  assert.deepEqual(heads, articles, step);
}

const searchSlugs = async (q: string) => {
  const res = await t.app.inject({
    url: `/api/public/portals/${team.ws.slug}/kb/search?q=${encodeURIComponent(q)}`,
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { items: { slug: string }[] }).items.map((i) => i.slug);
};

describe("the title rows of PostgreSQL's search", {
  skip: ON_POSTGRES ? false : "DATABASE_URL is not set: kb_article_heads is PostgreSQL's",
}, () => {
  before(async () => {
    t = await testEnv();
    team = await makeTeam(t);
  });
  after(() => t?.close());

  it("follow every save of an article, in its transaction", async () => {
    const category = (await call("admin", "POST", "/kb/categories", { name: "Hoofed" })) as { id: string };
    const a = (await call("agent", "POST", "/kb/articles", {
      slug: "tapir",
      title: "Tapir care",
      body: "Tapirs like water.",
      tags: ["mammals"],
      categoryId: category.id,
    })) as { id: string };
    await call("agent", "POST", "/kb/articles", {
      slug: "okapi",
      title: "Okapi",
      body: "Shy.",
      status: "published",
    });
    await assertInStep("written as a draft, in a category");
    assert.deepEqual(await searchSlugs("tapir"), []);

    await call("agent", "PATCH", `/kb/articles/${a.id}`, { status: "published" });
    await assertInStep("published");
    assert.deepEqual(await searchSlugs("tapir"), ["tapir"]);

    await call("agent", "PATCH", `/kb/articles/${a.id}`, { visibility: "workspace" });
    await assertInStep("for signed-in customers only");
    assert.deepEqual(await searchSlugs("tapir"), []);

    await call("agent", "PATCH", `/kb/articles/${a.id}`, {
      visibility: "public",
      title: "Tapir feeding",
      tags: [],
    });
    await assertInStep("public again, retitled, untagged");
    assert.deepEqual(await searchSlugs("feeding"), ["tapir"]);

    await call("admin", "PATCH", `/kb/categories/${category.id}`, { showOnPortal: false });
    assert.deepEqual(await searchSlugs("tapir"), [], "in a category hidden from the portal");
    await call("agent", "PATCH", `/kb/articles/${a.id}`, { categoryId: null });
    await assertInStep("out of the category");
    assert.deepEqual(await searchSlugs("tapir"), ["tapir"]);

    await call("agent", "PATCH", `/kb/articles/${a.id}`, { categoryId: category.id });
    await sql`delete from kb_categories where id = ${category.id}`.execute(t.ctx.database.db);
    await assertInStep("its category deleted");
    assert.deepEqual(await searchSlugs("tapir"), ["tapir"]);

    await call("admin", "PATCH", "/kb/settings", { searchLanguage: "simple" });
    await assertInStep("indexed again in another language");
    assert.deepEqual(await searchSlugs("feeding"), ["tapir"]);
    assert.deepEqual(await searchSlugs("feed"), ["tapir"], "the start of the word, no longer its stem");

    await call("agent", "DELETE", `/kb/articles/${a.id}`);
    await assertInStep("deleted");
    assert.equal((await bothSides()).heads.length, 1);
  });

  it("are filled by the migration for the articles already there", async () => {
    await call("agent", "POST", "/kb/articles", {
      slug: "zebu",
      title: "Zebu humps",
      body: "Fat.",
      status: "published",
    });
    const db = t.ctx.database.db;
    // As a database from before the migration: the articles indexed, no title rows yet.
    await sql`drop table kb_article_heads`.execute(db);
    await sql`create index kb_articles_heads_idx on kb_articles using gin (heads)`.execute(db);
    await addHeadsTable(db);
    await assertInStep("after the migration");
    const { heads } = await bothSides();
    assert.equal(heads.length, 2);
    assert.deepEqual(await searchSlugs("zebu"), ["zebu"]);
    const index = await sql`select 1 from pg_indexes where indexname = 'kb_articles_heads_idx'`.execute(db);
    assert.equal(index.rows.length, 0, "the articles' own title index is gone");
  });
});

import assert from "node:assert/strict";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it, mock } from "node:test";
import pg from "pg";
import { makeCustomer, makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Portal searches and suggestions are answered from memory until the database changes
// (kb.portal.ts): every change an agent makes, and one written by another process, shows in the
// very next search, on whichever database the harness was given.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;

type Hit = { id: string; slug: string; title: string; snippet: string };

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await t.app.inject({ method: "GET", url, headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { items: Hit[]; notFoundText?: string };
};
const search = (q: string, headers: Record<string, string> = {}) =>
  get(`/api/public/portals/${team.ws.slug}/kb/search?q=${encodeURIComponent(q)}`, headers);
const suggest = (q: string) =>
  get(`/api/public/portals/${team.ws.slug}/kb/suggestions?q=${encodeURIComponent(q)}`);
const titles = async (q: string, headers: Record<string, string> = {}) =>
  (await search(q, headers)).items.map((i) => i.title);

const agentCall = async (method: "POST" | "PATCH" | "DELETE", url: string, payload?: object) => {
  const res = await t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: team.admin.headers,
    ...(payload ? { payload } : {}),
  });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? null : (res.json() as { id: string });
};

/** Runs one statement from a connection of its own, as another process would. */
async function fromOutside(statement: string, params: string[]) {
  const database = t.ctx.database;
  if (database.dialect === "sqlite") {
    const other = new DatabaseSync(path.resolve(database.location), { timeout: 5000 });
    other.prepare(statement.replace(/\$\d/g, "?")).run(...params);
    other.close();
  } else {
    const client = new pg.Client({ connectionString: t.ctx.config.databaseUrl });
    await client.connect();
    await client.query(statement, params);
    await client.end();
  }
}

before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
});
after(() => t.close());

describe("portal search answers kept in memory", () => {
  it("shows a publish, an edit, an unpublish and a delete in the next search", async () => {
    const a = (await agentCall("POST", "/kb/articles", {
      title: "Quokka feeding times",
      body: "Quokkas eat leaves at dusk.",
      status: "draft",
    })) as { id: string };
    assert.deepEqual(await titles("quokka"), []);
    assert.deepEqual(await titles("quokka"), []);

    await agentCall("PATCH", `/kb/articles/${a.id}`, { status: "published" });
    assert.deepEqual(await titles("quokka"), ["Quokka feeding times"]);
    assert.deepEqual(
      (await suggest("quokka")).items.map((i) => i.title),
      ["Quokka feeding times"],
    );

    await agentCall("PATCH", `/kb/articles/${a.id}`, { title: "Quokka feeding hours" });
    assert.deepEqual(await titles("quokka"), ["Quokka feeding hours"]);
    assert.deepEqual(
      (await suggest("quokka")).items.map((i) => i.title),
      ["Quokka feeding hours"],
    );

    await agentCall("PATCH", `/kb/articles/${a.id}`, { body: "Quokkas nibble grass at dawn." });
    assert.match((await search("quokka")).items[0]?.snippet ?? "", /nibble grass/);

    await agentCall("PATCH", `/kb/articles/${a.id}`, { status: "draft" });
    assert.deepEqual(await titles("quokka"), []);
    assert.deepEqual((await suggest("quokka")).items, []);

    await agentCall("PATCH", `/kb/articles/${a.id}`, { status: "published" });
    assert.deepEqual(await titles("quokka"), ["Quokka feeding hours"]);
    await agentCall("DELETE", `/kb/articles/${a.id}`);
    assert.deepEqual(await titles("quokka"), []);
  });

  it("shows a new article and a category hidden from the portal in the next search", async () => {
    await agentCall("POST", "/kb/articles", { title: "Wombat burrows", body: "Deep.", status: "published" });
    assert.deepEqual(await titles("wombat"), ["Wombat burrows"]);
    const category = (await agentCall("POST", "/kb/categories", { name: "Marsupials" })) as { id: string };
    await agentCall("POST", "/kb/articles", {
      title: "Wombat diet",
      body: "Grass and roots.",
      categoryId: category.id,
      status: "published",
    });
    assert.deepEqual((await titles("wombat")).sort(), ["Wombat burrows", "Wombat diet"]);
    await agentCall("PATCH", `/kb/categories/${category.id}`, { showOnPortal: false });
    assert.deepEqual(await titles("wombat"), ["Wombat burrows"]);
  });

  it("answers visitors and signed-in customers each with what they may see", async () => {
    await agentCall("POST", "/kb/articles", {
      title: "Numbat secrets",
      body: "Termites.",
      visibility: "workspace",
      status: "published",
    });
    const customer = await makeCustomer(t, team.ws.id);
    // Each asked twice in a row, so that each asks right after the other's answer was kept.
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await titles("numbat", { cookie: customer.cookie }), ["Numbat secrets"]);
      assert.deepEqual(await titles("numbat"), []);
    }
  });

  it("the same words answer the same, and the guidance follows the settings at once", async () => {
    await agentCall("POST", "/kb/articles", { title: "Echidna spines", body: "Sharp.", status: "published" });
    const first = await search("Echidna spines");
    assert.deepEqual(await search("echidna   SPINES!"), first);
    await agentCall("PATCH", "/kb/settings", { notFoundText: "Ask the zoo keeper." });
    assert.equal((await search("echidna")).notFoundText, "Ask the zoo keeper.");
  });

  it("counts a search that found nothing each time it is asked", async () => {
    for (let i = 0; i < 3; i++) assert.deepEqual(await titles("platypus"), []);
    const row = await t.ctx.database.db
      .selectFrom("kb_search_misses")
      .select("count")
      .where("workspace_id", "=", team.ws.id)
      .where("query", "=", "platypus")
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.count), 3);
  });

  it("shows a change written by another process in the next search", async () => {
    const a = (await agentCall("POST", "/kb/articles", {
      title: "Bilby ears",
      body: "Long.",
      status: "published",
    })) as { id: string };
    // The clock stands still: another process's commit must be seen without waiting for the
    // periodic check of the file's version.
    const now = performance.now();
    mock.method(performance, "now", () => now);
    for (let i = 0; i < 2; i++) assert.deepEqual(await titles("bilby"), ["Bilby ears"]);
    await fromOutside("update kb_articles set title = $1 where id = $2", ["Bilby ears, renamed", a.id]);
    assert.deepEqual(await titles("bilby"), ["Bilby ears, renamed"]);
    await fromOutside("update kb_articles set status = $1 where id = $2", ["draft", a.id]);
    assert.deepEqual(await titles("bilby"), []);
    mock.restoreAll();
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Instance, type TwoInstances, twoInstances } from "../test/two-instances.ts";

// The portal's kept search answers and KB settings on PostgreSQL with Redis: two app instances
// (each its own pool, Redis connections and caches, as two processes) on one database. A change
// made through one is in the other's next search; one no process was told of is not (the answer
// is kept, which is what the first test proves).

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;

describe("portal search answers of two app instances on one PostgreSQL database", {
  skip:
    DATABASE_URL && REDIS_URL
      ? false
      : "DATABASE_URL and REDIS_URL are not both set: the answers are shared across processes through Redis",
}, () => {
  const slug = "zoo";
  let world: TwoInstances;
  let a: Instance;
  let b: Instance;
  let admin: Record<string, string>;

  const search = async (i: Instance, q: string) => {
    const res = await i.app.inject({
      url: `/api/public/portals/${slug}/kb/search?q=${encodeURIComponent(q)}`,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { items: { title: string; snippet: string }[]; notFoundText?: string };
  };
  const titles = async (i: Instance, q: string) => (await search(i, q)).items.map((h) => h.title);
  const suggested = async (i: Instance, q: string) => {
    const res = await i.app.inject({
      url: `/api/public/portals/${slug}/kb/suggestions?q=${encodeURIComponent(q)}`,
    });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { items: { title: string }[] }).items.map((h) => h.title);
  };
  const agentCall = async (
    i: Instance,
    method: "POST" | "PATCH" | "DELETE",
    url: string,
    payload?: object,
  ) => {
    const res = await i.app.inject({
      method,
      url: `/api/workspace${url}`,
      headers: admin,
      ...(payload ? { payload } : {}),
    });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.statusCode === 204 ? null : (res.json() as { id: string });
  };
  before(async () => {
    world = await twoInstances({
      databaseUrl: DATABASE_URL as string,
      redisUrl: REDIS_URL as string,
      name: "portico_kb_shared",
      workspace: { slug, name: "Zoo", adminEmail: "ada@zoo.test" },
    });
    ({ a, b, admin } = world);
  });
  after(() => world?.close());

  test("an answer is kept: a change no process was told of is not seen", async () => {
    const article = (await agentCall(a, "POST", "/kb/articles", {
      title: "Tapir snouts",
      body: "Flexible.",
      status: "published",
    })) as { id: string };
    assert.deepEqual(await titles(b, "tapir"), ["Tapir snouts"]);
    await world.sql.query("update kb_articles set title = $1 where id = $2", ["Tapir noses", article.id]);
    assert.deepEqual(await titles(b, "tapir"), ["Tapir snouts"], "answered from B's memory");
    assert.deepEqual(await titles(a, "tapir"), ["Tapir noses"], "A had nothing kept");
  });

  test("an article published and edited through one instance is in the other's next search", async () => {
    const article = (await agentCall(a, "POST", "/kb/articles", {
      title: "Okapi stripes",
      body: "Okapis hide in the forest.",
      status: "draft",
    })) as { id: string };
    for (let n = 0; n < 2; n++) {
      assert.deepEqual(await titles(b, "okapi"), []);
      assert.deepEqual(await suggested(b, "okapi"), []);
    }

    await agentCall(a, "PATCH", `/kb/articles/${article.id}`, { status: "published" });
    assert.deepEqual(await titles(b, "okapi"), ["Okapi stripes"]);
    assert.deepEqual(await suggested(b, "okapi"), ["Okapi stripes"]);

    await agentCall(a, "PATCH", `/kb/articles/${article.id}`, {
      title: "Okapi legs",
      body: "Okapis browse leaves at dawn.",
    });
    const [hit] = (await search(b, "okapi")).items;
    assert.equal(hit?.title, "Okapi legs");
    assert.match(hit?.snippet ?? "", /browse leaves/);
    assert.deepEqual(await suggested(b, "okapi"), ["Okapi legs"]);

    // The other way round: through B, then read on A, which kept the answers above.
    assert.deepEqual(await titles(a, "okapi"), ["Okapi legs"]);
    await agentCall(b, "PATCH", `/kb/articles/${article.id}`, { status: "draft" });
    assert.deepEqual(await titles(a, "okapi"), []);
    await agentCall(b, "PATCH", `/kb/articles/${article.id}`, { status: "published" });
    assert.deepEqual(await titles(a, "okapi"), ["Okapi legs"]);
    await agentCall(b, "DELETE", `/kb/articles/${article.id}`);
    assert.deepEqual(await titles(a, "okapi"), []);
  });

  test("the KB settings changed through one instance hold on the other at once", async () => {
    await agentCall(a, "POST", "/kb/articles", { title: "Quoll spots", body: "White.", status: "published" });
    // A search with a hit records nothing: asked twice, the second answer and settings are B's kept ones.
    for (let n = 0; n < 2; n++) assert.notEqual((await search(b, "quoll")).notFoundText, "Ask the keeper.");
    await agentCall(a, "PATCH", "/kb/settings", { notFoundText: "Ask the keeper." });
    assert.equal((await search(b, "quoll")).notFoundText, "Ask the keeper.");
  });
});

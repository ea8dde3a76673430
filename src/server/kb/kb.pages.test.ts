import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// The agents' knowledge-base pages and the portal's, through the real app.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;

const form = (agent: { cookie: string; csrf: string }, url: string, fields: Record<string, string>) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: agent.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: agent.csrf, ...fields }).toString(),
  });
const page = (agent: { cookie: string }, url: string) =>
  t.app.inject({ url, headers: { cookie: agent.cookie } });

before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
});
after(() => t.close());

describe("knowledge-base pages for agents", () => {
  it("previews through the portal's renderer without saving, then saves and publishes", async () => {
    const fields = {
      title: "Printer jams",
      body: "Open **tray 2**.\n\n<script>alert(1)</script>",
      categoryId: "",
      tags: "hardware, printer",
      status: "draft",
      visibility: "public",
      slug: "",
    };
    const preview = await form(team.agent, "/app/kb/new", { ...fields, action: "preview" });
    assert.equal(preview.statusCode, 200);
    assert.ok(preview.body.includes("<strong>tray 2</strong>"));
    assert.ok(preview.body.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(!preview.body.includes("<script>alert(1)"));
    assert.equal(
      await t.ctx.database.db.selectFrom("kb_articles").select("id").executeTakeFirst(),
      undefined,
    );

    const created = await form(team.agent, "/app/kb/new", { ...fields, action: "save" });
    assert.equal(created.statusCode, 303);
    const editUrl = (created.headers.location as string).replace(/\?.*$/, "");
    const saved = await form(team.agent, editUrl, { ...fields, status: "published", action: "save" });
    assert.equal(saved.statusCode, 303);
    const list = await page(team.agent, "/app/kb");
    assert.ok(list.body.includes("Printer jams"));
    assert.ok(list.body.includes("Published"));
    const portal = await t.app.inject({ url: `/portal/${team.ws.slug}/kb/articles/printer-jams` });
    assert.equal(portal.statusCode, 200);
    assert.ok(portal.body.includes("<strong>tray 2</strong>"));
  });

  it("shows errors beside the fields, never a 500", async () => {
    const res = await form(team.agent, "/app/kb/new", { title: "", body: "x", action: "save" });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes('id="title-error"'));
    const bad = await form(team.agent, "/app/kb/new", {
      title: "x",
      body: "x",
      visibility: "nope",
      action: "save",
    });
    assert.equal(bad.statusCode, 400);
  });

  it("admins manage categories and the not-found guidance; agents only look", async () => {
    assert.equal((await form(team.admin, "/app/kb/categories", { name: "Billing" })).statusCode, 303);
    assert.equal((await form(team.admin, "/app/kb/categories", { name: "Accounts" })).statusCode, 303);
    const cats = await t.ctx.database.db
      .selectFrom("kb_categories")
      .select(["id", "name"])
      .orderBy("position")
      .execute();
    assert.deepEqual(
      cats.map((c) => c.name),
      ["Billing", "Accounts"],
    );
    await form(team.admin, `/app/kb/categories/${cats[1]?.id}/move?to=up`, {});
    const after = await page(team.admin, "/app/kb/categories");
    assert.ok(after.body.indexOf('value="Accounts"') < after.body.indexOf('value="Billing"'));
    assert.equal((await form(team.agent, "/app/kb/categories", { name: "Nope" })).statusCode, 403);
    const saved = await form(team.admin, "/app/kb/settings", {
      notFoundText: "Try calling us.",
      searchLanguage: "english",
    });
    assert.equal(saved.statusCode, 303);
    const search = await t.app.inject({ url: `/portal/${team.ws.slug}/kb/search?q=nothingmatches` });
    assert.ok(search.body.includes("Try calling us."));
    const insights = await page(team.agent, "/app/kb/insights");
    assert.ok(insights.body.includes("nothingmatches"));
  });

  it("the portal feedback form works without JavaScript", async () => {
    const base = `/portal/${team.ws.slug}/kb/articles/printer-jams`;
    const no = await t.app.inject({
      method: "POST",
      url: `${base}/feedback`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "helpful=no",
    });
    assert.equal(no.statusCode, 303);
    const asked = await t.app.inject({ url: no.headers.location as string });
    const id = /name="feedback" value="([0-9a-f-]+)"/.exec(asked.body)?.[1] as string;
    assert.ok(id);
    const sent = await t.app.inject({
      method: "POST",
      url: `${base}/feedback/comment`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ feedback: id, comment: "Which tray?" }).toString(),
    });
    assert.equal(sent.statusCode, 303);
    const insights = await page(team.agent, "/app/kb/insights");
    assert.ok(insights.body.includes("Which tray?"));
    const list = await page(team.agent, "/app/kb");
    assert.ok(list.body.includes("1 no"));
  });
});

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeTeam, type SignedInAgent, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { renderMarkdown } from "./kb.markdown.ts";

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
let other: Awaited<ReturnType<typeof makeTeam>>;
let slug: string;

const api = (
  agent: SignedInAgent,
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  url: string,
  payload?: object,
) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: agent.headers,
    ...(payload ? { payload } : {}),
  });

const pub = (method: "GET" | "POST", url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/public/portals/${slug}${url}`, ...(payload ? { payload } : {}) });

async function article(agent: SignedInAgent, body: object) {
  const res = await api(agent, "POST", "/kb/articles", { body: "Text.", ...body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; slug: string };
}

const VISIT = "visit-0123456789abcdef";
let ids: Record<string, string> = {};

before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
  other = await makeTeam(t);
  slug = team.ws.slug;
  const hidden = (
    await api(team.admin, "POST", "/kb/categories", { name: "Hidden things", showOnPortal: false })
  ).json() as { id: string };
  const shown = (await api(team.admin, "POST", "/kb/categories", { name: "Getting started" })).json() as {
    id: string;
  };
  const published = { status: "published" };
  ids = {
    public: (await article(team.agent, { title: "Gizmo public guide", categoryId: shown.id, ...published }))
      .id,
    draft: (await article(team.agent, { title: "Gizmo draft notes" })).id,
    internal: (
      await article(team.agent, { title: "Gizmo internal runbook", visibility: "internal", ...published })
    ).id,
    workspace: (
      await article(team.agent, { title: "Gizmo customers only", visibility: "workspace", ...published })
    ).id,
    hiddenCategory: (
      await article(team.agent, { title: "Gizmo hidden category", categoryId: hidden.id, ...published })
    ).id,
    otherWorkspace: (await article(other.agent, { title: "Gizmo elsewhere", ...published })).id,
  };
});
after(() => t.close());

describe("knowledge-base visibility", () => {
  it("search and suggestions find only published public articles of the portal's workspace", async () => {
    for (const path of ["search", "suggestions"]) {
      const res = await pub("GET", `/kb/${path}?q=gizmo`);
      assert.equal(res.statusCode, 200);
      const found = (res.json() as { items: { id: string }[] }).items.map((i) => i.id);
      assert.deepEqual(found, [ids.public], path);
    }
  });

  it("the home lists only what the portal may show", async () => {
    const res = await pub("GET", "/kb");
    const body = JSON.stringify(res.json());
    assert.ok(body.includes("Gizmo public guide"));
    for (const word of ["draft", "internal", "customers only", "hidden", "elsewhere", "Hidden things"]) {
      assert.ok(!body.includes(word), word);
    }
  });

  it("article reads answer 404 for everything else, on the API and the pages", async () => {
    const rows = await t.ctx.database.db.selectFrom("kb_articles").select(["id", "slug"]).execute();
    const slugOf = (id: string) => rows.find((r) => r.id === id)?.slug as string;
    assert.equal((await pub("GET", `/kb/articles/${slugOf(ids.public as string)}`)).statusCode, 200);
    const page = await t.app.inject({ url: `/portal/${slug}/kb/articles/${slugOf(ids.public as string)}` });
    assert.equal(page.statusCode, 200);
    for (const key of ["draft", "internal", "workspace", "hiddenCategory", "otherWorkspace"]) {
      const s = slugOf(ids[key] as string);
      assert.equal((await pub("GET", `/kb/articles/${s}`)).statusCode, 404, key);
      assert.equal((await t.app.inject({ url: `/portal/${slug}/kb/articles/${s}` })).statusCode, 404, key);
      assert.equal(
        (await pub("POST", `/kb/articles/${s}/feedback`, { helpful: true })).statusCode,
        404,
        `feedback ${key}`,
      );
    }
    const searchPage = await t.app.inject({ url: `/portal/${slug}/kb/search?q=gizmo` });
    assert.ok(searchPage.body.includes("Gizmo public guide"));
    for (const word of ["draft notes", "runbook", "customers only", "hidden category", "elsewhere"]) {
      assert.ok(!searchPage.body.includes(word), word);
    }
  });

  it("agents see their own workspace's articles, drafts and internal ones, never another's", async () => {
    const res = await api(team.agent, "GET", "/kb/articles?q=gizmo");
    const found = (res.json() as { items: { id: string }[] }).items.map((i) => i.id).sort();
    assert.equal(found.length, 5);
    assert.ok(!found.includes(ids.otherWorkspace as string));
    assert.equal((await api(team.agent, "GET", `/kb/articles/${ids.otherWorkspace}`)).statusCode, 404);
    assert.equal(
      (await api(team.agent, "PATCH", `/kb/articles/${ids.otherWorkspace}`, { title: "Mine now" }))
        .statusCode,
      404,
    );
  });

  it("a suggestion event keeps only ids the portal may show", async () => {
    const res = await pub("POST", "/kb/events", {
      visitId: "visit-filter-0123456789",
      type: "shown",
      articleIds: [ids.public, ids.internal, ids.otherWorkspace],
    });
    assert.equal(res.statusCode, 204);
    const rows = await t.ctx.database.db
      .selectFrom("kb_deflection_events")
      .select("article_id")
      .where("visit_id", "=", "visit-filter-0123456789")
      .execute();
    assert.deepEqual(
      rows.map((r) => r.article_id),
      [ids.public],
    );
  });
});

describe("Markdown rendering", () => {
  it("never lets scripts, event handlers or javascript: links through", () => {
    const { html } = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[click](javascript:alert(1)) [data](data:text/html,hi) [ok](https://example.com/a) [rel](/portal/x) [mail](mailto:a@b.c)\n\n![i](javascript:alert(2))',
    );
    assert.ok(!html.includes("<script"), html);
    assert.ok(!html.includes("<img src=x"), html);
    assert.ok(!/href="(javascript|data):/i.test(html), html);
    assert.ok(!/src="javascript:/i.test(html), html);
    assert.ok(html.includes("&lt;script&gt;"));
    assert.ok(html.includes('href="https://example.com/a" rel="noopener noreferrer nofollow"'));
    assert.ok(html.includes('href="/portal/x"'));
    assert.ok(html.includes('href="mailto:a@b.c"'));
  });

  it("renders headings, lists, code and emphasis", () => {
    const { html, text } = renderMarkdown("# Title\n\n- one\n- **two**\n\n`code`");
    assert.ok(html.includes("<h1>Title</h1>"));
    assert.ok(html.includes("<strong>two</strong>"));
    assert.ok(html.includes("<code>code</code>"));
    assert.equal(text, "Title one two code");
  });

  it("the preview endpoint renders through the same renderer", async () => {
    const res = await api(team.agent, "POST", "/kb/preview", { body: "**hi** <b>x</b>" });
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as { html: string }).html, "<p><strong>hi</strong> &lt;b&gt;x&lt;/b&gt;</p>\n");
  });
});

describe("feedback, misses and deflection", () => {
  it("counts yes and no per article, keeps the comment on no", async () => {
    const rows = await t.ctx.database.db
      .selectFrom("kb_articles")
      .select("slug")
      .where("id", "=", ids.public as string)
      .execute();
    const s = rows[0]?.slug as string;
    assert.equal((await pub("POST", `/kb/articles/${s}/feedback`, { helpful: true })).statusCode, 201);
    const no = await pub("POST", `/kb/articles/${s}/feedback`, {
      helpful: false,
      comment: "Needs screenshots",
    });
    assert.equal(no.statusCode, 201);
    const a = (await api(team.agent, "GET", `/kb/articles/${ids.public}`)).json() as {
      helpful: { yes: number; no: number };
    };
    assert.deepEqual(a.helpful, { yes: 1, no: 1 });
    const insights = (await api(team.agent, "GET", "/kb/insights")).json() as {
      feedback: { comment: string }[];
    };
    assert.equal(insights.feedback[0]?.comment, "Needs screenshots");
  });

  it("lists searches that found nothing with their counts, for this workspace only", async () => {
    await pub("GET", "/kb/search?q=Flux%20capacitor");
    await pub("GET", "/kb/search?q=flux%20CAPACITOR");
    await pub("GET", "/kb/suggestions?q=nothing%20recorded%20here");
    const insights = (await api(team.agent, "GET", "/kb/insights")).json() as {
      misses: { query: string; count: number; lastAt: string }[];
    };
    assert.deepEqual(insights.misses, [
      { query: "flux capacitor", count: 2, lastAt: insights.misses[0]?.lastAt },
    ]);
    const theirs = (await api(other.agent, "GET", "/kb/insights")).json() as { misses: unknown[] };
    assert.deepEqual(theirs.misses, []);
  });

  it("a visit shown suggestions is deflected unless a ticket was submitted with its id", async () => {
    const deflected = "visit-deflected-000000001";
    const submitted = "visit-submitted-000000001";
    for (const visitId of [deflected, submitted]) {
      assert.equal(
        (await pub("POST", "/kb/events", { visitId, type: "shown", articleIds: [ids.public] })).statusCode,
        204,
      );
    }
    await pub("POST", "/kb/events", { visitId: deflected, type: "clicked", articleIds: [ids.public] });
    await submitTicket(t, slug, { subject: "Gizmo broke", kbVisitId: submitted } as never);
    const insights = (await api(team.agent, "GET", "/kb/insights")).json() as {
      deflection: { visitsWithSuggestions: number; deflected: number; clicked: number; rate: number }[];
    };
    // The filter test's visit counts too: three visits shown suggestions, one submitted.
    assert.deepEqual(
      { ...insights.deflection[0], week: undefined },
      { week: undefined, visitsWithSuggestions: 3, clicked: 1, deflected: 2, rate: 0.667 },
    );
  });

  it("the submit form carries the visit id", async () => {
    const page = await t.app.inject({ url: `/portal/${slug}/submit` });
    const visit = /name="kb_visit_id" value="([A-Za-z0-9_-]+)"/.exec(page.body)?.[1];
    assert.ok(visit);
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${slug}/submit`,
      payload: new URLSearchParams({
        name: "Pat",
        email: "pat@example.test",
        subject: "Form visit",
        kb_visit_id: visit,
      }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const row = await t.ctx.database.db
      .selectFrom("kb_deflection_events")
      .select("type")
      .where("visit_id", "=", visit)
      .executeTakeFirst();
    assert.equal(row?.type, "submitted");
  });
});

describe("knowledge-base input rules", () => {
  it("refuses bad input with stable codes and fields", async () => {
    const cases: [string, string, object, string][] = [
      ["POST", "/kb/articles", { title: "", body: "x" }, "title"],
      ["POST", "/kb/articles", { title: "x".repeat(201), body: "x" }, "title"],
      ["POST", "/kb/articles", { title: "ok", body: "x".repeat(100_001) }, "body"],
      ["POST", "/kb/articles", { title: "ok", body: "x", tags: Array(11).fill("t") }, "tags"],
      ["POST", "/kb/articles", { title: "ok", body: "x", visibility: "everyone" }, "visibility"],
      ["POST", "/kb/articles", { title: "ok", body: "x", slug: "Not A Slug" }, "slug"],
      ["POST", "/kb/articles", { title: "ok", body: "x", extra: 1 }, "extra"],
      ["POST", "/kb/articles", { title: "ok", body: "x", categoryId: "nope" }, "categoryId"],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await api(team.agent, method as "POST", url, payload);
      assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
      const err = (res.json() as { error: { code: string; fields: Record<string, string> } }).error;
      assert.equal(err.code, "validation_failed");
      assert.ok(
        Object.keys(err.fields).some((f) => f.startsWith(field)),
        `${field}: ${res.body}`,
      );
    }
    const long = await pub("POST", `/kb/articles/x/feedback`, { helpful: false, comment: "x".repeat(1001) });
    assert.equal(long.statusCode, 400);
    const badVisit = await pub("POST", "/kb/events", { visitId: "short", type: "shown" });
    assert.equal(badVisit.statusCode, 400);
    const badType = await pub("POST", "/kb/events", { visitId: VISIT, type: "submitted" });
    assert.equal(badType.statusCode, 400);
    assert.equal((await pub("GET", `/kb/search?q=${"x".repeat(201)}`)).statusCode, 400);
    assert.equal((await pub("GET", "/kb/search")).statusCode, 400);
  });

  it("a taken slug is a conflict; a missing one comes from the title", async () => {
    const a = await article(team.agent, { title: "Ünïcode & Titles!" });
    assert.equal(a.slug, "unicode-titles");
    const b = await article(team.agent, { title: "Unicode titles" });
    assert.equal(b.slug, "unicode-titles-2");
    const res = await api(team.agent, "POST", "/kb/articles", {
      title: "x",
      body: "",
      slug: "unicode-titles",
    });
    assert.equal(res.statusCode, 409);
    assert.equal((res.json() as { error: { code: string } }).error.code, "slug_taken");
  });

  it("categories, their order and the settings are for admins", async () => {
    assert.equal((await api(team.agent, "POST", "/kb/categories", { name: "Nope" })).statusCode, 403);
    assert.equal((await api(team.agent, "PATCH", "/kb/settings", { notFoundText: "x" })).statusCode, 403);
    const list = (await api(team.admin, "GET", "/kb/categories")).json() as {
      items: { id: string; name: string }[];
    };
    const reversed = list.items.map((c) => c.id).reverse();
    const res = await api(team.admin, "PUT", "/kb/categories/order", { ids: reversed });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      (res.json() as { items: { id: string }[] }).items.map((c) => c.id),
      reversed,
    );
    const partial = await api(team.admin, "PUT", "/kb/categories/order", { ids: reversed.slice(1) });
    assert.equal(partial.statusCode, 400);
  });

  it("the not-found guidance has a default and can be changed", async () => {
    const before = (await pub("GET", "/kb/search?q=qqqqzzzz")).json() as { notFoundText: string };
    assert.match(before.notFoundText, /could not find/);
    const res = await api(team.admin, "PATCH", "/kb/settings", { notFoundText: "Call us on 555-0100." });
    assert.equal(res.statusCode, 200);
    const page = await t.app.inject({ url: `/portal/${slug}/kb/search?q=qqqqzzzz` });
    assert.ok(page.body.includes("Call us on 555-0100."));
    assert.ok(page.body.includes(`/portal/${slug}/submit?subject=qqqqzzzz`));
    await api(team.admin, "PATCH", "/kb/settings", { notFoundText: null });
    const reset = (await pub("GET", "/kb/search?q=qqqqzzzz")).json() as { notFoundText: string };
    assert.match(reset.notFoundText, /could not find/);
  });

  it("a new search language rebuilds the index", async () => {
    const res = await api(team.admin, "PATCH", "/kb/settings", { searchLanguage: "simple" });
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as { stemming: boolean }).stemming, false);
    const hits = (await pub("GET", "/kb/search?q=gizmo")).json() as { items: { id: string }[] };
    assert.deepEqual(
      hits.items.map((i) => i.id),
      [ids.public],
    );
    await api(team.admin, "PATCH", "/kb/settings", { searchLanguage: "english" });
  });
});

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeTeam, type signIn } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// The knowledge-base editor through the real app: the live preview's endpoint, images pasted
// into an article (stored sealed, served from our origin to whom may see them, wrong types
// refused), links for replies, and article view counts on the portal.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
type Agent = Awaited<ReturnType<typeof signIn>>;

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

const api = (agent: Agent, method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: agent.headers,
    ...(payload ? { payload } : {}),
  });

const upload = (agent: Agent, name: string, bytes: Buffer) =>
  t.app.inject({
    method: "POST",
    url: `/api/workspace/kb/images?name=${encodeURIComponent(name)}`,
    headers: { ...agent.headers, "content-type": "application/octet-stream" },
    payload: bytes,
  });

before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
});
after(() => t.close());

describe("knowledge-base editor", () => {
  it("previews with the portal's renderer and sanitising", async () => {
    const res = await api(team.agent, "POST", "/kb/preview", {
      body: "# Title\n\n**bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))",
    });
    assert.equal(res.statusCode, 200);
    const { html } = res.json() as { html: string };
    assert.ok(html.includes("<strong>bold</strong>"));
    assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(!html.includes('href="javascript:'));
    assert.equal(
      (await t.app.inject({ method: "POST", url: "/api/workspace/kb/preview", payload: { body: "x" } }))
        .statusCode,
      401,
    );
  });

  it("stores a pasted image, shows a draft's to agents only and a published article's to visitors", async () => {
    const up = await upload(team.agent, "screen shot.png", PNG);
    assert.equal(up.statusCode, 201, up.body);
    const img = up.json() as { id: string; url: string; markdown: string; contentType: string };
    assert.equal(img.contentType, "image/png");
    assert.equal(img.url, `/portal/${team.ws.slug}/kb/images/${img.id}`);
    assert.equal(img.markdown, `![screen shot](${img.url})`);
    const row = await t.ctx.database.db.selectFrom("kb_images").selectAll().executeTakeFirstOrThrow();
    const sealed = await t.ctx.files.store.get(row.storage_key);
    assert.ok(sealed, "stored in the file store");
    const chunks: Buffer[] = [];
    for await (const c of sealed) chunks.push(c as Buffer);
    assert.ok(!Buffer.concat(chunks).includes(PNG.subarray(8, 24)), "stored encrypted, not as uploaded");

    const created = await api(team.agent, "POST", "/kb/articles", {
      title: "Where the button is",
      body: `Press it.\n\n${img.markdown}`,
      status: "draft",
    });
    assert.equal(created.statusCode, 201, created.body);
    const article = created.json() as { id: string };

    const asAgent = await t.app.inject({ url: img.url, headers: { cookie: team.agent.cookie } });
    assert.equal(asAgent.statusCode, 200);
    assert.equal(asAgent.headers["content-type"], "image/png");
    assert.deepEqual(asAgent.rawPayload, PNG);
    assert.equal((await t.app.inject({ url: img.url })).statusCode, 404, "a draft's image is not public");

    await api(team.agent, "PATCH", `/kb/articles/${article.id}`, { status: "published" });
    const asVisitor = await t.app.inject({ url: img.url });
    assert.equal(asVisitor.statusCode, 200);
    assert.deepEqual(asVisitor.rawPayload, PNG);
    const page = await t.app.inject({ url: `/portal/${team.ws.slug}/kb/articles/where-the-button-is` });
    assert.ok(page.body.includes(`<img src="${img.url}" alt="screen shot">`));

    // Internal again: gone for visitors; another workspace's portal never serves it.
    await api(team.agent, "PATCH", `/kb/articles/${article.id}`, { visibility: "internal" });
    assert.equal((await t.app.inject({ url: img.url })).statusCode, 404);
    const other = await makeTeam(t);
    assert.equal(
      (await t.app.inject({ url: `/portal/${other.ws.slug}/kb/images/${img.id}` })).statusCode,
      404,
    );
    assert.equal(
      (
        await t.app.inject({
          url: `/portal/${other.ws.slug}/kb/images/${img.id}`,
          headers: { cookie: other.agent.cookie },
        })
      ).statusCode,
      404,
    );
  });

  it("refuses what is not a raster image, whatever its name says", async () => {
    const pdf = await upload(
      team.agent,
      "manual.pdf",
      Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
    );
    assert.equal(pdf.statusCode, 415, pdf.body);
    assert.ok((pdf.json() as { error: { fields: Record<string, string> } }).error.fields.file);
    const fake = await upload(team.agent, "photo.png", Buffer.from("just some text, not an image at all"));
    assert.ok(fake.statusCode === 415 || fake.statusCode === 400, fake.body);
    const svg = await upload(
      team.agent,
      "logo.svg",
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    );
    assert.ok(svg.statusCode >= 400 && svg.statusCode < 500, svg.body);
    const before = await t.ctx.database.db.selectFrom("kb_images").select("id").execute();
    assert.equal(before.length, 1, "nothing refused was recorded");
    const anonymous = await t.app.inject({
      method: "POST",
      url: "/api/workspace/kb/images?name=a.png",
      headers: { "content-type": "application/octet-stream" },
      payload: PNG,
    });
    assert.equal(anonymous.statusCode, 401);
  });

  it("counts portal reads, not agents' and not a reload by the same visitor, and lists them", async () => {
    const created = await api(team.agent, "POST", "/kb/articles", {
      title: "Reset your password",
      body: "Use the link.",
      status: "published",
    });
    const article = created.json() as { id: string; slug: string };
    const url = `/portal/${team.ws.slug}/kb/articles/${article.slug}`;
    const first = await t.app.inject({ url });
    assert.equal(first.statusCode, 200);
    const seen = first.cookies.find((c) => c.name === "portico_kb_seen");
    assert.ok(seen);
    await t.app.inject({ url, headers: { cookie: `portico_kb_seen=${seen.value}` } });
    await t.app.inject({ url });
    await t.app.inject({ url, headers: { cookie: team.agent.cookie } });
    const { items } = (await api(team.agent, "GET", "/kb/articles?sort=views")).json() as {
      items: { id: string; views: number }[];
    };
    assert.equal(items[0]?.id, article.id);
    assert.equal(items[0]?.views, 2);
    const list = await t.app.inject({ url: "/app/kb?sort=views", headers: { cookie: team.agent.cookie } });
    assert.match(list.body, /<td class="ref kb-views">2<\/td>/);
    assert.ok(list.body.includes('aria-sort="descending"'));
  });

  it("finds published, customer-visible articles to link in a reply, with their portal address", async () => {
    await api(team.agent, "POST", "/kb/articles", {
      title: "Printer setup guide",
      body: "Plug it in.",
      status: "published",
    });
    await api(team.agent, "POST", "/kb/articles", {
      title: "Printer secrets",
      body: "Agents only.",
      status: "published",
      visibility: "internal",
    });
    await api(team.agent, "POST", "/kb/articles", { title: "Printer draft", body: "Soon.", status: "draft" });
    const res = await api(team.agent, "GET", "/kb/links?q=printer");
    assert.equal(res.statusCode, 200, res.body);
    const { items } = res.json() as { items: { title: string; url: string; markdown: string }[] };
    assert.deepEqual(
      items.map((i) => i.title),
      ["Printer setup guide"],
    );
    assert.match(items[0]?.url ?? "", new RegExp(`/portal/${team.ws.slug}/kb/articles/printer-setup-guide$`));
    assert.equal(items[0]?.markdown, `[Printer setup guide](${items[0]?.url})`);
  });
});

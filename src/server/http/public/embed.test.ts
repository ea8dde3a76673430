import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The iframe embed sizes itself to the form: the framed submit page (the form, its errors, the
// confirmation) carries the script that reports its height, /portal/embed.js is the host page's
// half, and the Share panel's snippet brings both together. e2e/embed.test.ts runs them in Chromium.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
before(async () => {
  t = await testEnv({ PUBLIC_URL: "https://help.portico.test" });
  team = await makeTeam(t);
});
after(() => t.close());

const FRAMED = { "sec-fetch-dest": "iframe" };
const FORM = { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" };
const REPORTER = /<script src="\/assets\/embed-frame\.js\?v=[0-9a-f]{12}" defer><\/script>/;

describe("the framed submit page reports its height", () => {
  test("the form, its errors and the confirmation load the reporter in a frame, and only there", async () => {
    const url = `/portal/${team.ws.slug}/submit`;
    const framed = await t.app.inject({ url, headers: FRAMED });
    assert.equal(framed.statusCode, 200);
    assert.match(framed.body, REPORTER);
    const top = await t.app.inject({ url });
    assert.equal(top.statusCode, 200);
    assert.doesNotMatch(top.body, /embed-frame\.js/, "a page not in a frame has no one to tell");

    const refused = await t.app.inject({
      method: "POST",
      url,
      headers: { ...FORM, ...FRAMED },
      payload: new URLSearchParams({ name: "", email: "", subject: "" }).toString(),
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /error-summary/);
    assert.match(refused.body, REPORTER);

    const sent = await t.app.inject({
      method: "POST",
      url,
      headers: { ...FORM, ...FRAMED },
      payload: new URLSearchParams({
        name: "Framed Customer",
        email: "framed@customer.test",
        subject: "Sized to fit",
      }).toString(),
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.match(sent.body, /Request received/);
    assert.match(sent.body, REPORTER);
    // The page's own CSP lets the reporter run: scripts from our origin.
    assert.match(String(sent.headers["content-security-policy"]), /script-src 'self'/);

    const asset = await t.app.inject({
      url: (framed.body.match(REPORTER)?.[0] ?? "").split('"')[1] as string,
    });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers["content-type"]), /javascript/);
    assert.match(asset.body, /postMessage\(\{ type: "portico:height", height \}, "\*"\)/);
  });
});

describe("GET /portal/embed.js", () => {
  test("a small script any site may load, cached and revalidated by its ETag", async () => {
    const res = await t.app.inject({ url: "/portal/embed.js" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(res.headers["cache-control"], "public, max-age=3600");
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["cross-origin-resource-policy"], "cross-origin");
    const etag = String(res.headers.etag);
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    assert.match(res.body, /iframe\[data-portico-embed\]/);
    assert.match(res.body, /e\.origin !== origin/, "only messages from its own origin");
    assert.match(res.body, /frame\.style\.height =/, "through the CSSOM");
    const gzipped = gzipSync(res.rawPayload, { level: 9 }).length;
    assert.ok(gzipped < 1500, `tiny: ${gzipped} bytes gzipped`);

    const again = await t.app.inject({ url: "/portal/embed.js", headers: { "if-none-match": `W/${etag}` } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");
    const changed = await t.app.inject({ url: "/portal/embed.js", headers: { "if-none-match": '"0"' } });
    assert.equal(changed.statusCode, 200);
    // Not a workspace's slug: the portal's pages at /portal/:slug are not in the way.
    const head = await t.app.inject({ method: "HEAD", url: "/portal/embed.js" });
    assert.equal(head.statusCode, 200);
  });
});

describe("the Share panel's snippet", () => {
  test("the frame is marked for the script, keeps an initial height, and the script line follows", async () => {
    const page = await t.app.inject({ url: "/app/settings", headers: { cookie: team.agent.cookie } });
    assert.equal(page.statusCode, 200);
    const snippet = page.body.match(/<textarea id="share-iframe"[^>]*>([\s\S]*?)<\/textarea>/)?.[1] ?? "";
    const text = snippet
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
    const link = `https://help.portico.test/portal/${team.ws.slug}/submit`;
    assert.match(text, new RegExp(`<iframe\\n  src="${link}"\\n  data-portico-embed\\n`));
    assert.match(text, /height="780"/);
    assert.match(text, /title="Support request form"/);
    assert.match(
      text,
      /<\/iframe>\n<script src="https:\/\/help\.portico\.test\/portal\/embed\.js" async><\/script>$/,
    );
    assert.match(page.body, /The frame grows and shrinks with the form/);
  });
});

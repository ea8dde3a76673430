import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The floating widget's server side: its settings (API and Settings → Share), the loader script
// with them inlined (cached briefly with an ETag, 404 when off, on a custom domain too), and the
// panel framed like the submit form, posting through the public API past the cross-site guard.

const PUBLIC = "https://portico.example.test";
let t: TestEnv;
before(async () => {
  t = await testEnv({ PUBLIC_URL: PUBLIC });
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const API = "/api/workspace/settings/widget";
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const ancestors = (csp: unknown) => /(?:^|;)\s*frame-ancestors ([^;]+)/.exec(String(csp))?.[1]?.trim();

const put = (team: Team, payload: unknown, headers = team.admin.headers) =>
  t.app.inject({ method: "PUT", url: API, headers, payload: payload as object });
const loader = (slug: string, headers: Record<string, string> = {}) =>
  t.app.inject({ url: `/portal/${slug}/widget.js`, headers });
/** The settings the loader carries, read back from the script. */
const inlined = (js: string) => JSON.parse(/const C = (\{.*?\});/.exec(js)?.[1] ?? "null");

describe("the floating widget", () => {
  test("on by default: the loader carries the defaults, cached briefly with an ETag", async () => {
    const team = await makeTeam(t);
    const got = await t.app.inject({ url: API, headers: team.agent.headers });
    assert.deepEqual(got.json(), { enabled: true, position: "right", label: "Help" });
    const js = await loader(team.ws.slug);
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers["content-type"]), /^text\/javascript/);
    assert.match(String(js.headers["cache-control"]), /^public, max-age=60\b/);
    assert.equal(js.headers["cross-origin-resource-policy"], "cross-origin");
    const c = inlined(js.body);
    assert.equal(c.label, "Help");
    assert.equal(c.position, "right");
    assert.equal(c.color, "#2563eb");
    assert.equal(c.sites, null, "any site may show it");
    assert.equal(c.src, `${PUBLIC}/portal/${team.ws.slug}/widget.js`);
    assert.match(js.body, /window\.PorticoWidget = /);
    assert.doesNotMatch(js.body, /PORTICO_WIDGET_CONFIG/);
    const etag = String(js.headers.etag);
    const again = await loader(team.ws.slug, { "if-none-match": etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");
  });

  test("saved settings are inlined in the loader, and a new ETag comes with them; audited", async () => {
    const team = await makeTeam(t);
    const before = await loader(team.ws.slug);
    const res = await put(team, { position: "left", label: "  Questions? </script>  " });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { enabled: true, position: "left", label: "Questions? </script>" });
    const js = await loader(team.ws.slug, { "if-none-match": String(before.headers.etag) });
    assert.equal(js.statusCode, 200);
    assert.notEqual(js.headers.etag, before.headers.etag);
    assert.deepEqual([inlined(js.body).label, inlined(js.body).position], ["Questions? </script>", "left"]);
    assert.doesNotMatch(js.body, /<\/script>/, "no markup breaks out of a script the script is in");
    // Replacement patterns in a label ($` $' $& $$) are text, not instructions.
    const dollars = await put(team, { label: "Save $$5 $` $' $&" });
    assert.equal(dollars.statusCode, 200, dollars.body);
    const withDollars = await loader(team.ws.slug);
    assert.equal(inlined(withDollars.body).label, "Save $$5 $` $' $&");
    assert.doesNotThrow(() => new Function(withDollars.body), "the loader is still valid script");
    const audit = await t.app.inject({ url: "/api/workspace/audit", headers: team.admin.headers });
    assert.ok(
      audit.json().items.some((e: { action: string }) => e.action === "settings.widget"),
      audit.body,
    );
  });

  test("off: the loader and the panel answer 404, and nothing else changes", async () => {
    const team = await makeTeam(t);
    const res = await put(team, { enabled: false });
    assert.deepEqual(res.json(), { enabled: false, position: "right", label: "Help" });
    const js = await loader(team.ws.slug);
    assert.equal(js.statusCode, 404);
    assert.equal(js.headers["cache-control"], "no-store");
    assert.equal((await t.app.inject({ url: `/portal/${team.ws.slug}/widget` })).statusCode, 404);
    assert.equal((await t.app.inject({ url: `/portal/${team.ws.slug}/submit` })).statusCode, 200);
    assert.equal((await loader("no-such-portal")).statusCode, 404);
    await put(team, { enabled: true });
    assert.equal((await loader(team.ws.slug)).statusCode, 200);
  });

  test("settings are checked: the label 1–30 characters, a known corner, no other field; admins only", async () => {
    const team = await makeTeam(t);
    const refused = async (payload: unknown, field: string) => {
      const res = await put(team, payload);
      assert.equal(res.statusCode, 400, res.body);
      assert.ok(res.json().error.fields?.[field], `${JSON.stringify(payload)}: ${res.body}`);
    };
    await refused({ label: "x".repeat(31) }, "label");
    await refused({ label: "   " }, "label");
    await refused({ label: "a\u0007b" }, "label");
    await refused({ position: "top" }, "position");
    await refused({ enabled: "yes" }, "enabled");
    assert.equal((await put(team, { colour: "red" })).statusCode, 400);
    assert.equal((await put(team, { label: "é".repeat(30) })).statusCode, 200);
    const agent = await put(team, { label: "Nope" }, team.agent.headers);
    assert.equal(agent.statusCode, 403);
    const got = await t.app.inject({ url: API, headers: team.agent.headers });
    assert.equal(got.json().label, "é".repeat(30));
  });

  test("the panel is framed like the submit form: any site, or only the listed ones; its own script only", async () => {
    const team = await makeTeam(t);
    const panel = () => t.app.inject({ url: `/portal/${team.ws.slug}/widget?theme=dark` });
    const open = await panel();
    assert.equal(open.statusCode, 200);
    assert.equal(ancestors(open.headers["content-security-policy"]), "*");
    assert.equal(open.headers["x-frame-options"], undefined);
    assert.match(String(open.headers["content-security-policy"]), /script-src 'self'(;|$)/);
    assert.match(open.body, /<html lang="en" class="dark">/);
    assert.match(open.body, /\/assets\/widget\.js\?v=/);
    const listed = await t.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/embedding",
      headers: team.admin.headers,
      payload: { allowedOrigins: ["https://www.acme.test", "https://*.shop.acme.test"] },
    });
    assert.equal(listed.statusCode, 200, listed.body);
    const only = await panel();
    assert.deepEqual(inlined((await loader(team.ws.slug)).body).sites, [
      "https://www.acme.test",
      "https://*.shop.acme.test",
    ]);
    assert.equal(
      ancestors(only.headers["content-security-policy"]),
      "https://www.acme.test https://*.shop.acme.test",
    );
    assert.equal(only.headers["x-frame-options"], undefined);
    await t.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/embedding",
      headers: team.admin.headers,
      payload: { allowedOrigins: [] },
    });
    const none = await panel();
    assert.equal(ancestors(none.headers["content-security-policy"]), "'none'");
    assert.equal(none.headers["x-frame-options"], "DENY");
    // In the reader's language, its script's words too.
    const de = await t.app.inject({
      url: `/portal/${team.ws.slug}/widget`,
      headers: { "accept-language": "de-DE,de;q=0.9" },
    });
    assert.match(de.body, /<html lang="de">/);
    assert.match(de.body, /Wie können wir helfen\?/);
    assert.match(de.body, /data-words="[^"]*Vorschläge ausblenden/);
    // An unknown theme is left to the reader's own preference.
    const plain = await t.app.inject({ url: `/portal/${team.ws.slug}/widget?theme=%22%3E` });
    assert.match(plain.body, /<html lang="en">/);
  });

  test("the panel's writes from its own frame pass the cross-site guard; another site's do not", async () => {
    const team = await makeTeam(t);
    const submit = (headers: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/api/public/portals/${team.ws.slug}/tickets`,
        headers: { "content-type": "application/json", ...headers },
        payload: { name: "Casey", email: "casey@customer.test", subject: "From the widget" },
      });
    const fromPanel = await submit({ "sec-fetch-site": "same-origin", origin: PUBLIC });
    assert.equal(fromPanel.statusCode, 201, fromPanel.body);
    const upload = await t.app.inject({
      method: "POST",
      url: `/api/public/upload?portal=${team.ws.slug}&name=notes.txt`,
      headers: {
        "content-type": "application/octet-stream",
        "sec-fetch-site": "same-origin",
        origin: PUBLIC,
      },
      payload: Buffer.from("hello"),
    });
    assert.equal(upload.statusCode, 201, upload.body);
    const fromHost = await submit({ "sec-fetch-site": "cross-site", origin: "https://www.acme.test" });
    assert.equal(fromHost.statusCode, 403);
  });

  test("Settings → Share shows the line to paste and the CSP entries; the form saves and refuses", async () => {
    const team = await makeTeam(t);
    const page = await t.app.inject({ url: "/app/settings", headers: { cookie: team.admin.cookie } });
    const src = `${PUBLIC}/portal/${team.ws.slug}/widget.js`;
    assert.ok(page.body.includes(`&lt;script src=&quot;${src}&quot; async&gt;&lt;/script&gt;`), "the line");
    assert.ok(page.body.includes(`script-src ${PUBLIC}; frame-src ${PUBLIC}`), "the CSP entries");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const post = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: "/app/settings/widget",
        headers: { ...FORM, cookie: team.admin.cookie },
        payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      });
    const ok = await post({ position: "left", label: "Ask us" });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.equal(ok.headers.location, "/app/settings?saved=widget#widget");
    const saved = await t.app.inject({ url: API, headers: team.agent.headers });
    assert.deepEqual(saved.json(), { enabled: false, position: "left", label: "Ask us" });
    const bad = await post({ enabled: "true", label: "x".repeat(40) });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="widgetLabel-error"/);
    assert.match(bad.body, /aria-invalid="true"/);
  });

  test("on a portal that needs sign-in, the panel offers signing in on the portal instead of the form", async () => {
    const team = await makeTeam(t);
    const level = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/portal-access",
      headers: team.admin.headers,
      payload: { portalAccess: "account" },
    });
    assert.equal(level.statusCode, 200, level.body);
    assert.equal((await loader(team.ws.slug)).statusCode, 200);
    const panel = await t.app.inject({ url: `/portal/${team.ws.slug}/widget` });
    assert.equal(panel.statusCode, 200);
    assert.match(
      panel.body,
      new RegExp(`href="${PUBLIC}/portal/${team.ws.slug}/sign-in\\?next=[^"]+" target="_blank"`),
    );
    assert.doesNotMatch(panel.body, /id="w-new"|id="w-search"/);
  });

  test("served on the workspace's verified custom domain, pointing the panel there", async () => {
    const team = await makeTeam(t);
    const domain = `help-${process.pid}.acme.test`;
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ custom_domain: domain, custom_domain_verified_at: new Date().toISOString() })
      .where("id", "=", team.ws.id)
      .execute();
    await t.app.hosts.reload();
    const js = await t.app.inject({ url: "/widget.js", headers: { host: domain } });
    assert.equal(js.statusCode, 200, js.body);
    assert.equal(inlined(js.body).src, `https://${domain}/widget.js`);
    const panel = await t.app.inject({ url: "/widget", headers: { host: domain } });
    assert.equal(panel.statusCode, 200);
    assert.match(panel.body, /id="w-title"/);
  });
});

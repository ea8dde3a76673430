import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// Which sites may frame a workspace's submit form (Settings → Share): any by default, or only the
// https origins an admin lists, sent as the submit page's frame-ancestors and nowhere else.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const API = "/api/workspace/settings/embedding";

const ancestors = (csp: unknown) => /(?:^|;)\s*frame-ancestors ([^;]+)/.exec(String(csp))?.[1]?.trim();

const put = (team: Team, allowedOrigins: unknown, headers = team.admin.headers) =>
  t.app.inject({ method: "PUT", url: API, headers, payload: { allowedOrigins } });

/** The submit page's framing headers, as shown and after a submission. */
async function submitFraming(slug: string) {
  const shown = await t.app.inject({ url: `/portal/${slug}/submit` });
  const sent = await t.app.inject({
    method: "POST",
    url: `/portal/${slug}/submit`,
    headers: FORM,
    payload: new URLSearchParams({
      name: "Casey",
      email: "casey@customer.test",
      subject: "Framed",
    }).toString(),
  });
  assert.equal(shown.statusCode, 200);
  assert.equal(sent.statusCode, 200, sent.body);
  return [shown, sent].map((r) => ({
    ancestors: ancestors(r.headers["content-security-policy"]),
    xFrameOptions: r.headers["x-frame-options"],
  }));
}

describe("the sites allowed to embed the submit form", () => {
  test("by default any site may, and the Share panel says so", async () => {
    const team = await makeTeam(t);
    const got = await t.app.inject({ url: API, headers: team.agent.headers });
    assert.deepEqual(got.json(), { allowedOrigins: null });
    for (const f of await submitFraming(team.ws.slug)) {
      assert.deepEqual(f, { ancestors: "*", xFrameOptions: undefined });
    }
    const settings = await t.app.inject({ url: "/app/settings", headers: { cookie: team.admin.cookie } });
    assert.match(settings.body, /Any site may embed the form \(the default\)/);
  });

  test("with a list, the submit page names exactly those origins; nothing else becomes framable", async () => {
    const team = await makeTeam(t);
    const other = await makeTeam(t);
    const res = await put(team, [
      "https://www.example.com",
      "https://Help.Example.org/",
      "https://*.acme.test:8443",
      "https://www.example.com",
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const origins = ["https://www.example.com", "https://help.example.org", "https://*.acme.test:8443"];
    assert.deepEqual(res.json(), { allowedOrigins: origins }, "normalised, once each");
    for (const f of await submitFraming(team.ws.slug)) {
      assert.deepEqual(f, { ancestors: origins.join(" "), xFrameOptions: undefined });
    }
    // Another workspace keeps its own setting.
    for (const f of await submitFraming(other.ws.slug)) assert.equal(f.ancestors, "*");
    // The other portal pages are never framed.
    const s = await submitTicket(t, team.ws.slug);
    for (const url of [
      `/portal/${team.ws.slug}/kb`,
      `/portal/${team.ws.slug}/tickets/${s.reference}?t=${s.token}&part=live`,
      `/portal/${team.ws.slug}/tickets/TKT-9999`,
    ]) {
      const r = await t.app.inject({ url });
      assert.equal(ancestors(r.headers["content-security-policy"]), "'none'", url);
      assert.equal(r.headers["x-frame-options"], "DENY", url);
    }
    const settings = await t.app.inject({ url: "/app/settings", headers: { cookie: team.agent.cookie } });
    assert.match(
      settings.body,
      /Only these sites may embed the form: <code>https:\/\/www\.example\.com<\/code>/,
    );
  });

  test("an empty list lets no site embed it; null brings back the default", async () => {
    const team = await makeTeam(t);
    assert.equal((await put(team, [])).statusCode, 200);
    for (const f of await submitFraming(team.ws.slug)) {
      assert.deepEqual(f, { ancestors: "'none'", xFrameOptions: "DENY" });
    }
    assert.deepEqual((await put(team, null)).json(), { allowedOrigins: null });
    for (const f of await submitFraming(team.ws.slug)) assert.equal(f.ancestors, "*");
  });

  test("refuses anything but https origins, naming each entry at fault, and keeps the old list", async () => {
    const team = await makeTeam(t);
    await put(team, ["https://kept.example"]);
    const res = await put(team, [
      "https://ok.example",
      "http://insecure.example",
      "https://site.example/contact",
      "*",
      "https://a.example; script-src *",
      "'self'",
      "javascript:alert(1)",
      "https://user@host.example",
      "https://host.example:99999",
      "https://host.example?x=1",
    ]);
    assert.equal(res.statusCode, 400);
    const fields = res.json().error.fields as Record<string, string>;
    assert.deepEqual(
      Object.keys(fields).sort(),
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `allowedOrigins.${i}`),
    );
    assert.match(fields["allowedOrigins.1"] as string, /“http:\/\/insecure\.example” is not an https origin/);
    const kept = await t.app.inject({ url: API, headers: team.admin.headers });
    assert.deepEqual(kept.json(), { allowedOrigins: ["https://kept.example"] });

    const tooMany = await put(
      team,
      Array.from({ length: 21 }, (_, i) => `https://site${i}.example`),
    );
    assert.equal(tooMany.statusCode, 400);
    assert.ok(tooMany.json().error.fields.allowedOrigins);
    const notText = await put(team, "https://one.example");
    assert.equal(notText.statusCode, 400);
    assert.ok(notText.json().error.fields.allowedOrigins);
  });

  test("only admins change it", async () => {
    const team = await makeTeam(t);
    const res = await put(team, ["https://www.example.com"], team.agent.headers);
    assert.equal(res.statusCode, 403);
    const page = await t.app.inject({ url: "/app/settings", headers: { cookie: team.agent.cookie } });
    assert.match(page.body, /name="allowedOrigins"[^>]* disabled/);
    assert.doesNotMatch(page.body, /Save sites/);
  });

  test("the Share panel's form saves the list, and names a bad entry", async () => {
    const team = await makeTeam(t);
    const post = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: "/app/settings/embedding",
        headers: { ...FORM, cookie: team.admin.cookie },
        payload: new URLSearchParams({ _csrf: team.admin.csrf, ...fields }).toString(),
      });
    const ok = await post({
      embedding: "listed",
      allowedOrigins: "https://www.example.com\r\n\r\nhttps://shop.example.com/\r\n",
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, "/app/settings?saved=embedding#share");
    const [f] = await submitFraming(team.ws.slug);
    assert.equal(f?.ancestors, "https://www.example.com https://shop.example.com");

    const bad = await post({
      embedding: "listed",
      allowedOrigins: "https://www.example.com\nhttp://shop.example.com",
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /“http:\/\/shop\.example\.com” is not an https origin/);
    assert.match(bad.body, /aria-invalid="true"/);
    assert.match(bad.body, /http:\/\/shop\.example\.com<\/textarea>/, "what was typed is kept");

    assert.equal((await post({ embedding: "any", allowedOrigins: "ignored" })).statusCode, 303);
    const [back] = await submitFraming(team.ws.slug);
    assert.equal(back?.ancestors, "*");
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cookieName } from "../http/shared/cookies.ts";
import { publicHttpsUrlProblem } from "../lib/public-https-url.ts";
import { makeCustomer, makeTeam, openPreSessionForm, PASSWORD } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Served over https (PUBLIC_URL https, or COOKIE_SECURE): HSTS and COOP on every answer, cookies
// named __Host- (Secure, Path=/, no Domain) that the gates alone read; on plain http (local use)
// none of it. Everywhere: images over https only, and a logo URL must be a public https address.

let https: TestEnv;
let plain: TestEnv;
before(async () => {
  https = await testEnv({ PUBLIC_URL: "https://help.acme.test" });
  plain = await testEnv();
});
after(async () => {
  await https.close();
  await plain.close();
});

const HSTS = "max-age=31536000";

/** One request to every registered route (parameters filled with anything), and a few more. */
async function everyAnswer(t: TestEnv) {
  const urls = t.app.registeredRoutes.map((r) => ({
    method: r.method,
    url: r.url.replace(/:[A-Za-z]+/g, "x").replace(/\*$/, "app.css"),
  }));
  urls.push({ method: "GET", url: "/no/such/page" }, { method: "GET", url: "/api/no/such/route" });
  const answers = [];
  for (const { method, url } of urls) {
    const res = await t.app.inject({ method: method as "GET", url });
    answers.push({ where: `${method} ${url} (${res.statusCode})`, headers: res.headers });
  }
  return answers;
}

describe("on https", () => {
  test("every answer carries HSTS and COOP: pages, the API, errors, files, the submit page", async () => {
    const answers = await everyAnswer(https);
    assert.ok(answers.length > 100, `every route was asked (${answers.length})`);
    const problems = answers
      .filter(
        (a) =>
          a.headers["strict-transport-security"] !== HSTS ||
          a.headers["cross-origin-opener-policy"] !== "same-origin",
      )
      .map((a) => a.where);
    assert.deepEqual(problems, []);
  });

  test("the agents' session cookie is __Host-, and only that name opens the gate", async () => {
    const team = await makeTeam(https);
    const res = await https.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { workspace: team.ws.slug, email: team.admin.email, password: PASSWORD },
    });
    assert.equal(res.statusCode, 200);
    const cookie = res.cookies.find((c) => c.name === "__Host-portico_session");
    assert.ok(cookie, `set: ${res.cookies.map((c) => c.name).join(", ")}`);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.path, "/");
    assert.equal(cookie.domain, undefined);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Lax");
    assert.ok(!res.cookies.some((c) => c.name === "portico_session"));
    const session = (cookieHeader: string) =>
      https.app.inject({ url: "/api/workspace/session", headers: { cookie: cookieHeader } });
    assert.equal((await session(`__Host-portico_session=${cookie.value}`)).statusCode, 200);
    // The plain name, as another host or plain http could have set it, is nobody's session.
    assert.equal((await session(`portico_session=${cookie.value}`)).statusCode, 401);
    const page = await https.app.inject({
      url: "/app",
      headers: { cookie: `portico_session=${cookie.value}` },
    });
    assert.equal(page.statusCode, 303, "the app's pages send it to sign in");

    const out = await https.app.inject({
      method: "POST",
      url: "/api/workspace/sign-out",
      headers: { cookie: `__Host-portico_session=${cookie.value}`, "x-csrf-token": res.json().csrfToken },
    });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers["set-cookie"]), /^__Host-portico_session=;.*Path=\/;.*Secure/);
  });

  test("the forms before a session and the customers' session use __Host- names too", async () => {
    const form = await openPreSessionForm(https, "/app/sign-in");
    assert.match(form.cookie, /^__Host-portico_form=/);
    const page = await https.app.inject({ url: "/app/sign-in" });
    const pre = page.cookies.find((c) => c.name === "__Host-portico_form");
    assert.ok(pre);
    assert.deepEqual([pre.secure, pre.path, pre.domain, pre.httpOnly], [true, "/", undefined, true]);

    const team = await makeTeam(https);
    const customer = await makeCustomer(https, team.ws.id);
    assert.match(customer.cookie, /^__Host-portico_customer=/);
    const me = (cookie: string) =>
      https.app.inject({ url: `/api/portal/${team.ws.slug}/me`, headers: { cookie } });
    assert.equal((await me(customer.cookie)).statusCode, 200);
    assert.equal((await me(`portico_customer=${customer.token}`)).statusCode, 401);
    const out = await https.app.inject({
      method: "POST",
      url: `/api/portal/${team.ws.slug}/sign-out`,
      headers: customer.headers,
    });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers["set-cookie"]), /^__Host-portico_customer=;.*Path=\/;.*Secure/);
  });
});

describe("on plain http (local use)", () => {
  test("no HSTS or COOP, and the cookies keep their plain names, not Secure", async () => {
    const answers = await everyAnswer(plain);
    const problems = answers
      .filter((a) => a.headers["strict-transport-security"] || a.headers["cross-origin-opener-policy"])
      .map((a) => a.where);
    assert.deepEqual(problems, []);
    const team = await makeTeam(plain);
    const res = await plain.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { workspace: team.ws.slug, email: team.admin.email, password: PASSWORD },
    });
    const cookie = res.cookies.find((c) => c.name === cookieName(plain.ctx.config, "portico_session"));
    assert.equal(cookie?.name, "portico_session");
    assert.equal(cookie?.secure, undefined);
  });
});

describe("images", () => {
  test("pages allow images from here, data: and https only, never plain http", async () => {
    for (const t of [https, plain]) {
      const team = await makeTeam(t);
      for (const [url, headers] of [
        [`/portal/${team.ws.slug}/submit`, {}],
        ["/app", { cookie: team.admin.cookie }],
        ["/app/settings/preview", { cookie: team.admin.cookie }],
      ] as const) {
        const res = await t.app.inject({ url, headers });
        assert.equal(res.statusCode, 200, url);
        const imgSrc = /img-src ([^;]+)/.exec(String(res.headers["content-security-policy"]))?.[1];
        assert.equal(imgSrc, "'self' https: data:", url);
      }
    }
  });

  test("a logo URL must be https and a public address: refused at save with the field named", async () => {
    const team = await makeTeam(plain);
    const save = (logoUrl: string) =>
      plain.app.inject({
        method: "PATCH",
        url: "/api/workspace/settings/branding",
        headers: team.admin.headers,
        payload: { logoUrl },
      });
    const refused: [string, RegExp][] = [
      ["http://acme.test/logo.png", /must be an https URL/],
      ["ftp://acme.test/logo.png", /must be an https URL/],
      ["https://127.0.0.1/logo.png", /public address/],
      ["https://localhost:8443/logo.png", /public address/],
      ["https://[::1]/logo.png", /public address/],
      ["https://10.0.0.5/logo.png", /public address/],
      ["https://172.16.3.4/logo.png", /public address/],
      ["https://192.168.1.10/logo.png", /public address/],
      ["https://169.254.169.254/latest/meta-data/", /public address/],
      ["https://[fe80::1]/logo.png", /public address/],
      ["https://[fd12:3456::1]/logo.png", /public address/],
      ["https://[::ffff:192.168.0.1]/logo.png", /public address/],
      ["https://0x7f000001/logo.png", /public address/],
      ["https://metadata.google.internal/logo.png", /public address/],
      ["https://nas.local/logo.png", /public address/],
      ["https://intranet/logo.png", /public address/],
      ["https://user:secret@acme.test/logo.png", /user name or password/],
    ];
    for (const [url, message] of refused) {
      const res = await save(url);
      assert.equal(res.statusCode, 400, url);
      assert.deepEqual(Object.keys(res.json().error.fields), ["logoUrl"], url);
      assert.match(res.json().error.fields.logoUrl, message, url);
      assert.match(publicHttpsUrlProblem(url) ?? "", message, url);
    }
    const ok = await save("https://cdn.acme.test/logo.png");
    assert.equal(ok.statusCode, 200, ok.body);
    const submit = await plain.app.inject({ url: `/portal/${team.ws.slug}/submit` });
    assert.match(submit.body, /<img src="https:\/\/cdn\.acme\.test\/logo\.png"/);

    // The settings page offers an upload, not an address (the API's logoUrl stays, deprecated),
    // and its preview shows no such logo.
    const page = await plain.app.inject({
      url: "/app/settings/branding",
      headers: { cookie: team.admin.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /name="logoUrl"/);
    assert.match(page.body, /type="file"/);
    const preview = await plain.app.inject({
      url: `/app/settings/preview?logoUrl=${encodeURIComponent("https://192.168.1.10/x.png")}`,
      headers: { cookie: team.admin.cookie },
    });
    assert.doesNotMatch(preview.body, /192\.168\.1\.10/);
  });

  test("a logo saved before these rules (plain http) is not shown", async () => {
    const team = await makeTeam(plain);
    await plain.ctx.database.db
      .updateTable("workspaces")
      .set({ logo_url: "http://old.acme.test/logo.png" })
      .where("id", "=", team.ws.id)
      .execute();
    const submit = await plain.app.inject({ url: `/portal/${team.ws.slug}/submit` });
    assert.doesNotMatch(submit.body, /old\.acme\.test/);
    const branding = (await plain.app.inject({ url: `/api/public/portals/${team.ws.slug}` })).json();
    assert.equal(branding.logoUrl, null);
  });
});

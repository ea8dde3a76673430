import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hashToken, newToken } from "../auth/tokens.ts";
import { cookieName } from "../http/shared/cookies.ts";
import { CROSS_SITE_CODE } from "../http/shared/cross-site.ts";
import { makeTeam, openPreSessionForm, PASSWORD } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Every request that may change something, on every tree, refuses to be sent from another site;
// and every form that sets a session cookie before any session exists carries a token another
// site cannot know. The first part does not trust a list: it walks every route the app
// registered (buildApp's registeredRoutes), so a new write cannot be left out.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/**
 * Writes that may come from another site. None: even the submit form framed on customers' own
 * sites posts from the frame's document, which is ours (see "the framed submit form" below).
 */
const MAY_COME_FROM_ANOTHER_SITE = new Set<string>([]);
// Enough that the walk cannot pass by reaching few routes (45 writes today).
const MIN_WRITES = 40;

// inject's requests are addressed to localhost:80.
const OURS = "http://localhost";
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

const writes = () =>
  t.app.registeredRoutes
    .filter((r) => UNSAFE.has(r.method) && !MAY_COME_FROM_ANOTHER_SITE.has(`${r.method} ${r.url}`))
    .map((r) => ({ ...r, path: r.url.replace(/:[A-Za-z]+/g, "x").replace(/\*$/, "x") }));

describe("every write refuses another site", () => {
  test("from another origin, another site or an opaque origin: 403 cross_site_request, before any gate", async () => {
    const routes = writes();
    assert.ok(routes.length >= MIN_WRITES, `the app's writes were collected (${routes.length})`);
    const senders: [string, Record<string, string>][] = [
      ["Origin of another site", { origin: "https://evil.test" }],
      ["Origin of another port", { origin: "http://localhost:8080" }],
      ["Origin of another scheme's default port", { origin: "https://localhost" }],
      ["a sandboxed frame elsewhere", { origin: "null", "sec-fetch-site": "cross-site" }],
      ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
      ["Sec-Fetch-Site same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
      ["our Origin, but Sec-Fetch-Site cross-site", { origin: OURS, "sec-fetch-site": "cross-site" }],
    ];
    const problems: string[] = [];
    for (const r of routes) {
      for (const [who, headers] of senders) {
        const res = await t.app.inject({
          method: r.method as "POST",
          url: r.path,
          headers: { ...FORM, ...headers },
          payload: form({ name: "x" }),
        });
        const code = res.headers["content-type"]?.toString().startsWith("application/json")
          ? (res.json() as { error?: { code?: string } }).error?.code
          : undefined;
        if (res.statusCode !== 403 || code !== CROSS_SITE_CODE) {
          problems.push(`${r.method} ${r.url} (${who}): ${res.statusCode} ${code ?? res.body.slice(0, 80)}`);
        }
        if (res.headers["set-cookie"]) problems.push(`${r.method} ${r.url} (${who}) set a cookie`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test("the same writes from our own pages pass this check (and meet their gates)", async () => {
    const problems: string[] = [];
    for (const r of writes()) {
      for (const headers of [
        // Our pages send Referrer-Policy: no-referrer, so browsers post their forms as Origin: null.
        { origin: "null", "sec-fetch-site": "same-origin" },
        { origin: OURS, "sec-fetch-site": "same-origin" },
        { origin: OURS },
        { "sec-fetch-site": "same-origin" },
        // A user's own navigation; a client that is no browser sends neither header; a browser
        // too old for Sec-Fetch-Site may send Origin: null (the tokens guard those).
        { "sec-fetch-site": "none" },
        {},
        { origin: "null" },
      ]) {
        const res = await t.app.inject({
          method: r.method as "POST",
          url: r.path,
          headers: { ...FORM, ...headers },
          payload: form({ name: "x" }),
        });
        if (res.body.includes(CROSS_SITE_CODE)) {
          problems.push(`${r.method} ${r.url} ${JSON.stringify(headers)}: refused`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("login CSRF: a sign-in posted by another site signs nobody in", async () => {
    const team = await makeTeam(t);
    const signIn = await openPreSessionForm(t, "/app/sign-in");
    const fields = {
      _csrf: signIn.csrf,
      workspace: team.ws.slug,
      email: team.admin.email,
      password: PASSWORD,
    };
    // Even with a valid pre-session pair (which another site cannot have), the Origin refuses it.
    const page = await t.app.inject({
      method: "POST",
      url: "/app/sign-in",
      headers: { ...signIn.headers, origin: "https://evil.test" },
      payload: form(fields),
    });
    assert.equal(page.statusCode, 403);
    assert.equal(page.json().error.code, CROSS_SITE_CODE);
    assert.equal(page.headers["set-cookie"], undefined);
    const api = await t.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      headers: { origin: "https://evil.test", "sec-fetch-site": "cross-site" },
      payload: { workspace: team.ws.slug, email: team.admin.email, password: PASSWORD },
    });
    assert.equal(api.statusCode, 403);
    assert.equal(api.headers["set-cookie"], undefined);
    // From our own page it works.
    const ours = await t.app.inject({
      method: "POST",
      url: "/app/sign-in",
      headers: { ...signIn.headers, origin: OURS, "sec-fetch-site": "same-origin" },
      payload: form(fields),
    });
    assert.equal(ours.statusCode, 303);
  });

  test("JSON sign-in takes JSON only: what another site can send without a preflight is refused", async () => {
    // A page elsewhere can post text/plain, a form or multipart without asking first; JSON needs
    // a CORS preflight, which this server never grants. So the JSON API is safe from login CSRF
    // by its content type even in a browser that sends no Origin.
    const team = await makeTeam(t);
    const creds = { workspace: team.ws.slug, email: team.admin.email, password: PASSWORD };
    for (const [type, payload] of [
      ["text/plain", JSON.stringify(creds)],
      ["application/x-www-form-urlencoded", form(creds)],
      [
        "multipart/form-data; boundary=x",
        `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${creds.email}\r\n--x--\r\n`,
      ],
    ] as const) {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/auth/sign-in",
        headers: { "content-type": type },
        payload,
      });
      assert.ok(res.statusCode === 400 || res.statusCode === 415, `${type}: ${res.statusCode}`);
      assert.equal(res.headers["set-cookie"], undefined, type);
    }
    const preflight = await t.app.inject({
      method: "OPTIONS",
      url: "/api/auth/sign-in",
      headers: {
        origin: "https://evil.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(preflight.headers["access-control-allow-origin"], undefined, "no CORS, ever");
  });

  test("the framed submit form (the iframe embed) posts from our own origin, whatever site frames it", async () => {
    const team = await makeTeam(t);
    // What Chromium sends for the form inside an iframe on https://customer.example: the frame's
    // document is ours, so Sec-Fetch-Site says same-origin (and Origin is null, as for every form
    // of our no-referrer pages); only Sec-Fetch-Dest says iframe. e2e/portal.test.ts does it in
    // a real frame.
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit`,
      headers: { ...FORM, origin: "null", "sec-fetch-site": "same-origin", "sec-fetch-dest": "iframe" },
      payload: form({ name: "Framed", email: "framed@customer.test", subject: "From the embed" }),
    });
    assert.equal(res.statusCode, 200, res.body.slice(0, 200));
    assert.match(res.body, /TKT-\d{4}/);
    assert.equal(res.headers["set-cookie"], undefined, "the submit form sets no cookie");
    assert.match(String(res.headers["content-security-policy"]), /frame-ancestors \*/);
    // A page of another site posting to it directly (not through the frame) is refused.
    const direct = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit`,
      headers: { ...FORM, origin: "https://customer.example", "sec-fetch-site": "cross-site" },
      payload: form({ name: "Forged", email: "victim@customer.test", subject: "Not from us" }),
    });
    assert.equal(direct.statusCode, 403);
  });

  test("with PUBLIC_URL, its origin is ours even when the Host is another (a proxy that rewrites it)", async () => {
    const env = await testEnv({ PUBLIC_URL: "https://help.acme.test" });
    try {
      const send = (origin: string) =>
        env.app.inject({
          method: "POST",
          url: "/api/auth/sign-in",
          headers: { origin, host: "127.0.0.1:3000" },
          payload: { workspace: "nope", email: "a@b.test", password: "whatever it is" },
        });
      assert.equal((await send("https://help.acme.test")).statusCode, 401);
      assert.equal((await send("http://127.0.0.1:3000")).statusCode, 401, "the Host it was sent to");
      assert.equal((await send("https://evil.test")).statusCode, 403);
      assert.equal((await send("http://help.acme.test")).statusCode, 403, "not over http");
    } finally {
      await env.close();
    }
  });
});

describe("the forms before a session carry a token another site cannot know", () => {
  const formPosts = async (url: string, fields: Record<string, string>) => {
    const opened = await openPreSessionForm(t, url);
    const other = await openPreSessionForm(t, url);
    const post = (headers: Record<string, string>, extra: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: url.split("?")[0] as string,
        headers,
        payload: form({ ...fields, ...extra }),
      });
    return {
      opened,
      /** No cookie, no field: what a cross-site form in a browser without Origin sends. */
      bare: () => post(FORM, {}),
      /** A field the attacker got from our page for their own browser, without its cookie. */
      fieldOnly: () => post(FORM, { _csrf: opened.csrf }),
      /** The cookie, and the token of another browser. */
      mismatched: () => post(opened.headers, { _csrf: other.csrf }),
      good: () => post(opened.headers, { _csrf: opened.csrf }),
    };
  };
  const sessionCookie = (res: { cookies: { name: string }[] }) =>
    res.cookies.some((c) => c.name === cookieName(t.ctx.config, "portico_session"));

  test("sign-in: refused without the pair, nothing done, the form ready again", async () => {
    const team = await makeTeam(t);
    const f = await formPosts("/app/sign-in", {
      workspace: team.ws.slug,
      email: team.admin.email,
      password: PASSWORD,
    });
    for (const attempt of [f.bare, f.fieldOnly, f.mismatched]) {
      const res = await attempt();
      assert.equal(res.statusCode, 403);
      assert.equal(sessionCookie(res), false);
      assert.match(res.body, /That form had expired, so nothing was done/);
      assert.match(res.body, /name="_csrf" value="[A-Za-z0-9_-]{22,}"/, "with a token to try again");
    }
    const bare = await f.bare();
    const fresh = bare.cookies.find((c) => c.name === cookieName(t.ctx.config, "portico_form"));
    assert.ok(fresh, "a browser that had no token gets one with the form");
    assert.match(bare.body, new RegExp(`name="_csrf" value="${fresh.value}"`));
    const ok = await f.good();
    assert.equal(ok.statusCode, 303);
    assert.equal(sessionCookie(ok), true);
  });

  test("an invitation: refused without the pair; the link still works afterwards", async () => {
    const team = await makeTeam(t);
    const add = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: team.admin.headers,
      payload: { email: "invited@team.test", name: "Ivy Invited", role: "agent" },
    });
    assert.equal(add.statusCode, 201);
    // A link's token of our own for the invitation (only its hash is stored).
    const token = newToken();
    await t.ctx.database.db
      .updateTable("agent_invitations")
      .set({ token_hash: hashToken(token) })
      .where("agent_id", "=", add.json().id)
      .execute();
    const f = await formPosts(`/app/invite?t=${token}`, {
      t: token,
      password: "violet tractor sings at dawn",
    });
    for (const attempt of [f.bare, f.fieldOnly, f.mismatched]) {
      const res = await attempt();
      assert.equal(res.statusCode, 403);
      assert.equal(sessionCookie(res), false);
      assert.match(res.body, /That form had expired/);
      assert.match(res.body, /Welcome, Ivy Invited/);
    }
    const ok = await f.good();
    assert.equal(ok.statusCode, 303);
    assert.equal(sessionCookie(ok), true);
  });

  test("first-run setup: refused without the pair, and no workspace is made", async () => {
    const fresh = await testEnv();
    try {
      const opened = await openPreSessionForm(fresh, "/setup");
      const fields = {
        name: "First",
        slug: "first",
        "admin.name": "Ada",
        "admin.email": "ada@first.test",
        "admin.password": PASSWORD,
      };
      for (const [headers, extra] of [
        [FORM, {}],
        [FORM, { _csrf: opened.csrf }],
        [opened.headers, { _csrf: `${opened.csrf.slice(1)}A` }],
      ] as const) {
        const res = await fresh.app.inject({
          method: "POST",
          url: "/setup",
          headers,
          payload: form({ ...fields, ...extra }),
        });
        assert.equal(res.statusCode, 403);
        assert.match(res.body, /That form had expired/);
        assert.match(res.body, /value="ada@first.test"/, "what was typed is kept (never the password)");
        assert.doesNotMatch(res.body, new RegExp(PASSWORD));
      }
      assert.equal((await fresh.ctx.database.db.selectFrom("workspaces").select("id").execute()).length, 0);
      const ok = await fresh.app.inject({
        method: "POST",
        url: "/setup",
        headers: opened.headers,
        payload: form({ ...fields, _csrf: opened.csrf }),
      });
      assert.equal(ok.statusCode, 303);
    } finally {
      await fresh.close();
    }
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, makeWorkspace, type Submitted, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The tracking page keeps its token out of the address: the link's ?t= moves into a cookie for
// the ticket's own path, and the page, its live part, replies and files read it from there.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const page = (slug: string, s: Submitted) => `/portal/${slug}/tickets/${s.reference}`;
const open = (slug: string, s: Submitted, token = s.token) =>
  t.app.inject({ url: `${page(slug, s)}?t=${encodeURIComponent(token)}` });
const withCookie = (value: string) => ({ cookie: `portico_track=${value}` });

describe("opening a tracking link", () => {
  test("moves the token into an httpOnly, path-scoped, one-hour cookie and redirects to the clean address", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const res = await open(team.ws.slug, s);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, page(team.ws.slug, s), "the address keeps no token");
    assert.equal(res.headers["referrer-policy"], "no-referrer");
    assert.equal(res.headers["cache-control"], "no-store");
    const cookie = res.cookies.find((c) => c.name === "portico_track");
    assert.ok(cookie, "the token is kept in a cookie");
    assert.equal(cookie.value, s.token);
    assert.equal(cookie.path, page(team.ws.slug, s));
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Lax");
    assert.equal(cookie.maxAge, 3600);
    assert.notEqual(cookie.secure, true, "Secure only when served over https (COOKIE_SECURE)");

    // The clean address with the cookie: the page, with no token anywhere in it.
    const shown = await t.app.inject({ url: page(team.ws.slug, s), headers: withCookie(s.token) });
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /The printer is on fire/);
    assert.ok(!shown.body.includes(s.token), "the token is not in the page");
    assert.ok(!shown.body.includes("?t="), "no link carries a token");
    assert.match(String(shown.headers["cache-control"]), /no-store/);
    assert.equal(shown.headers["referrer-policy"], "no-referrer");
    const renewed = shown.cookies.find((c) => c.name === "portico_track");
    assert.equal(renewed?.maxAge, 3600, "each visit renews the cookie");
    assert.equal(renewed?.path, page(team.ws.slug, s));
  });

  test("on https the cookie is Secure and named __Secure-, which only a Secure answer may set", async () => {
    const secure = await testEnv({ COOKIE_SECURE: "true" });
    try {
      const ws = await makeWorkspace(secure);
      const s = await submitTicket(secure, ws.slug);
      const res = await secure.app.inject({ url: `${page(ws.slug, s)}?t=${s.token}` });
      assert.equal(res.statusCode, 303);
      const cookie = res.cookies.find((c) => c.name === "__Secure-portico_track");
      assert.equal(cookie?.secure, true);
      assert.equal(cookie?.path, page(ws.slug, s));
      assert.equal(
        res.cookies.find((c) => c.name === "portico_track"),
        undefined,
      );
      const shown = await secure.app.inject({
        url: page(ws.slug, s),
        headers: { cookie: `__Secure-portico_track=${s.token}` },
      });
      assert.equal(shown.statusCode, 200);
      const plain = await secure.app.inject({ url: page(ws.slug, s), headers: withCookie(s.token) });
      assert.equal(plain.statusCode, 404, "the unprefixed name is not read on https");
    } finally {
      await secure.close();
    }
  });

  test("works again later and elsewhere (no cookie): the link is not used up", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    for (let i = 0; i < 3; i++) {
      const res = await open(team.ws.slug, s);
      assert.equal(res.statusCode, 303);
      assert.ok(res.cookies.some((c) => c.name === "portico_track" && c.value === s.token));
    }
  });

  test("a wrong token, or none, gets the not-found page and no cookie", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    for (const res of [
      await open(team.ws.slug, s, "x".repeat(43)),
      await t.app.inject({ url: page(team.ws.slug, s) }),
      await t.app.inject({ url: page(team.ws.slug, s), headers: withCookie("y".repeat(43)) }),
    ]) {
      assert.equal(res.statusCode, 404);
      assert.match(res.body, /We could not open that request/);
      assert.equal(
        res.cookies.find((c) => c.name === "portico_track"),
        undefined,
      );
    }
  });

  test("one ticket's cookie opens no other ticket", async () => {
    const team = await makeTeam(t);
    const a = await submitTicket(t, team.ws.slug, { subject: "First" });
    const b = await submitTicket(t, team.ws.slug, { subject: "Second" });
    const res = await t.app.inject({ url: page(team.ws.slug, b), headers: withCookie(a.token) });
    assert.equal(res.statusCode, 404);
    assert.ok(!res.body.includes("First"));
  });

  test("the cookie stops working when the token expires (30 days)", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    t.advance(31 * 86400_000);
    try {
      const res = await t.app.inject({ url: page(team.ws.slug, s), headers: withCookie(s.token) });
      assert.equal(res.statusCode, 404);
    } finally {
      t.advance(-31 * 86400_000);
    }
  });

  test("the JSON API still takes the token in its query", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const api = `/api/public/portals/${team.ws.slug}/tickets/${s.reference}`;
    assert.equal((await t.app.inject({ url: `${api}?t=${s.token}` })).statusCode, 200);
    // The page's cookie is not the API's key.
    assert.equal((await t.app.inject({ url: api, headers: withCookie(s.token) })).statusCode, 404);
  });
});

describe("the page's live part, replies and files", () => {
  test("the live part reads the cookie and answers 304 while nothing changed", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const url = `${page(team.ws.slug, s)}?part=live`;
    const first = await t.app.inject({ url, headers: withCookie(s.token) });
    assert.equal(first.statusCode, 200);
    assert.match(String(first.headers["content-type"]), /^text\/html/);
    assert.ok(!first.body.includes(s.token));
    const etag = String(first.headers.etag);
    assert.match(etag, /^"open:0:"$/);
    assert.ok(first.body.includes(`data-poll="${page(team.ws.slug, s)}?part=live"`));

    const same = await t.app.inject({ url, headers: { ...withCookie(s.token), "if-none-match": etag } });
    assert.equal(same.statusCode, 304);
    assert.equal(same.body, "");

    await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: team.agent.headers,
      payload: { body: "Unplug it, please." },
    });
    const changed = await t.app.inject({ url, headers: { ...withCookie(s.token), "if-none-match": etag } });
    assert.equal(changed.statusCode, 200);
    assert.match(changed.body, /Unplug it, please\./);
    assert.match(changed.body, /data-announce="New reply from /);
    assert.equal((await t.app.inject({ url })).statusCode, 404, "no cookie, no live part");
  });

  test("a reply reads the cookie, and lands on the clean address", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const shown = await t.app.inject({ url: page(team.ws.slug, s), headers: withCookie(s.token) });
    assert.ok(shown.body.includes(`action="${page(team.ws.slug, s)}/reply"`));
    const reply = (headers: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `${page(team.ws.slug, s)}/reply`,
        headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
        payload: "body=It+is+out+now.",
      });
    const res = await reply(withCookie(s.token));
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${page(team.ws.slug, s)}?sent=1#latest`);
    const after = await t.app.inject({
      url: `${page(team.ws.slug, s)}?sent=1`,
      headers: withCookie(s.token),
    });
    assert.match(after.body, /Your reply was sent\./);
    assert.match(after.body, /It is out now\./);

    const refused = await reply({});
    assert.equal(refused.statusCode, 404, "without the cookie the reply is refused");
    const comments = await t.ctx.database.db
      .selectFrom("comments")
      .innerJoin("tickets", "tickets.id", "comments.ticket_id")
      .select("comments.body")
      .where("tickets.workspace_id", "=", team.ws.id)
      .execute();
    assert.deepEqual(
      comments.map((c) => c.body),
      ["It is out now."],
    );
  });

  test("files are linked below the page and served with the cookie", async () => {
    const team = await makeTeam(t);
    const up = await t.app.inject({
      method: "POST",
      url: `/api/public/upload?portal=${team.ws.slug}&name=notes.txt`,
      headers: { "content-type": "application/octet-stream" },
      payload: Buffer.from("what happened, in order\n"),
    });
    assert.equal(up.statusCode, 201, up.body);
    const sub = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${team.ws.slug}/tickets`,
      payload: {
        name: "Casey Customer",
        email: "casey@customer.test",
        subject: "With a file",
        attachments: [up.json().key],
      },
    });
    const r = sub.json();
    const s: Submitted = {
      ...r,
      token: new URL(r.trackingUrl, "http://x").searchParams.get("t") as string,
    };
    const shown = await t.app.inject({ url: page(team.ws.slug, s), headers: withCookie(s.token) });
    const href = `${page(team.ws.slug, s)}/attachments/${up.json().id}`;
    assert.ok(shown.body.includes(`href="${href}"`), "the chip links below the page's path");
    const file = await t.app.inject({ url: href, headers: withCookie(s.token) });
    assert.equal(file.statusCode, 200);
    assert.equal(file.body, "what happened, in order\n");
    assert.match(String(file.headers["content-security-policy"]), /sandbox/);
    assert.equal((await t.app.inject({ url: href })).statusCode, 404, "no cookie, no file");
  });
});

describe("a double-clicked submit form", () => {
  test("lands on a confirmation with the reference that says the link went by email", async () => {
    const team = await makeTeam(t);
    const form =
      "name=Casey+Customer&email=casey%40customer.test&subject=Twice&idempotency_key=double-click-key-1";
    const post = () =>
      t.app.inject({
        method: "POST",
        url: `/portal/${team.ws.slug}/submit`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: form,
      });
    const first = await post();
    const second = await post();
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 200);
    const reference = /class="big-reference">(TKT-\d+)</.exec(first.body)?.[1];
    assert.ok(reference);
    assert.match(first.body, /Track request/);
    assert.ok(second.body.includes(`class="big-reference">${reference}<`), "the same reference");
    assert.match(second.body, /We have sent the tracking link to your email address/);
    assert.ok(!second.body.includes("?t="), "no tracking link is handed out again");
    assert.ok(!/Track request/.test(second.body));
    const tickets = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.equal(tickets.length, 1);
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, openPreSessionForm, PASSWORD, submitTicket, trackUrl } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The workspace app's pages over HTTP: the gate, CSRF, scoping and bad input. The browser tests
// (e2e/app.test.ts) cover the same pages as people use them.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

async function commentCount(ticketRef: string, slug: string): Promise<number> {
  const rows = await t.ctx.database.db
    .selectFrom("comments")
    .innerJoin("tickets", "tickets.id", "comments.ticket_id")
    .innerJoin("workspaces", "workspaces.id", "tickets.workspace_id")
    .select("comments.id")
    .where("workspaces.slug", "=", slug)
    .where("tickets.number", "=", Number(ticketRef.slice(4)))
    .execute();
  return rows.length;
}

describe("first run", () => {
  test("setup exists only while there is no workspace, and cannot be replayed", async () => {
    const root = await t.app.inject({ method: "GET", url: "/" });
    assert.equal(root.statusCode, 303);
    assert.equal(root.headers.location, "/setup");
    const setup = await openPreSessionForm(t, "/setup");
    const bad = await t.app.inject({
      method: "POST",
      url: "/setup",
      headers: setup.headers,
      payload: form({
        _csrf: setup.csrf,
        name: "",
        slug: "-x-",
        "admin.name": "A",
        "admin.email": "nope",
        "admin.password": "1",
      }),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#admin-email"/, "the summary links to the field at fault");
    assert.equal((await t.ctx.database.db.selectFrom("workspaces").select("id").execute()).length, 0);
    const common = await t.app.inject({
      method: "POST",
      url: "/setup",
      headers: setup.headers,
      payload: form({
        _csrf: setup.csrf,
        name: "First",
        slug: "first",
        "admin.name": "Ada",
        "admin.email": "ada@first.test",
        "admin.password": "password123",
      }),
    });
    assert.equal(common.statusCode, 400);
    assert.match(common.body, /href="#admin-password"[^>]*>Password is too common/);
    assert.equal((await t.ctx.database.db.selectFrom("workspaces").select("id").execute()).length, 0);

    const ok = await t.app.inject({
      method: "POST",
      url: "/setup",
      headers: setup.headers,
      payload: form({
        _csrf: setup.csrf,
        name: "First",
        slug: "first",
        "admin.name": "Ada",
        "admin.email": "ada@first.test",
        "admin.password": PASSWORD,
      }),
    });
    assert.equal(ok.statusCode, 303);
    assert.ok(ok.cookies.some((c) => c.name === "portico_session" && c.httpOnly));

    const again = await t.app.inject({
      method: "POST",
      url: "/setup",
      headers: setup.headers,
      payload: form({
        _csrf: setup.csrf,
        name: "Second",
        slug: "second",
        "admin.name": "Eve",
        "admin.email": "eve@second.test",
        "admin.password": PASSWORD,
      }),
    });
    assert.equal(again.statusCode, 404);
    assert.equal((await t.app.inject({ method: "GET", url: "/setup" })).statusCode, 404);
    const slugs = await t.ctx.database.db.selectFrom("workspaces").select("slug").execute();
    assert.deepEqual(
      slugs.map((s) => s.slug),
      ["first"],
    );
  });
});

describe("the gate", () => {
  test("pages need a session; sign-in sends you back, but never off-site", async () => {
    const res = await t.app.inject({ method: "GET", url: "/app/tickets/TKT-0001" });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, "/app/sign-in?next=%2Fapp%2Ftickets%2FTKT-0001");

    const team = await makeTeam(t);
    const email = team.admin.email;
    const signIn = await openPreSessionForm(t, "/app/sign-in");
    const wrong = await t.app.inject({
      method: "POST",
      url: "/app/sign-in",
      headers: signIn.headers,
      payload: form({
        _csrf: signIn.csrf,
        workspace: team.ws.slug,
        email,
        password: "not the password",
        next: "/app",
      }),
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /That email and password do not match/);
    for (const [next, expected] of [
      ["/app/contacts", "/app/contacts"],
      ["//evil.example/app", "/app"],
      ["https://evil.example/", "/app"],
    ]) {
      const ok = await t.app.inject({
        method: "POST",
        url: "/app/sign-in",
        headers: signIn.headers,
        payload: form({
          _csrf: signIn.csrf,
          workspace: team.ws.slug,
          email,
          password: PASSWORD,
          next: next as string,
        }),
      });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, expected);
    }
  });

  test("a write without the session's CSRF token changes nothing", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const before = await commentCount(s.reference, team.ws.slug);
    for (const csrf of [undefined, "forged"]) {
      const res = await t.app.inject({
        method: "POST",
        url: `/app/tickets/${s.reference}/messages`,
        headers: { ...FORM, cookie: team.agent.cookie },
        payload: form({ kind: "reply", body: "Hello", ...(csrf ? { _csrf: csrf } : {}) }),
      });
      assert.equal(res.statusCode, 403);
    }
    assert.equal(await commentCount(s.reference, team.ws.slug), before);
    const ok = await t.app.inject({
      method: "POST",
      url: `/app/tickets/${s.reference}/messages`,
      headers: { ...FORM, cookie: team.agent.cookie },
      payload: form({ kind: "reply", body: "Hello", _csrf: team.agent.csrf }),
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(await commentCount(s.reference, team.ws.slug), before + 1);
  });

  test("another workspace's ticket is a 404, in the queue and by address", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    const s = await submitTicket(t, a.ws.slug, { subject: "Only for team A" });
    const page = await t.app.inject({
      method: "GET",
      url: `/app/tickets/${s.reference}`,
      headers: { cookie: b.agent.cookie },
    });
    // Team B has no ticket of that number at all: the same 404 either way.
    assert.equal(page.statusCode, 404);
    assert.doesNotMatch(page.body, /Only for team A/);
    const queue = await t.app.inject({
      method: "GET",
      url: "/app?status=any",
      headers: { cookie: b.agent.cookie },
    });
    assert.equal(queue.statusCode, 200);
    assert.doesNotMatch(queue.body, /Only for team A/);
    const write = await t.app.inject({
      method: "POST",
      url: `/app/tickets/${s.reference}/messages`,
      headers: { ...FORM, cookie: b.agent.cookie },
      payload: form({ kind: "reply", body: "Cross-tenant", _csrf: b.agent.csrf }),
    });
    assert.equal(write.statusCode, 404);
    assert.equal(await commentCount(s.reference, a.ws.slug), 0);
  });

  test("customers get the portal's own small files, never the app's", async () => {
    const team = await makeTeam(t);
    const portal = await t.app.inject({ method: "GET", url: `/portal/${team.ws.slug}/submit` });
    const scripts = [...portal.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      scripts.map((src) => src?.replace(/\?.*/, "")),
      // time.js (local times) and files.js (the file field) are what both sides share.
      ["/assets/time.js", "/assets/portal.js", "/assets/files.js"],
    );
    assert.doesNotMatch(portal.body, /app\.(js|css)/);
    const app = await t.app.inject({ method: "GET", url: "/app", headers: { cookie: team.agent.cookie } });
    assert.match(app.body, /\/assets\/app\.js\?v=/);
  });

  test("pages are never framed; the branding preview only by the app itself", async () => {
    const team = await makeTeam(t);
    const queue = await t.app.inject({ method: "GET", url: "/app", headers: { cookie: team.agent.cookie } });
    assert.equal(queue.headers["x-frame-options"], "DENY");
    assert.match(String(queue.headers["content-security-policy"]), /frame-ancestors 'none'/);
    const preview = await t.app.inject({
      method: "GET",
      url: "/app/settings/preview?brandName=%3Cscript%3Ex%3C%2Fscript%3E&primaryColor=red",
      headers: { cookie: team.agent.cookie },
    });
    assert.equal(preview.statusCode, 200);
    assert.match(String(preview.headers["content-security-policy"]), /frame-ancestors 'self'/);
    assert.match(preview.body, /&lt;script&gt;x&lt;\/script&gt;/, "escaped");
    assert.doesNotMatch(preview.body, /--brand:red/, "an invalid colour falls back to the saved one");
  });
});

describe("ticket work", () => {
  test("a message is sent to the customer only when asked for; a note never is", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const post = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/app/tickets/${s.reference}/messages`,
        headers: { ...FORM, cookie: team.agent.cookie },
        payload: form({ _csrf: team.agent.csrf, ...fields }),
      });
    const noKind = await post({ body: "Which way?" });
    assert.equal(noKind.statusCode, 400);
    assert.match(noKind.body, /Send as must be chosen/);
    assert.match(noKind.body, /Which way\?/, "the draft is kept");
    assert.equal(await commentCount(s.reference, team.ws.slug), 0);
    const empty = await post({ kind: "reply", body: "   " });
    assert.equal(empty.statusCode, 400);
    assert.equal((await post({ kind: "note", body: "SECRET internal" })).statusCode, 303);
    assert.equal((await post({ kind: "reply", body: "Public answer", status: "waiting" })).statusCode, 303);

    const customer = await t.app.inject({ method: "GET", url: trackUrl(team.ws.slug, s) });
    assert.match(customer.body, /Public answer/);
    assert.doesNotMatch(customer.body, /SECRET internal/);
    assert.equal(customer.json().status, "waiting");
  });

  test("details, resolve and bad values", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const post = (path: string, fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/app/tickets/${s.reference}/${path}`,
        headers: { ...FORM, cookie: team.admin.cookie },
        payload: form({ _csrf: team.admin.csrf, ...fields }),
      });
    const bad = await post("properties", { status: "exploded", priority: "high" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Status is not a status/);
    const ok = await post("properties", {
      status: "in_progress",
      priority: "urgent",
      assigneeId: team.agent.id,
    });
    assert.equal(ok.statusCode, 303);
    const page = await t.app.inject({
      method: "GET",
      url: `/app/tickets/${s.reference}?done=details`,
      headers: { cookie: team.admin.cookie },
    });
    assert.match(page.body, /Details saved/);
    assert.match(page.body, /changed the priority from Medium to Urgent/);
    assert.match(page.body, /assigned it to Sam Agent/);

    assert.equal((await post("resolve", { resolution: "" })).statusCode, 400);
    assert.equal((await post("resolve", { resolution: "Replaced the fuse." })).statusCode, 303);
    const customer = (await t.app.inject({ method: "GET", url: trackUrl(team.ws.slug, s) })).json();
    assert.equal(customer.status, "resolved");
    assert.equal(customer.resolution.details, "Replaced the fuse.");
  });

  test("agents may read settings but only admins change them", async () => {
    const team = await makeTeam(t);
    const asAgent = await t.app.inject({
      method: "POST",
      url: "/app/settings/branding",
      headers: { ...FORM, cookie: team.agent.cookie },
      payload: form({ _csrf: team.agent.csrf, brandName: "Hijacked" }),
    });
    assert.equal(asAgent.statusCode, 403);
    const badColour = await t.app.inject({
      method: "POST",
      url: "/app/settings/branding",
      headers: { ...FORM, cookie: team.admin.cookie },
      payload: form({ _csrf: team.admin.csrf, brandName: "Fine", primaryColor: "blue" }),
    });
    assert.equal(badColour.statusCode, 400);
    assert.match(badColour.body, /Primary colour must be a colour like #1a2b3c/);
    const ws = await t.ctx.database.db
      .selectFrom("workspaces")
      .select(["brand_name", "primary_color"])
      .where("id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...ws }, { brand_name: null, primary_color: null }, "nothing half-saved");
  });
});

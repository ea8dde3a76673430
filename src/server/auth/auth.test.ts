import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeAgent, makeWorkspace, PASSWORD, signIn } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { checkPassword, hashPassword, PASSWORD_TOO_COMMON, verifyPassword } from "./passwords.ts";

let t: TestEnv;
before(async () => {
  t = await testEnv({
    LOGIN_FAILURES_PER_CLIENT: "2",
    LOGIN_FAILURES_PER_ACCOUNT: "3",
    LOGIN_FAILURES_PER_ADDRESS: "6",
  });
});
after(() => t.close());

const signInRaw = (workspace: string, email: string, password: string, remoteAddress = "192.0.2.1") =>
  t.app.inject({
    method: "POST",
    url: "/api/auth/sign-in",
    remoteAddress,
    payload: { workspace, email, password },
  });

describe("passwords", () => {
  test("scrypt hashes verify, differ per salt and carry their parameters", async () => {
    const a = await hashPassword("hunter2hunter2", 12);
    const b = await hashPassword("hunter2hunter2", 12);
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$12\$8\$1\$/);
    assert.equal(await verifyPassword("hunter2hunter2", a), true);
    assert.equal(await verifyPassword("hunter2hunter3", a), false);
    assert.equal(await verifyPassword("x", "garbage"), false);
  });
});

describe("common passwords", () => {
  test("the common and leaked ones are refused, dressed up or not; a long passphrase of one's own is fine", () => {
    for (const common of [
      "password123",
      "qwertyuiop",
      "1234567890",
      "iloveyou123",
      "Password123",
      "PASSWORD2024!",
      "!!baseball1234",
      "aaaaaaaaaaaa",
      "abababababab",
    ]) {
      assert.equal(checkPassword(common), PASSWORD_TOO_COMMON, common);
    }
    for (const fine of [
      "violet tractor sings at dawn",
      "correct horse battery staple",
      "a long enough password",
      "Tr0ub4dor&3-extended",
    ]) {
      assert.equal(checkPassword(fine), null, fine);
    }
    assert.match(checkPassword("short") ?? "", /at least 10 characters/, "length is checked first");
  });

  test("adding an agent with one: 400 password_too_common, the field named", async () => {
    const ws = await makeWorkspace(t);
    const admin = await makeAgent(t, ws.id, { role: "admin" });
    const s = await signIn(t, ws.slug, admin.email);
    for (const password of ["password123", "qwertyuiop"]) {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/workspace/agents",
        headers: s.headers,
        payload: { email: `new-${password}@example.test`, name: "New", password, role: "agent" },
      });
      assert.equal(res.statusCode, 400);
      const { error } = res.json();
      assert.equal(error.code, "password_too_common");
      assert.match(error.message, /too common/);
      assert.deepEqual(Object.keys(error.fields), ["password"]);
      assert.match(error.fields.password, /^is too common/);
    }
    const ok = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: s.headers,
      payload: {
        email: "fine@example.test",
        name: "Fine",
        password: "violet tractor sings at dawn",
        role: "agent",
      },
    });
    assert.equal(ok.statusCode, 201);
    // The settings page's form says so beside the field.
    const page = await t.app.inject({
      method: "POST",
      url: "/app/settings/agents",
      headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        _csrf: s.csrf,
        email: "page@example.test",
        name: "Page",
        role: "agent",
        password: "password123",
      }).toString(),
    });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /Password is too common/);
  });
});

describe("agent sessions", () => {
  test("sign-in sets an httpOnly SameSite cookie; the session works until sign-out", async () => {
    const ws = await makeWorkspace(t);
    const a = await makeAgent(t, ws.id, { email: "Kim@Example.test" });
    const res = await signInRaw(ws.slug, "kim@example.TEST", PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const cookie = res.cookies.find((c) => c.name === "portico_session");
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Lax");
    assert.equal(cookie.path, "/");
    const body = res.json();
    assert.equal(body.agent.id, a.id);
    assert.ok(body.csrfToken);
    assert.ok(!JSON.stringify(body).includes(cookie.value), "the session token is only in the cookie");
    const stored = await t.ctx.database.db
      .selectFrom("agent_sessions")
      .select("id")
      .where("agent_id", "=", a.id)
      .execute();
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0]?.id, cookie.value, "stored hashed");

    const headers = { cookie: `portico_session=${cookie.value}` };
    const me = await t.app.inject({ url: "/api/workspace/session", headers });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().csrfToken, body.csrfToken);

    const out = await t.app.inject({
      method: "POST",
      url: "/api/workspace/sign-out",
      headers: { ...headers, "x-csrf-token": body.csrfToken },
    });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers["set-cookie"]), /portico_session=;/);
    const after = await t.app.inject({ url: "/api/workspace/session", headers });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().error.code, "unauthenticated");
  });

  test("every workspace route needs a session", async () => {
    for (const [method, url] of [
      ["GET", "/api/workspace/tickets"],
      ["GET", "/api/workspace/tickets/TKT-0001"],
      ["PATCH", "/api/workspace/tickets/TKT-0001"],
      ["POST", "/api/workspace/tickets/TKT-0001/notes"],
      ["GET", "/api/workspace/contacts"],
      ["GET", "/api/workspace/settings/branding"],
      ["POST", "/api/workspace/agents"],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: { cookie: "portico_session=forged-token-value-aaaaaaaaaaaa" },
      });
      assert.equal(res.statusCode, 401, `${method} ${url}`);
    }
  });

  test("writes need the session's CSRF token", async () => {
    const ws = await makeWorkspace(t);
    const a = await makeAgent(t, ws.id);
    const s = await signIn(t, ws.slug, a.email);
    const other = await signIn(t, ws.slug, a.email);
    const url = "/api/workspace/sign-out";
    const none = await t.app.inject({ method: "POST", url, headers: { cookie: s.cookie } });
    assert.equal(none.statusCode, 403);
    assert.equal(none.json().error.code, "csrf_failed");
    const wrong = await t.app.inject({
      method: "POST",
      url,
      headers: { cookie: s.cookie, "x-csrf-token": other.csrf },
    });
    assert.equal(wrong.statusCode, 403);
    const ok = await t.app.inject({ method: "POST", url, headers: s.headers });
    assert.equal(ok.statusCode, 204);
  });

  test("sessions expire", async () => {
    const ws = await makeWorkspace(t);
    const a = await makeAgent(t, ws.id);
    const s = await signIn(t, ws.slug, a.email);
    t.advance(15 * 86400_000);
    const res = await t.app.inject({ url: "/api/workspace/session", headers: { cookie: s.cookie } });
    t.advance(-15 * 86400_000);
    assert.equal(res.statusCode, 401);
  });

  test("a wrong password, an unknown email and another workspace's agent all get the same 401", async () => {
    const ws = await makeWorkspace(t);
    const other = await makeWorkspace(t);
    const a = await makeAgent(t, ws.id);
    const results = [
      await signInRaw(ws.slug, a.email, "wrong password!!", "192.0.2.50"),
      await signInRaw(ws.slug, "nobody@example.test", PASSWORD, "192.0.2.51"),
      await signInRaw(other.slug, a.email, PASSWORD, "192.0.2.52"),
      await signInRaw("no-such-workspace", a.email, PASSWORD, "192.0.2.53"),
    ];
    for (const r of results) {
      assert.equal(r.statusCode, 401);
      assert.deepEqual(r.json(), results[0]?.json());
    }
  });

  test("failed sign-ins are throttled per account and client address: the client that fails waits, no other", async () => {
    const ws = await makeWorkspace(t);
    const a = await makeAgent(t, ws.id);
    for (let i = 0; i < 2; i++) {
      assert.equal((await signInRaw(ws.slug, a.email, "wrong password!!", "198.51.100.1")).statusCode, 401);
    }
    const locked = await signInRaw(ws.slug, a.email, PASSWORD, "198.51.100.1");
    assert.equal(locked.statusCode, 429, "the failing client waits, even with the right password");
    assert.ok(Number(locked.headers["retry-after"]) > 0);
    assert.equal(locked.json().error.code, "rate_limited");
    assert.equal(
      (await signInRaw(ws.slug, a.email, PASSWORD, "198.51.100.99")).statusCode,
      200,
      "the owner, from their own address, is not locked out",
    );
    t.advance(15 * 60_000 + 1000);
    assert.equal((await signInRaw(ws.slug, a.email, PASSWORD, "198.51.100.1")).statusCode, 200);
    t.advance(-(15 * 60_000 + 1000));
  });

  test("an account hammered from many addresses: the right password still gets through from a client that has not been failing", async () => {
    const ws = await makeWorkspace(t);
    const a = await makeAgent(t, ws.id);
    // Three addresses, one failure each: under each client's limit, at the account's (3 an hour).
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await signInRaw(ws.slug, a.email, "wrong password!!", `198.51.100.${10 + i}`)).statusCode,
        401,
      );
    }
    // Past it, an address that has failed on the account waits, even with the right password ...
    const attacker = await signInRaw(ws.slug, a.email, PASSWORD, "198.51.100.10");
    assert.equal(attacker.statusCode, 429);
    assert.ok(Number(attacker.headers["retry-after"]) > 0);
    // ... while the owner, whose client has not been failing, signs in.
    assert.equal((await signInRaw(ws.slug, a.email, PASSWORD, "203.0.113.7")).statusCode, 200);
    // A new address is heard once: one wrong guess, then it waits too.
    assert.equal((await signInRaw(ws.slug, a.email, "another guess!!", "198.51.100.50")).statusCode, 401);
    assert.equal((await signInRaw(ws.slug, a.email, PASSWORD, "198.51.100.50")).statusCode, 429);
    // Once its own failures are 15 minutes old, a client is heard again, though the account's
    // hour is not over.
    t.advance(15 * 60_000 + 1000);
    assert.equal((await signInRaw(ws.slug, a.email, PASSWORD, "198.51.100.10")).statusCode, 200);
    t.advance(-(15 * 60_000 + 1000));
    // And the account's own count lasts its hour: a fresh address still gets one guess only.
    assert.equal((await signInRaw(ws.slug, a.email, "one more guess!", "198.51.100.60")).statusCode, 401);
    assert.equal((await signInRaw(ws.slug, a.email, "and another!!!", "198.51.100.60")).statusCode, 429);
  });

  test("failed sign-ins are throttled per address over all accounts", async () => {
    const ws = await makeWorkspace(t);
    const b = await makeAgent(t, ws.id);
    for (let i = 0; i < 6; i++) {
      await signInRaw(ws.slug, `guess-${i}@example.test`, "wrong password!!", "203.0.113.200");
    }
    const fromAddress = await signInRaw(ws.slug, b.email, PASSWORD, "203.0.113.200");
    assert.equal(fromAddress.statusCode, 429);
    assert.equal((await signInRaw(ws.slug, b.email, PASSWORD, "203.0.113.201")).statusCode, 200);
  });

  test("an IPv6 client counts by its /64: changing the lower bits does not reset its count", async () => {
    const ws = await makeWorkspace(t);
    const a = await makeAgent(t, ws.id);
    for (const ip of ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"]) {
      assert.equal((await signInRaw(ws.slug, a.email, "wrong password!!", ip)).statusCode, 401);
    }
    assert.equal((await signInRaw(ws.slug, a.email, PASSWORD, "2001:db8:1:2::3")).statusCode, 429);
    assert.equal((await signInRaw(ws.slug, a.email, PASSWORD, "2001:db8:1:3::1")).statusCode, 200);
  });
});

describe("managing agents", () => {
  test("admins add and deactivate agents; a deactivated agent is signed out and cannot sign in", async () => {
    const ws = await makeWorkspace(t);
    const adminRow = await makeAgent(t, ws.id, { role: "admin" });
    const admin = await signIn(t, ws.slug, adminRow.email);
    const add = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: admin.headers,
      payload: {
        email: "new@example.test",
        name: "New Person",
        password: "a long enough password",
        role: "agent",
      },
    });
    assert.equal(add.statusCode, 201, add.body);
    assert.equal(add.json().role, "agent");
    assert.ok(!("password_hash" in add.json()) && !("passwordHash" in add.json()));
    const dup = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: admin.headers,
      payload: {
        email: "NEW@example.test",
        name: "Again",
        password: "a long enough password",
        role: "agent",
      },
    });
    assert.equal(dup.statusCode, 409);
    const short = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: admin.headers,
      payload: { email: "short@example.test", name: "Short", password: "short", role: "agent" },
    });
    assert.equal(short.statusCode, 400);
    assert.ok(short.json().error.fields.password);

    const newbie = await signIn(t, ws.slug, "new@example.test", "a long enough password");
    const byAgent = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: newbie.headers,
      payload: { email: "x@example.test", name: "X", password: "a long enough password", role: "admin" },
    });
    assert.equal(byAgent.statusCode, 403, "agents cannot add agents");

    const off = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/agents/${newbie.id}`,
      headers: admin.headers,
      payload: { active: false },
    });
    assert.equal(off.statusCode, 200);
    assert.equal(off.json().active, false);
    assert.equal(
      (await t.app.inject({ url: "/api/workspace/session", headers: { cookie: newbie.cookie } })).statusCode,
      401,
    );
    assert.equal(
      (await signInRaw(ws.slug, "new@example.test", "a long enough password", "192.0.2.77")).statusCode,
      401,
    );
    const self = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/agents/${admin.id}`,
      headers: admin.headers,
      payload: { active: false },
    });
    assert.equal(self.statusCode, 409);
  });
});

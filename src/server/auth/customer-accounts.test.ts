import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cookieName } from "../http/shared/cookies.ts";
import { makeCustomer, makeTeam, PASSWORD } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { accountMailSettled, REQUESTS_PER_ACCOUNT } from "./customer-accounts.ts";
import { hashPassword } from "./passwords.ts";

// Customers' accounts over the portal API: password sign-in, one-time links (magic link, reset,
// invitation, verification), registration, sessions, throttling, and the line between the
// customers' and the agents' sessions.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const api = (slug: string, path: string, payload?: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "POST", url: `/api/portal/${slug}/${path}`, payload: payload ?? {}, headers });
const me = (slug: string, cookie: string) =>
  t.app.inject({ method: "GET", url: `/api/portal/${slug}/me`, headers: { cookie } });

function cookieOf(res: { cookies: { name: string; value: string }[] }): string {
  const name = cookieName(t.ctx.config, "portico_customer");
  const c = res.cookies.find((x) => x.name === name);
  if (!c) throw new Error("no customer cookie");
  return `${name}=${c.value}`;
}

/** The token of the newest email of `kind` to `address`, from its link. */
async function linkToken(address: string, kind: string): Promise<string | undefined> {
  await accountMailSettled();
  const row = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["template_data"])
    .where("to_address", "=", address)
    .where("kind", "=", kind)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!row) return undefined;
  const url = (JSON.parse(row.template_data ?? "{}") as { url: string }).url;
  return url.split("/").pop();
}

async function emailCount(address: string): Promise<number> {
  await accountMailSettled();
  const rows = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select("id")
    .where("to_address", "=", address)
    .execute();
  return rows.length;
}

/** A contact with a password and a proven address. */
async function withPassword(c: { contactId: string }, verified = true) {
  await t.ctx.database.db
    .updateTable("contacts")
    .set({
      password_hash: await hashPassword(PASSWORD, t.ctx.config.passwordHashCost),
      email_verified_at: verified ? t.ctx.now().toISOString() : null,
    })
    .where("id", "=", c.contactId)
    .execute();
}

describe("signing in with a password", () => {
  test("right password: a session; wrong one and unknown address: the same 401", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id, { name: "Pat Password" });
    await withPassword(c);
    const ok = await api(team.ws.slug, "sign-in", { email: c.email.toUpperCase(), password: PASSWORD });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().name, "Pat Password");
    assert.equal((await me(team.ws.slug, cookieOf(ok))).statusCode, 200);

    const wrong = await api(team.ws.slug, "sign-in", { email: c.email, password: "not the password at all" });
    const unknown = await api(team.ws.slug, "sign-in", { email: "nobody@customer.test", password: PASSWORD });
    const none = await makeCustomer(t, team.ws.id, { access: "none" });
    await withPassword(none);
    const noAccess = await api(team.ws.slug, "sign-in", { email: none.email, password: PASSWORD });
    for (const res of [wrong, unknown, noAccess]) {
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), wrong.json());
      assert.equal(res.json().error.code, "invalid_credentials");
      assert.equal(res.cookies.length, 0);
    }
  });

  test("an unverified address cannot sign in with its password yet", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    await withPassword(c, false);
    const res = await api(team.ws.slug, "sign-in", { email: c.email, password: PASSWORD });
    assert.equal(res.statusCode, 401);
  });

  test("failures are throttled: 429 with Retry-After, for the right password too", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    await withPassword(c);
    const headers = { "x-forwarded-for": "198.51.100.77" };
    let last = await api(team.ws.slug, "sign-in", { email: c.email, password: "wrong password 0" }, headers);
    for (let i = 1; i <= t.ctx.config.loginFailuresPerClient; i++) {
      last = await api(team.ws.slug, "sign-in", { email: c.email, password: `wrong password ${i}` }, headers);
    }
    assert.equal(last.statusCode, 429);
    assert.equal(last.json().error.code, "rate_limited");
    assert.ok(Number(last.headers["retry-after"]) > 0);
    const right = await api(team.ws.slug, "sign-in", { email: c.email, password: PASSWORD }, headers);
    assert.equal(right.statusCode, 429);
  });
});

describe("magic links", () => {
  test("one-time, bound to the workspace, 15 minutes", async () => {
    const team = await makeTeam(t);
    const other = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const asked = await api(team.ws.slug, "magic-link", { email: c.email });
    assert.equal(asked.statusCode, 202);
    const token = await linkToken(c.email, "customer_magic_link");
    assert.ok(token);
    const elsewhere = await api(other.ws.slug, "magic-link/confirm", { token });
    assert.equal(elsewhere.statusCode, 404, "another workspace's portal");
    const used = await api(team.ws.slug, "magic-link/confirm", { token });
    assert.equal(used.statusCode, 200, used.body);
    assert.equal((await me(team.ws.slug, cookieOf(used))).statusCode, 200);
    const again = await api(team.ws.slug, "magic-link/confirm", { token });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, "link_not_valid");
    const verified = await t.ctx.database.db
      .selectFrom("contacts")
      .select("email_verified_at")
      .where("id", "=", c.contactId)
      .executeTakeFirstOrThrow();
    assert.ok(verified.email_verified_at, "the address is proven");

    await api(team.ws.slug, "magic-link", { email: c.email });
    const late = await linkToken(c.email, "customer_magic_link");
    t.advance(16 * 60_000);
    try {
      assert.equal(
        (await api(team.ws.slug, "magic-link/confirm", { token: late })).statusCode,
        404,
        "expired",
      );
    } finally {
      t.advance(-16 * 60_000);
    }
  });

  test("unknown and known addresses get the same answer; only the known one an email", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const none = await makeCustomer(t, team.ws.id, { access: "none" });
    const known = await api(team.ws.slug, "magic-link", { email: c.email });
    const unknown = await api(team.ws.slug, "magic-link", { email: "stranger@customer.test" });
    const noAccess = await api(team.ws.slug, "magic-link", { email: none.email });
    for (const res of [unknown, noAccess]) {
      assert.equal(res.statusCode, known.statusCode);
      assert.equal(res.body, known.body);
    }
    assert.equal(await emailCount(c.email), 1);
    assert.equal(await emailCount("stranger@customer.test"), 0);
    assert.equal(await emailCount(none.email), 0);
  });

  test("requests are throttled per address asked for", async () => {
    const team = await makeTeam(t);
    const headers = { "x-forwarded-for": "198.51.100.78" };
    let last = await api(team.ws.slug, "magic-link", { email: "flood@customer.test" }, headers);
    for (let i = 0; i < REQUESTS_PER_ACCOUNT; i++) {
      last = await api(team.ws.slug, "magic-link", { email: "flood@customer.test" }, headers);
    }
    assert.equal(last.statusCode, 429);
    assert.equal(last.json().error.code, "rate_limited");
    assert.ok(last.headers["retry-after"]);
  });
});

describe("password reset", () => {
  test("a new password ends every other session and signs this one in", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    await withPassword(c);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 200);
    assert.equal((await api(team.ws.slug, "password-reset", { email: c.email })).statusCode, 202);
    const unknown = await api(team.ws.slug, "password-reset", { email: "ghost@customer.test" });
    assert.equal(unknown.statusCode, 202);
    const token = await linkToken(c.email, "customer_password_reset");
    const short = await api(team.ws.slug, "password-reset/confirm", { token, password: "short" });
    assert.equal(short.statusCode, 400);
    assert.ok(short.json().error.fields.password);
    const common = await api(team.ws.slug, "password-reset/confirm", { token, password: "password123" });
    assert.equal(common.statusCode, 400);
    assert.equal(common.json().error.code, "password_too_common");
    const res = await api(team.ws.slug, "password-reset/confirm", {
      token,
      password: "a brand new phrase here",
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 401, "the other session ended");
    assert.equal((await me(team.ws.slug, cookieOf(res))).statusCode, 200);
    const signIn = await api(team.ws.slug, "sign-in", {
      email: c.email,
      password: "a brand new phrase here",
    });
    assert.equal(signIn.statusCode, 200);
    const reuse = await api(team.ws.slug, "password-reset/confirm", {
      token,
      password: "yet another phrase",
    });
    assert.equal(reuse.statusCode, 404);
  });
});

describe("registering", () => {
  test("register, then confirm the address with the same password", async () => {
    const team = await makeTeam(t);
    const email = "newbie@customer.test";
    const res = await api(team.ws.slug, "register", {
      name: "Nia Newbie",
      email,
      password: "newbie long phrase",
    });
    assert.equal(res.statusCode, 202, res.body);
    const early = await api(team.ws.slug, "sign-in", { email, password: "newbie long phrase" });
    assert.equal(early.statusCode, 401, "not before the address is confirmed");
    const token = await linkToken(email, "customer_verify_email");
    const wrong = await api(team.ws.slug, "verify", { token, password: "somebody else's phrase" });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().error.fields.password);
    const ok = await api(team.ws.slug, "verify", { token, password: "newbie long phrase" });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await me(team.ws.slug, cookieOf(ok))).json().scope, "own");
    const later = await api(team.ws.slug, "sign-in", { email, password: "newbie long phrase" });
    assert.equal(later.statusCode, 200);
    // Registering again: the same answer, and a sign-in link rather than a new confirmation.
    const again = await api(team.ws.slug, "register", {
      name: "Impostor",
      email,
      password: "impostor long phrase",
    });
    assert.equal(again.statusCode, 202);
    assert.equal(again.body, res.body);
    assert.ok(await linkToken(email, "customer_magic_link"));
    const still = await api(team.ws.slug, "sign-in", { email, password: "newbie long phrase" });
    assert.equal(still.statusCode, 200, "the password stays the owner's");
  });

  test("fields are checked; an invited-only portal takes no registrations", async () => {
    const team = await makeTeam(t);
    const bad = await api(team.ws.slug, "register", {
      name: "Bo",
      email: "bo@customer.test",
      password: "password1",
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.fields.password);
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ portal_access: "invited" })
      .where("id", "=", team.ws.id)
      .execute();
    const closed = await api(team.ws.slug, "register", {
      name: "Bo",
      email: "bo@customer.test",
      password: "a long enough phrase",
    });
    assert.equal(closed.statusCode, 404);
    assert.equal(closed.json().error.code, "registration_closed");
    assert.equal(await emailCount("bo@customer.test"), 0);
  });
});

describe("sessions", () => {
  test("listed with public ids; one revoked; everywhere else signed out", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    await withPassword(c);
    const second = cookieOf(await api(team.ws.slug, "sign-in", { email: c.email, password: PASSWORD }));
    const third = cookieOf(await api(team.ws.slug, "sign-in", { email: c.email, password: PASSWORD }));
    const list = await t.app.inject({
      url: `/api/portal/${team.ws.slug}/sessions`,
      headers: { cookie: c.cookie },
    });
    assert.equal(list.statusCode, 200);
    const items = list.json().items as { id: string; current: boolean }[];
    assert.equal(items.length, 3);
    assert.equal(items[0]?.current, true);
    assert.ok(!list.body.includes(c.token), "no token in the list");
    const del = await t.app.inject({
      method: "DELETE",
      url: `/api/portal/${team.ws.slug}/sessions/${items[1]?.id}`,
      headers: c.headers,
    });
    assert.equal(del.statusCode, 204);
    const stranger = await makeCustomer(t, team.ws.id);
    const notMine = await t.app.inject({
      method: "DELETE",
      url: `/api/portal/${team.ws.slug}/sessions/${items[2]?.id}`,
      headers: stranger.headers,
    });
    assert.equal(notMine.statusCode, 404, "another customer's session");
    const live = [await me(team.ws.slug, second), await me(team.ws.slug, third)].filter(
      (r) => r.statusCode === 200,
    );
    assert.equal(live.length, 1);
    const others = await api(team.ws.slug, "sessions/sign-out-others", {}, c.headers);
    assert.equal(others.statusCode, 204);
    assert.equal((await me(team.ws.slug, second)).statusCode, 401);
    assert.equal((await me(team.ws.slug, third)).statusCode, 401);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 200);
  });

  test("changing the password needs the current one and signs out the other sessions", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    await withPassword(c);
    const other = cookieOf(await api(team.ws.slug, "sign-in", { email: c.email, password: PASSWORD }));
    const change = (current: string, password: string) =>
      t.app.inject({
        method: "PUT",
        url: `/api/portal/${team.ws.slug}/password`,
        headers: c.headers,
        payload: { current, password },
      });
    const wrong = await change("not my password at all", "a new and long phrase");
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().error.fields.current);
    const common = await change(PASSWORD, "iloveyou");
    assert.equal(common.statusCode, 400);
    assert.ok(common.json().error.fields.password);
    assert.equal((await change(PASSWORD, "a new and long phrase")).statusCode, 204);
    assert.equal((await me(team.ws.slug, other)).statusCode, 401);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 200);
  });
});

describe("customers and agents stay apart", () => {
  test("a signed-in customer's cookie opens no agent route; an agent's opens no customer route", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    await withPassword(c);
    const cookie = cookieOf(await api(team.ws.slug, "sign-in", { email: c.email, password: PASSWORD }));
    for (const url of ["/api/workspace/session", "/api/workspace/contacts"]) {
      assert.equal((await t.app.inject({ url, headers: { cookie } })).statusCode, 401, url);
    }
    const app = await t.app.inject({ url: "/app", headers: { cookie } });
    assert.equal(app.statusCode, 303);
    assert.equal((await me(team.ws.slug, team.agent.cookie)).statusCode, 401);
  });
});

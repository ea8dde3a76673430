import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import { makeTeam, PASSWORD, signIn, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { apiKeysVisibleTo } from "./api-key.access.ts";

// API keys on the workspace JSON API: made by an admin's session and shown once, stored hashed,
// read keys only read, write keys write without a CSRF token, revoked keys and keys of a
// deactivated admin are refused, a key stays inside its workspace, never has an admin's powers,
// cannot manage keys nor open the pages, is rate limited, and the OpenAPI documents it.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;

async function createKey(team: Team, scope: "read" | "write", name = `Key ${scope}`) {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/workspace/api-keys",
    headers: team.admin.headers,
    payload: { name, scope },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { token: string; key: { id: string; prefix: string; scope: string; name: string } };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("API keys", () => {
  test("a key made by an admin reads the queue; the token is shown once and stored only hashed", async () => {
    const team = await makeTeam(t);
    const ticket = await submitTicket(t, team.ws.slug, { subject: "Seen through a key" });
    const { token, key } = await createKey(team, "read", "Reporting tool");
    assert.match(token, /^ptk_[A-Za-z0-9_-]{43}$/);
    assert.equal(key.prefix, token.slice(0, 12));

    const res = await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    assert.equal(res.statusCode, 200, res.body);
    const refs = (res.json().items as { reference: string }[]).map((i) => i.reference);
    assert.deepEqual(refs, [ticket.reference]);

    // The list never shows the token again.
    const list = await t.app.inject({ url: "/api/workspace/api-keys", headers: team.admin.headers });
    assert.equal(list.statusCode, 200, list.body);
    assert.ok(!list.body.includes(token.slice(12)), "the list holds no token");
    const listed = list.json().items[0];
    assert.equal(listed.name, "Reporting tool");
    assert.equal(listed.createdBy.id, team.admin.id);
    assert.ok(listed.lastUsedAt, "last used is set after a request");

    const rows = await apiKeysVisibleTo(t.ctx.database.db, systemActor("test")).selectAll().execute();
    const stored = JSON.stringify(rows);
    assert.ok(!stored.includes(token.slice(4)), "no plaintext token in the database");
    const row = rows.find((r) => r.id === key.id);
    assert.equal(row?.token_hash, createHash("sha256").update(token).digest("hex"));
  });

  test("last used is written at most once a minute", async () => {
    const team = await makeTeam(t);
    const { token, key } = await createKey(team, "read");
    const lastUsed = async () =>
      (
        await apiKeysVisibleTo(t.ctx.database.db, systemActor("test"))
          .select("last_used_at")
          .where("id", "=", key.id)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    assert.equal(await lastUsed(), null);
    await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    const first = await lastUsed();
    assert.ok(first);
    t.advance(20_000);
    await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    assert.equal(String(await lastUsed()), String(first), "not written again within the minute");
    t.advance(50_000);
    await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    assert.ok(new Date(String(await lastUsed())) > new Date(String(first)), "written again after a minute");
  });

  test("a read key may not write; a write key writes without a CSRF token, from a server", async () => {
    const team = await makeTeam(t);
    const ticket = await submitTicket(t, team.ws.slug);
    const read = await createKey(team, "read");
    const write = await createKey(team, "write");
    const note = (token: string, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${ticket.reference}/notes`,
        headers: { ...bearer(token), ...headers },
        payload: { body: "Checked by the integration." },
      });

    const refused = await note(read.token);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, "api_key_read_only");
    const head = await t.app.inject({
      method: "HEAD",
      url: "/api/workspace/tickets",
      headers: bearer(read.token),
    });
    assert.equal(head.statusCode, 200);

    // No Origin, no Sec-Fetch-Site, no cookie, no CSRF token: a server's request.
    const written = await note(write.token);
    assert.equal(written.statusCode, 201, written.body);
    const patched = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${ticket.reference}`,
      headers: bearer(write.token),
      payload: { priority: "high" },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().priority, "high");

    // A browser on another site is still refused by the cross-site guard, key or not.
    const crossSite = await note(write.token, {
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
    });
    assert.equal(crossSite.statusCode, 403);
    assert.equal(crossSite.json().error.code, "cross_site_request");
  });

  test("unknown, malformed and revoked keys are 401 invalid_api_key", async () => {
    const team = await makeTeam(t);
    const { token, key } = await createKey(team, "write");
    for (const given of [`ptk_${"A".repeat(43)}`, "not-a-key", "ptk_", ""]) {
      const res = await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(given) });
      assert.equal(res.statusCode, 401, given);
      assert.equal(res.json().error.code, "invalid_api_key");
    }
    const revoked = await t.app.inject({
      method: "DELETE",
      url: `/api/workspace/api-keys/${key.id}`,
      headers: team.admin.headers,
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.ok(revoked.json().revokedAt);
    assert.equal(revoked.json().revokedBy.id, team.admin.id);
    const res = await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, "invalid_api_key");

    const audit = await t.app.inject({ url: "/api/workspace/audit?limit=50", headers: team.admin.headers });
    const actions = (audit.json().items as { action: string; details: object }[]).map((i) => i.action);
    assert.deepEqual(actions.sort(), ["api_key.created", "api_key.revoked"]);
    assert.ok(!audit.body.includes(token.slice(12)), "the audit log holds no token");
  });

  test("an audited change made through a key names the key beside its admin", async () => {
    const team = await makeTeam(t);
    const { token } = await createKey(team, "write", "Status page bot");
    const declared = await t.app.inject({
      method: "POST",
      url: "/api/workspace/incidents",
      headers: bearer(token),
      payload: { title: "Mail delays", message: "Emails arrive late; we are on it." },
    });
    assert.equal(declared.statusCode, 201, declared.body);
    const audit = await t.app.inject({
      url: "/api/workspace/audit?action=incident.declared",
      headers: team.admin.headers,
    });
    const [entry] = audit.json().items as { actor: { id: string }; details: Record<string, unknown> }[];
    assert.equal(entry?.actor.id, team.admin.id);
    assert.equal(entry?.details.apiKeyName, "Status page bot");
  });

  test("a key stops when its creator is deactivated", async () => {
    const team = await makeTeam(t);
    const other = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: team.admin.headers,
      payload: {
        name: "Second Admin",
        email: `second-${Date.now()}@example.test`,
        role: "admin",
        password: PASSWORD,
      },
    });
    assert.equal(other.statusCode, 201, other.body);
    const second = await signIn(t, team.ws.slug, other.json().email);
    const res = await t.app.inject({
      method: "POST",
      url: "/api/workspace/api-keys",
      headers: second.headers,
      payload: { name: "Second's key", scope: "read" },
    });
    const { token } = res.json() as { token: string };
    assert.equal(
      (await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) })).statusCode,
      200,
    );
    const off = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/agents/${second.id}`,
      headers: team.admin.headers,
      payload: { active: false },
    });
    assert.equal(off.statusCode, 200, off.body);
    const refused = await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().error.code, "invalid_api_key");
  });

  test("a key sees its own workspace only", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    const theirs = await submitTicket(t, b.ws.slug, { subject: "Workspace B's" });
    const { token } = await createKey(a, "write");
    const res = await t.app.inject({
      url: `/api/workspace/tickets/${theirs.reference}`,
      headers: bearer(token),
    });
    assert.equal(res.statusCode, 404);
    const list = await t.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    assert.equal(list.json().items.length, 0);
    const note = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${theirs.reference}/notes`,
      headers: bearer(token),
      payload: { body: "Not mine" },
    });
    assert.equal(note.statusCode, 404);
  });

  test("a key has no admin powers, cannot manage keys, open pages or its session's routes", async () => {
    const team = await makeTeam(t);
    const { token, key } = await createKey(team, "write");
    const call = (method: "GET" | "POST" | "DELETE" | "PATCH", url: string, payload?: object) =>
      t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

    const addAgent = await call("POST", "/api/workspace/agents", {
      name: "Sneaky",
      email: "sneaky@example.test",
      role: "admin",
      password: PASSWORD,
    });
    assert.equal(addAgent.statusCode, 403, addAgent.body);
    const deactivate = await call("PATCH", `/api/workspace/agents/${team.agent.id}`, { active: false });
    assert.equal(deactivate.statusCode, 403, deactivate.body);

    for (const [method, url, payload] of [
      ["GET", "/api/workspace/api-keys", undefined],
      ["POST", "/api/workspace/api-keys", { name: "Another", scope: "write" }],
      ["DELETE", `/api/workspace/api-keys/${key.id}`, undefined],
      ["GET", "/api/workspace/session", undefined],
      ["GET", "/api/workspace/live", undefined],
    ] as const) {
      const res = await call(method, url, payload);
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().error.code, "api_key_not_allowed");
    }

    const page = await t.app.inject({ url: "/app", headers: bearer(token) });
    assert.equal(page.statusCode, 303, "the pages take no key: back to sign-in");
    assert.match(String(page.headers.location), /^\/app\/sign-in/);
    const settings = await t.app.inject({ url: "/app/settings/api-keys", headers: bearer(token) });
    assert.equal(settings.statusCode, 303);

    // Other agents do not see the keys at all.
    const agentList = await t.app.inject({ url: "/api/workspace/api-keys", headers: team.agent.headers });
    assert.equal(agentList.statusCode, 404);
    const agentCreate = await t.app.inject({
      method: "POST",
      url: "/api/workspace/api-keys",
      headers: team.agent.headers,
      payload: { name: "Mine", scope: "read" },
    });
    assert.equal(agentCreate.statusCode, 404);
  });

  test("the create body is checked", async () => {
    const team = await makeTeam(t);
    for (const payload of [{ name: "", scope: "read" }, { name: "X", scope: "admin" }, { name: "X" }]) {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/workspace/api-keys",
        headers: team.admin.headers,
        payload,
      });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
    }
  });

  test("the settings page: admins only; the form's errors; the token on the answer only", async () => {
    const team = await makeTeam(t);
    const page = (headers: Record<string, string>) =>
      t.app.inject({ url: "/app/settings/api-keys", headers: { cookie: headers.cookie as string } });
    assert.equal((await page(team.agent.headers)).statusCode, 404);
    assert.equal((await page(team.admin.headers)).statusCode, 200);
    const form = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: "/app/settings/api-keys",
        headers: { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: team.admin.csrf, ...fields }).toString(),
      });
    const blank = await form({ name: " ", scope: "read" });
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /error-summary/);
    const made = await form({ name: "Chatbot", scope: "write" });
    assert.equal(made.statusCode, 201, made.body);
    const token = /id="new-key-token"[^>]*value="(ptk_[A-Za-z0-9_-]{43})"/.exec(made.body)?.[1];
    assert.ok(token, "the new token is on the page");
    const again = await page(team.admin.headers);
    assert.ok(again.body.includes("Chatbot"));
    assert.ok(!again.body.includes(token.slice(12)), "and on no page afterwards");
  });

  test("the OpenAPI document has the apiKey scheme on the workspace routes, not on the keys' own", async () => {
    const res = await t.app.inject({ url: "/api/openapi.json" });
    const doc = res.json();
    assert.deepEqual(doc.components.securitySchemes.apiKey, {
      type: "http",
      scheme: "bearer",
      bearerFormat: "ptk",
      description: doc.components.securitySchemes.apiKey.description,
    });
    const security = (path: string, method: string) =>
      ((doc.paths[path][method].security ?? []) as Record<string, unknown>[]).map((s) =>
        Object.keys(s).join("+"),
      );
    assert.deepEqual(security("/api/workspace/tickets", "get"), ["session+csrf", "apiKey"]);
    assert.ok(security("/api/workspace/tickets/{reference}/notes", "post").includes("apiKey"));
    assert.ok(!security("/api/workspace/api-keys", "get").includes("apiKey"));
    assert.ok(!security("/api/workspace/session", "get").includes("apiKey"));
    assert.ok(!security("/api/public/portals/{slug}/tickets", "post").includes("apiKey"));
  });
});

describe("API key rate limit", () => {
  let limited: TestEnv;
  before(async () => {
    limited = await testEnv({ API_KEY_RATE_LIMIT_PER_MINUTE: "3" });
  });
  after(() => limited.close());

  test("past the limit a key gets 429 with Retry-After, then works again", async () => {
    const team = await makeTeam(limited);
    const res = await limited.app.inject({
      method: "POST",
      url: "/api/workspace/api-keys",
      headers: team.admin.headers,
      payload: { name: "Busy", scope: "read" },
    });
    const { token } = res.json() as { token: string };
    const get = () => limited.app.inject({ url: "/api/workspace/tickets", headers: bearer(token) });
    for (let i = 0; i < 3; i++) assert.equal((await get()).statusCode, 200);
    const over = await get();
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().error.code, "api_key_rate_limited");
    assert.ok(Number(over.headers["retry-after"]) >= 1);
    // The admin's own session is not held back by the key's limit.
    const session = await limited.app.inject({ url: "/api/workspace/tickets", headers: team.admin.headers });
    assert.equal(session.statusCode, 200);
    limited.advance(61_000);
    assert.equal((await get()).statusCode, 200);
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { revokeCustomerSession } from "../../auth/customer-session.service.ts";
import { makeCustomer, makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The signed-in customers' one gate (portal/gate.ts) over HTTP: only a live customer session of
// this portal's workspace, whose contact has portal access, gets through; writes need its CSRF
// token. And the agents' gate never takes a customer's cookie.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const me = (slug: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "GET", url: `/api/portal/${slug}/me`, headers });

function refused(res: Awaited<ReturnType<typeof me>>, what: string) {
  assert.equal(res.statusCode, 401, what);
  assert.deepEqual(Object.keys(res.json()), ["error"], what);
  assert.equal(res.json().error.code, "unauthenticated", what);
}

describe("the customer gate", () => {
  test("no cookie, a forged one or an unknown portal: 401", async () => {
    const team = await makeTeam(t);
    refused(await me(team.ws.slug), "no cookie");
    refused(
      await me(team.ws.slug, { cookie: "portico_customer=forged-token-value-aaaaaaaaaaaa" }),
      "forged cookie",
    );
    const c = await makeCustomer(t, team.ws.id);
    refused(await me("no-such-portal", { cookie: c.cookie }), "unknown portal");
  });

  test("an agent's session is not a customer's", async () => {
    const team = await makeTeam(t);
    refused(await me(team.ws.slug, { cookie: team.agent.cookie }), "the agents' cookie");
    const agentToken = team.agent.cookie.split("=")[1] as string;
    refused(await me(team.ws.slug, { cookie: `portico_customer=${agentToken}` }), "an agent's token");
  });

  test("a session of workspace A on workspace B's portal: 401, and nothing of either", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    await submitTicket(t, b.ws.slug, { name: "Bea of B", email: "bea@b.test" });
    const customerOfA = await makeCustomer(t, a.ws.id, { name: "Ann of A" });
    const res = await me(b.ws.slug, { cookie: customerOfA.cookie });
    refused(res, "another workspace's portal");
    assert.doesNotMatch(res.body, /Ann of A|Bea of B|bea@b\.test/);
    assert.equal((await me(a.ws.slug, { cookie: customerOfA.cookie })).statusCode, 200, "its own portal");
  });

  test("revoked, expired, or without portal access: 401", async () => {
    const team = await makeTeam(t);
    const revoked = await makeCustomer(t, team.ws.id);
    await revokeCustomerSession(t.ctx, revoked.token);
    refused(await me(team.ws.slug, { cookie: revoked.cookie }), "revoked");

    const expiring = await makeCustomer(t, team.ws.id);
    assert.equal((await me(team.ws.slug, { cookie: expiring.cookie })).statusCode, 200);
    const ttl = t.ctx.config.sessionTtlHours * 3600_000;
    t.advance(ttl + 60_000);
    try {
      refused(await me(team.ws.slug, { cookie: expiring.cookie }), "expired");
    } finally {
      t.advance(-(ttl + 60_000));
    }

    const noAccess = await makeCustomer(t, team.ws.id, { access: "none" });
    refused(await me(team.ws.slug, { cookie: noAccess.cookie }), "portal access none");
  });

  test("a valid session: the customer it stands for", async () => {
    const team = await makeTeam(t);
    const own = await makeCustomer(t, team.ws.id, { name: "Olga Own" });
    const res = await me(team.ws.slug, { cookie: own.cookie });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { name: "Olga Own", email: own.email, company: null, scope: "own" });

    const manager = await makeCustomer(t, team.ws.id, {
      name: "Max Manager",
      access: "company",
      company: "Acme",
    });
    const mres = await me(team.ws.slug, { cookie: manager.cookie });
    assert.equal(mres.statusCode, 200);
    assert.deepEqual(mres.json(), {
      name: "Max Manager",
      email: manager.email,
      company: { id: manager.companyId, name: "Acme" },
      scope: "company",
    });
  });

  test("a write needs the session's CSRF token", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const other = await makeCustomer(t, team.ws.id);
    const url = `/api/portal/${team.ws.slug}/sign-out`;
    const none = await t.app.inject({ method: "POST", url, headers: { cookie: c.cookie } });
    assert.equal(none.statusCode, 403);
    assert.equal(none.json().error.code, "csrf_failed");
    for (const token of [other.csrf, team.agent.csrf]) {
      const wrong = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie: c.cookie, "x-csrf-token": token },
      });
      assert.equal(wrong.statusCode, 403);
    }
    assert.equal((await me(team.ws.slug, { cookie: c.cookie })).statusCode, 200, "still signed in");
    const ok = await t.app.inject({ method: "POST", url, headers: c.headers });
    assert.equal(ok.statusCode, 204);
    refused(await me(team.ws.slug, { cookie: c.cookie }), "signed out");
  });

  test("the route is in the API document", async () => {
    const doc = (await t.app.inject({ url: "/api/openapi.json" })).json();
    const get = doc.paths["/api/portal/{slug}/me"]?.get;
    assert.ok(get, "GET /api/portal/{slug}/me is documented");
    assert.deepEqual(Object.keys(get.responses["200"].content["application/json"].schema.properties).sort(), [
      "company",
      "email",
      "name",
      "scope",
    ]);
  });
});

describe("the agents' gate", () => {
  test("a customer's cookie never reaches /app or /api/workspace", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id, { access: "company", company: "Acme" });
    for (const cookie of [c.cookie, `portico_session=${c.token}`]) {
      for (const url of ["/api/workspace/session", "/api/workspace/tickets", "/api/workspace/contacts"]) {
        const res = await t.app.inject({ url, headers: { cookie } });
        assert.equal(res.statusCode, 401, `${cookie.split("=")[0]} ${url}`);
      }
      const write = await t.app.inject({
        method: "POST",
        url: "/api/workspace/sign-out",
        headers: { cookie, "x-csrf-token": c.csrf },
      });
      assert.equal(write.statusCode, 401);
      for (const url of ["/app", "/app/contacts", "/app/settings"]) {
        const res = await t.app.inject({ url, headers: { cookie } });
        assert.equal(res.statusCode, 303, `${cookie.split("=")[0]} ${url}`);
        assert.match(String(res.headers.location), /^\/app\/sign-in\?next=/);
      }
    }
  });
});

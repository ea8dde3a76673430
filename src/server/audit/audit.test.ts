import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCustomer, makeTeam, PASSWORD } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Every admin action wired to the audit log writes one entry in the change's own transaction,
// with who, what, of what and from which address, and no secret; the log is the admins' alone
// (agents get 404, another workspace's admin sees nothing of it).

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

describe("the audit log", () => {
  test("each admin action writes one entry, without secrets; only admins read them", async () => {
    const team = await makeTeam(t);
    const other = await makeTeam(t);
    const contact = await makeCustomer(t, team.ws.id, { email: "audited@customer.test" });
    const call = async (method: "PATCH" | "PUT" | "POST", url: string, payload: object) => {
      const res = await t.app.inject({
        method,
        url: `/api/workspace${url}`,
        headers: team.admin.headers,
        payload,
      });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const hook = "https://hooks.slack.com/services/T000/B000/SECRETHOOKVALUE";
    await call("PATCH", "/settings/branding", { brandName: "Audited Co" });
    await call("PUT", "/settings/embedding", { allowedOrigins: ["https://example.com"] });
    await call("PATCH", "/settings/portal-access", { portalAccess: "account" });
    await call("PATCH", "/settings/documents", { maxFileMb: 5 });
    await call("PATCH", "/kb/settings", { notFoundText: "Ask us." });
    await call("PUT", "/settings/surveys", { quietDays: 9, slackWebhookUrl: hook });
    await call("PUT", "/settings/retention", { eventsDays: 30 });
    const added = await call("POST", "/agents", {
      name: "New Agent",
      email: "new-agent@example.test",
      role: "agent",
      password: PASSWORD,
    });
    await call("POST", "/agents", { name: "Invited Agent", email: "invited@example.test", role: "agent" });
    await call("PATCH", `/agents/${added.id}`, { active: false });
    await call("PATCH", `/agents/${added.id}`, { active: true });
    await call("PUT", `/contacts/${contact.contactId}/portal-access`, { access: "none" });
    await call("POST", `/contacts/${contact.contactId}/portal-invitation`, {});

    const list = await t.app.inject({ url: "/api/workspace/audit?limit=200", headers: team.admin.headers });
    assert.equal(list.statusCode, 200, list.body);
    const items = list.json().items as {
      action: string;
      actor: { id: string } | null;
      ip: string | null;
      details: object;
    }[];
    assert.deepEqual(items.map((i) => i.action).sort(), [
      "agent.activated",
      "agent.added",
      "agent.deactivated",
      "agent.invited",
      "contact.invited",
      "contact.portal_access",
      "settings.branding",
      "settings.documents",
      "settings.embedding",
      "settings.kb",
      "settings.portal_access",
      "settings.retention",
      "settings.surveys",
    ]);
    for (const i of items) {
      assert.equal(i.actor?.id, team.admin.id, `${i.action}: who`);
      assert.ok(i.ip, `${i.action}: from where`);
    }
    assert.ok(!list.body.includes("SECRETHOOKVALUE"), "a webhook's address is never written");
    assert.ok(!list.body.includes(PASSWORD));
    const surveys = items.find((i) => i.action === "settings.surveys")?.details as Record<string, unknown>;
    assert.equal(surveys.quietDays, 9);
    assert.equal(surveys.slackWebhookUrl, "(changed)");

    // A filter by action, and pages.
    const one = await t.app.inject({
      url: "/api/workspace/audit?action=agent.added",
      headers: team.admin.headers,
    });
    assert.deepEqual(
      one.json().items.map((i: { action: string }) => i.action),
      ["agent.added"],
    );
    const first = (
      await t.app.inject({ url: "/api/workspace/audit?limit=5", headers: team.admin.headers })
    ).json();
    assert.equal(first.items.length, 5);
    const second = (
      await t.app.inject({
        url: `/api/workspace/audit?limit=5&cursor=${first.nextCursor}`,
        headers: team.admin.headers,
      })
    ).json();
    assert.equal(second.items.length, 5);
    const ids = [...first.items, ...second.items].map((i: { id: string }) => i.id);
    assert.equal(new Set(ids).size, 10, "pages do not overlap");

    // Agents: 404, API and page; another workspace's admin sees none of it.
    assert.equal(
      (await t.app.inject({ url: "/api/workspace/audit", headers: team.agent.headers })).statusCode,
      404,
    );
    assert.equal(
      (await t.app.inject({ url: "/app/settings/audit", headers: { cookie: team.agent.cookie } })).statusCode,
      404,
    );
    const theirs = await t.app.inject({ url: "/api/workspace/audit", headers: other.admin.headers });
    assert.deepEqual(theirs.json().items, []);
    const page = await t.app.inject({
      url: "/app/settings/audit?action=settings.branding",
      headers: { cookie: team.admin.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Branding changed/);
    assert.match(page.body, /<time datetime="/);
    assert.ok(!page.body.includes("Agent deactivated</strong>"), "the filter holds on the page");
  });

  test("a refused change writes nothing", async () => {
    const team = await makeTeam(t);
    const res = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/branding",
      headers: team.agent.headers,
      payload: { brandName: "Not allowed" },
    });
    assert.equal(res.statusCode, 403);
    const bad = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/branding",
      headers: team.admin.headers,
      payload: { primaryColor: "red" },
    });
    assert.equal(bad.statusCode, 400);
    const list = await t.app.inject({ url: "/api/workspace/audit", headers: team.admin.headers });
    assert.deepEqual(list.json().items, []);
  });
});

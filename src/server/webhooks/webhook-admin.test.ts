import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { systemActor } from "../actors.ts";
import { openSecret } from "../lib/sealed-secret.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { endpointsVisibleTo } from "./webhook.access.ts";
import { type Made, webhookWorld } from "./webhook.test-support.ts";

// Webhooks for admins through the real API: endpoints added and checked (address, events, the
// workspace's limit), the secret shown once and stored sealed, other agents and other workspaces
// kept out, test events and resends as new pending rows, and the log's pages.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
});
after(() => t.close());

const { api, add, rowsOf } = webhookWorld(() => t);

describe("webhook endpoints for admins", () => {
  it("adds, lists, changes, pauses, resumes and deletes an endpoint, each change audited", async () => {
    const { ws, admin } = await makeTeam(t);
    const made = await add(admin, { name: "CRM", events: ["ticket.resolved", "ticket.created"] });
    assert.match(made.secret ?? "", /^whsec_[A-Za-z0-9_-]{20,}$/);
    // The events come back in their canonical order.
    assert.deepEqual(made.webhook.events, ["ticket.created", "ticket.resolved"]);
    assert.equal(made.webhook.format, "json");
    assert.equal(made.webhook.state, "active");

    const list = (await api(admin, "GET", "/webhooks")).json() as { items: { id: string }[] };
    assert.deepEqual(
      list.items.map((w) => w.id),
      [made.webhook.id],
    );
    const one = await api(admin, "GET", `/webhooks/${made.webhook.id}`);
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().name, "CRM");
    assert.equal("secret" in one.json(), false, "the secret is never read back");

    const changed = await api(admin, "PATCH", `/webhooks/${made.webhook.id}`, {
      name: "CRM sync",
      events: ["survey.answered"],
      format: "slack",
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(
      [changed.json().name, changed.json().events, changed.json().format],
      ["CRM sync", ["survey.answered"], "slack"],
    );
    const paused = await api(admin, "PATCH", `/webhooks/${made.webhook.id}`, { state: "paused" });
    assert.equal(paused.json().state, "paused");
    const resumed = await api(admin, "PATCH", `/webhooks/${made.webhook.id}`, { state: "active" });
    assert.equal(resumed.json().state, "active");
    const rolled = await api(admin, "POST", `/webhooks/${made.webhook.id}/secret`);
    assert.equal(rolled.statusCode, 200, rolled.body);
    // The chat format is not signed: no secret to show (one is kept all the same).
    assert.equal(rolled.json().secret, null);

    const del = await api(admin, "DELETE", `/webhooks/${made.webhook.id}`);
    assert.equal(del.statusCode, 204);
    assert.equal((await api(admin, "GET", `/webhooks/${made.webhook.id}`)).statusCode, 404);

    const audit = (await api(admin, "GET", "/audit")).json() as {
      items: { action: string; details: Record<string, unknown> }[];
    };
    const actions = audit.items.map((a) => a.action).filter((a) => a.startsWith("webhook."));
    assert.deepEqual(actions.sort(), [
      "webhook.created",
      "webhook.deleted",
      "webhook.paused",
      "webhook.resumed",
      "webhook.secret_rolled",
      "webhook.updated",
    ]);
    assert.ok(!JSON.stringify(audit).includes("hooks.example.com"), "the address stays out of the log");
    assert.ok(ws.id);
  });

  it("refuses a bad address, an internal one, an unknown event, no event, and the 21st endpoint", async () => {
    const { admin } = await makeTeam(t);
    const post = (body: object) =>
      api(admin, "POST", "/webhooks", {
        name: "X",
        url: "https://ok.example.com/",
        events: ["ticket.created"],
        ...body,
      });
    const bad = await post({ url: "not a url" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.fields.url, /full http or https address/);
    for (const url of [
      "http://127.0.0.1:8080/hook",
      "http://10.1.2.3/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://localhost/hook",
      "http://[::1]/hook",
    ]) {
      const internal = await post({ url });
      assert.equal(internal.statusCode, 400, url);
      assert.match(internal.json().error.fields.url, /public address/, url);
    }
    const ftp = await post({ url: "ftp://files.example.com/" });
    assert.equal(ftp.statusCode, 400);
    assert.ok(ftp.json().error.fields.url);

    const unknown = await post({ events: ["ticket.created", "ticket.exploded"] });
    assert.equal(unknown.statusCode, 400);
    assert.ok(
      Object.keys(unknown.json().error.fields).some((k) => k.startsWith("events")),
      unknown.body,
    );
    const none = await post({ events: [] });
    assert.equal(none.statusCode, 400);
    assert.ok(Object.keys(none.json().error.fields).some((k) => k.startsWith("events")));
    const noName = await post({ name: " " });
    assert.equal(noName.statusCode, 400);
    assert.ok(noName.json().error.fields.name);

    for (let i = 0; i < 20; i++) assert.equal((await post({ name: `Hook ${i}` })).statusCode, 201);
    const over = await post({ name: "One too many" });
    assert.equal(over.statusCode, 409);
    assert.equal(over.json().error.code, "too_many_webhooks");

    const some = (await api(admin, "GET", "/webhooks")).json().items[0] as { id: string };
    const patchBad = await api(admin, "PATCH", `/webhooks/${some.id}`, { url: "http://192.168.1.1/" });
    assert.equal(patchBad.statusCode, 400);
    assert.ok(patchBad.json().error.fields.url);
  });

  it("takes an internal address the operator allowed (WEBHOOK_ALLOW_PRIVATE_TARGETS), and only that one", async () => {
    const allowed = await testEnv({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "127.0.0.1,10.20.0.0/16" });
    try {
      const local = await makeTeam(allowed);
      const post = (url: string) =>
        allowed.app.inject({
          method: "POST",
          url: "/api/workspace/webhooks",
          headers: local.admin.headers,
          payload: { name: "Internal", url, events: ["ticket.created"] },
        });
      assert.equal((await post("http://127.0.0.1:9000/hook")).statusCode, 201);
      assert.equal((await post("http://10.20.3.4/hook")).statusCode, 201);
      const other = await post("http://10.21.0.1/hook");
      assert.equal(other.statusCode, 400);
      assert.ok(other.json().error.fields.url);
    } finally {
      await allowed.close();
    }
  });

  it("shows the secret once, and stores it sealed, never as typed", async () => {
    const { admin } = await makeTeam(t);
    const made = await add(admin);
    const secret = made.secret as string;
    const row = await endpointsVisibleTo(t.ctx.database.db, systemActor("test"))
      .selectAll()
      .where("id", "=", made.webhook.id)
      .executeTakeFirstOrThrow();
    assert.ok(!row.secret_sealed.includes(secret));
    assert.ok(!row.secret_sealed.includes(secret.slice(6, 20)));
    assert.equal(openSecret(t.ctx.files.key.key, row.secret_sealed), secret);
    for (const url of ["/webhooks", `/webhooks/${made.webhook.id}`, "/audit"]) {
      assert.ok(!(await api(admin, "GET", url)).body.includes(secret), url);
    }
    const page = await t.app.inject({
      url: `/app/settings/webhooks/${made.webhook.id}`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes(secret));

    const rolled = (await api(admin, "POST", `/webhooks/${made.webhook.id}/secret`)).json() as Made;
    assert.match(rolled.secret ?? "", /^whsec_/);
    assert.notEqual(rolled.secret, secret);
    const after = await endpointsVisibleTo(t.ctx.database.db, systemActor("test"))
      .select("secret_sealed")
      .where("id", "=", made.webhook.id)
      .executeTakeFirstOrThrow();
    assert.equal(openSecret(t.ctx.files.key.key, after.secret_sealed), rolled.secret);
  });

  it("keeps agents who are not admins, and other workspaces' admins, out with 404", async () => {
    const made = await add(team.admin);
    const other = await makeTeam(t);
    const id = made.webhook.id;
    for (const who of [team.agent, other.admin]) {
      assert.equal((await api(who, "GET", `/webhooks/${id}`)).statusCode, 404);
      assert.equal((await api(who, "PATCH", `/webhooks/${id}`, { name: "Mine" })).statusCode, 404);
      assert.equal((await api(who, "DELETE", `/webhooks/${id}`)).statusCode, 404);
      assert.equal((await api(who, "POST", `/webhooks/${id}/secret`)).statusCode, 404);
      assert.equal((await api(who, "POST", `/webhooks/${id}/test`)).statusCode, 404);
      assert.equal((await api(who, "GET", `/webhooks/${id}/deliveries`)).statusCode, 404);
    }
    assert.equal((await api(team.agent, "GET", "/webhooks")).statusCode, 404);
    assert.equal(
      (
        await api(team.agent, "POST", "/webhooks", {
          name: "X",
          url: "https://a.example.com/",
          events: ["ticket.created"],
        })
      ).statusCode,
      404,
    );
    assert.deepEqual((await api(other.admin, "GET", "/webhooks")).json().items, []);
    const page = await t.app.inject({
      url: "/app/settings/webhooks",
      headers: { cookie: team.agent.cookie },
    });
    assert.equal(page.statusCode, 404);
    assert.equal((await api(team.admin, "GET", `/webhooks/${id}`)).json().name, "Receiver");
  });

  it("queues a test event and a resend as new pending rows, shown in the log with their attempts", async () => {
    const { admin } = await makeTeam(t);
    const made = await add(admin);
    const id = made.webhook.id;
    const test = await api(admin, "POST", `/webhooks/${id}/test`);
    assert.equal(test.statusCode, 202, test.body);
    assert.equal(test.json().event, "webhook.ping");
    assert.equal(test.json().state, "pending");

    // The worker's part, as it would have done it: the body fixed, a failed attempt recorded.
    const db = t.ctx.database.db;
    const at = t.ctx.now().toISOString();
    await db
      .updateTable("webhook_deliveries")
      .set({ body: '{"id":"x","event":"webhook.ping"}', state: "failed", attempts: 1, last_status: 500 })
      .where("id", "=", test.json().id)
      .execute();
    const [first] = await rowsOf(id);
    await db
      .insertInto("webhook_attempts")
      .values({
        id: `${test.json().id}.1`,
        workspace_id: first?.workspace_id ?? "",
        delivery_id: test.json().id,
        at,
        status: 500,
        duration_ms: 12,
        response_excerpt: "<b>Server error</b>",
        error: null,
      })
      .execute();

    const resent = await api(admin, "POST", `/webhooks/${id}/deliveries/${test.json().id}/resend`);
    assert.equal(resent.statusCode, 202, resent.body);
    assert.equal(resent.json().resentFromId, test.json().id);
    const rows = await rowsOf(id);
    assert.equal(rows.length, 2);
    const copy = rows.find((r) => r.id === resent.json().id);
    assert.equal(copy?.body, '{"id":"x","event":"webhook.ping"}');
    assert.equal(copy?.state, "pending");
    assert.equal(copy?.event, "webhook.ping");

    const log = (await api(admin, "GET", `/webhooks/${id}/deliveries`)).json() as {
      items: { id: string; state: string }[];
    };
    assert.deepEqual(log.items.map((d) => d.id).sort(), [test.json().id, resent.json().id].sort());
    const failed = (await api(admin, "GET", `/webhooks/${id}/deliveries?state=failed`)).json();
    assert.deepEqual(
      failed.items.map((d: { id: string }) => d.id),
      [test.json().id],
    );
    const detail = await api(admin, "GET", `/webhooks/${id}/deliveries/${test.json().id}`);
    assert.equal(detail.statusCode, 200, detail.body);
    assert.equal(detail.json().attemptLog.length, 1);
    assert.equal(detail.json().attemptLog[0].status, 500);
    assert.equal(detail.json().data.message, "Test event from Portico");

    // A delivery of another endpoint is not reachable through this one.
    const second = await add(admin, { name: "Other" });
    assert.equal(
      (await api(admin, "GET", `/webhooks/${second.webhook.id}/deliveries/${test.json().id}`)).statusCode,
      404,
    );
    // The page shows the response excerpt as text.
    const page = await t.app.inject({
      url: `/app/settings/webhooks/${id}/deliveries/${test.json().id}`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /&lt;b&gt;Server error&lt;\/b&gt;/);
  });

  it("pages the log newest first with a cursor", async () => {
    const { admin } = await makeTeam(t);
    const made = await add(admin);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await api(admin, "POST", `/webhooks/${made.webhook.id}/test`)).json().id);
      t.advance(1000);
    }
    const first = (await api(admin, "GET", `/webhooks/${made.webhook.id}/deliveries?limit=3`)).json();
    assert.deepEqual(
      first.items.map((d: { id: string }) => d.id),
      ids.slice(2).reverse(),
    );
    const next = (
      await api(admin, "GET", `/webhooks/${made.webhook.id}/deliveries?limit=3&cursor=${first.nextCursor}`)
    ).json();
    assert.deepEqual(
      next.items.map((d: { id: string }) => d.id),
      ids.slice(0, 2).reverse(),
    );
    assert.equal(next.nextCursor, null);
  });
});

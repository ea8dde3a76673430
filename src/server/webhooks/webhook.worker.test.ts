import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { afterFailure, RETRY_FOR_MS, startWebhookDelivery } from "./webhook.delivery.ts";
import { createSender } from "./webhook-send.ts";
import { deliveryActor as actor, Receiver, webhookWorld } from "./webhook-world.test-support.ts";

// The worker: refused internal addresses, restarts, two workers, the day's end, and the
// switch-off after three days.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
let rx: Receiver;
let w: ReturnType<typeof webhookWorld>;

before(async () => {
  t = await testEnv({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "127.0.0.1", PUBLIC_URL: "https://help.example.com" });
  team = await makeTeam(t);
  rx = await new Receiver().start();
  w = webhookWorld(t, team);
});
beforeEach(async () => {
  await w.pauseAll();
  rx.received = [];
  rx.connections = 0;
  rx.answer = (_req, res) => res.end("ok");
});
after(async () => {
  await rx.close();
  await t.close();
});

describe("webhook delivery worker", () => {
  it("refuses internal addresses without the operator's allowance, connecting nowhere", async () => {
    const port = (rx.server.address() as AddressInfo).port;
    const targets = [
      rx.url,
      "http://10.1.2.3/hooks",
      "http://169.254.169.254/latest/meta-data/",
      `http://localhost:${port}/hooks`,
      "http://[::ffff:127.0.0.1]:80/hooks",
    ];
    const ids = [];
    for (const url of targets) ids.push(await w.endpoint(url));
    await w.queue();
    const sender = createSender([]);
    try {
      assert.deepEqual(await w.round({ sender }), { succeeded: 0, retrying: targets.length, failed: 0 });
    } finally {
      sender.close();
    }
    assert.equal(rx.connections, 0);
    assert.equal(rx.received.length, 0);
    for (const id of ids) {
      const [row] = await w.deliveriesOf(id);
      assert.match(row?.last_error ?? "", /^refused: .*internal address/);
      const [attempt] = await w.attemptsOf(row?.id ?? "");
      assert.equal(attempt?.status, null);
      assert.match(attempt?.error ?? "", /internal address/);
    }
  });

  it("keeps rows pending across a stop, and a new worker sends them", async () => {
    const id = await w.endpoint(rx.url);
    await w.queue();
    let held = 0;
    rx.answer = () => {
      held++;
    };
    const first = startWebhookDelivery(t.ctx, actor, { everyMs: 50 });
    while (held === 0) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    let [row] = await w.deliveriesOf(id);
    assert.equal(row?.state, "pending");
    assert.equal(row?.attempts, 0);
    assert.equal(row?.claimed_until, null);
    assert.equal((await w.attemptsOf(row?.id ?? "")).length, 0);

    rx.answer = (_req, res) => res.end("ok");
    const second = startWebhookDelivery(t.ctx, actor, { everyMs: 50 });
    try {
      for (let i = 0; i < 200 && row?.state !== "succeeded"; i++) {
        await new Promise((r) => setTimeout(r, 25));
        [row] = await w.deliveriesOf(id);
      }
    } finally {
      await second.stop();
    }
    assert.equal(row?.state, "succeeded");
    assert.equal(row?.attempts, 1);
  });

  it("two workers at once send each row once", async () => {
    const id = await w.endpoint(rx.url);
    for (let i = 0; i < 24; i++) await w.queue();
    rx.answer = (_req, res) => setTimeout(() => res.end("ok"), 5);
    const [a, b] = await Promise.all([w.round({ concurrency: 4 }), w.round({ concurrency: 4 })]);
    assert.equal((a?.succeeded ?? 0) + (b?.succeeded ?? 0), 24);
    const ids = rx.received.map((r) => String(r.headers["portico-delivery"]));
    assert.equal(ids.length, 24);
    assert.equal(new Set(ids).size, 24);
    const rows = await w.deliveriesOf(id);
    assert.ok(rows.every((r) => r.state === "succeeded" && r.attempts === 1));
  });

  it("fails a delivery a day after its event", () => {
    const occurred = "2026-01-01T00:00:00.000Z";
    const row = { occurred_at: occurred, created_at: occurred, attempts: 6 };
    const late = afterFailure(row, new Date(Date.parse(occurred) + 20 * 3600_000));
    assert.equal(late.state, "pending");
    // The last try lands on the day's end, not after it.
    assert.equal(late.nextAttemptAt, new Date(Date.parse(occurred) + RETRY_FOR_MS).toISOString());
    assert.equal(afterFailure(row, new Date(Date.parse(occurred) + RETRY_FOR_MS)).state, "failed");
  });

  it("switches off an endpoint failing for three days and tells the admins", async () => {
    const id = await w.endpoint(rx.url);
    rx.answer = (_req, res) => {
      res.statusCode = 503;
      res.end("down");
    };
    await w.queue();
    assert.deepEqual(await w.round(), { succeeded: 0, retrying: 1, failed: 0 });
    t.advance(2 * 24 * 3600_000);
    await w.queue();
    // Two days: the old row is past its day (failed), the new one waits; the endpoint stays on.
    assert.deepEqual(await w.round(), { succeeded: 0, retrying: 1, failed: 1 });
    let ep = await w.endpointRow(id);
    assert.equal(ep?.state, "active");
    t.advance(24 * 3600_000 + 60_000);
    await w.queue();
    const r = await w.round();
    assert.equal(r.succeeded, 0);
    ep = await w.endpointRow(id);
    assert.equal(ep?.state, "disabled");
    assert.match(ep?.disabled_reason ?? "", /failed for 3 days/);
    // Nothing of it waits any more.
    const rows = await w.deliveriesOf(id);
    assert.ok(rows.every((row) => row.state === "failed"));
    const db = t.ctx.database.db;
    const notices = await db
      .selectFrom("notifications")
      .innerJoin("agents", "agents.id", "notifications.agent_id")
      .select(["agents.role", "notifications.data"])
      .where("notifications.kind", "=", "webhook_disabled")
      .execute();
    assert.equal(notices.length, 1);
    assert.equal(notices[0]?.role, "admin");
    assert.equal(JSON.parse(notices[0]?.data ?? "{}").subject, ep?.name);
    const emails = await db
      .selectFrom("outbox_emails")
      .select(["to_address", "subject"])
      .where("workspace_id", "=", team.ws.id)
      .where("to_address", "=", team.admin.email)
      .execute();
    assert.ok(
      emails.some((e) => /webhook was switched off/.test(e.subject)),
      JSON.stringify(emails),
    );
    const audit = await db
      .selectFrom("audit_events")
      .select(["actor_agent_id", "target_id"])
      .where("action", "=", "webhook.auto_disabled")
      .execute();
    assert.deepEqual(
      audit.map((a) => ({ ...a })),
      [{ actor_agent_id: null, target_id: id }],
    );
    // A disabled endpoint's new events are not queued, and nothing is sent to it.
    rx.received = [];
    await w.queue();
    await w.round();
    assert.equal(rx.received.length, 0);
  });
});

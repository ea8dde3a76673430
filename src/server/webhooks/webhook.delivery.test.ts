import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { systemActor } from "../actors.ts";
import { newId } from "../ids.ts";
import { sealSecret } from "../lib/sealed-secret.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import {
  attemptsVisibleTo,
  deliveriesVisibleTo,
  endpointsVisibleTo,
  insertEndpoint,
} from "./webhook.access.ts";
import { afterFailure, deliverDueWebhooks, RETRY_FOR_MS, startWebhookDelivery } from "./webhook.delivery.ts";
import { queueWebhookEvent } from "./webhook-events.ts";
import { createSender } from "./webhook-send.ts";

// The delivery worker against real receivers (node:http servers on 127.0.0.1, allowed by
// WEBHOOK_ALLOW_PRIVATE_TARGETS): signed bodies checked with the README's snippet, retries after
// a 500 and after no answer, byte-identical retries, no redirects, refused internal addresses,
// restarts, two workers, the switch-off after three days, and the Slack format.

/** The README's verification snippet ("Deliveries, signatures and retries"), word for word. */
const SNIPPET = `function verifyPortico(secret, signatureHeader, rawBody, nowMs = Date.now()) {
  const parts = Object.fromEntries(signatureHeader.split(",").map((p) => p.split("=", 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > 300) return false; // older than 5 minutes
  const expected = createHmac("sha256", secret).update(\`\${t}.\${rawBody}\`).digest("hex");
  const given = String(parts.v1 ?? "");
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}`;
const verifyPortico = new Function("createHmac", "timingSafeEqual", `${SNIPPET}\nreturn verifyPortico;`)(
  createHmac,
  timingSafeEqual,
) as (secret: string, header: string, rawBody: string, nowMs?: number) => boolean;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  url: string;
}

/** A receiver whose answer each test sets; it keeps what it was sent. */
class Receiver {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        url: req.url ?? "",
      });
      this.answer(req, res);
    });
  });
  received: Received[] = [];
  connections = 0;
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end("ok");
  async start() {
    this.server.on("connection", () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }
  get url() {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }
  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

const SECRET = "whsec_delivery_test";
const actor = systemActor("webhook delivery");
let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
let rx: Receiver;

async function endpoint(url: string, format: "json" | "slack" = "json", events = ["ticket.created"]) {
  const id = newId();
  const at = t.ctx.now().toISOString();
  await insertEndpoint(t.ctx.database.db, {
    id,
    workspace_id: team.ws.id,
    name: `Receiver ${id.slice(-4)}`,
    url,
    format,
    events: JSON.stringify(events),
    secret_sealed: sealSecret(t.ctx.files.key.key, SECRET),
    state: "active",
    created_at: at,
    updated_at: at,
  }).execute();
  return id;
}

/** Queues one event for the workspace's subscribed endpoints, as a change would. */
async function queue(
  event: "ticket.created" | "ticket.resolved" = "ticket.created",
  ticketId: string | null = null,
) {
  await t.ctx.database.db.transaction().execute((tx) =>
    queueWebhookEvent(t.ctx.database, tx, {
      workspaceId: team.ws.id,
      event,
      ticketId,
      data: { type: "created" },
      at: t.ctx.now().toISOString(),
    }),
  );
}

const deliveriesOf = (endpointId: string) =>
  deliveriesVisibleTo(t.ctx.database.db, actor).selectAll().where("endpoint_id", "=", endpointId).execute();
const attemptsOf = (deliveryId: string) =>
  attemptsVisibleTo(t.ctx.database.db, actor)
    .selectAll()
    .where("delivery_id", "=", deliveryId)
    .orderBy("at")
    .execute();
const round = (opts: Parameters<typeof deliverDueWebhooks>[2] = {}) =>
  deliverDueWebhooks(t.ctx, actor, { timeoutMs: 500, ...opts });

/** Stops every endpoint made so far, so each test sees only its own. */
async function pauseAll() {
  await t.ctx.database.db.updateTable("webhook_endpoints").set({ state: "paused" }).execute();
}

before(async () => {
  t = await testEnv({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "127.0.0.1", PUBLIC_URL: "https://help.example.com" });
  team = await makeTeam(t);
  rx = await new Receiver().start();
});
beforeEach(async () => {
  await pauseAll();
  rx.received = [];
  rx.connections = 0;
  rx.answer = (_req, res) => res.end("ok");
});
after(async () => {
  await rx.close();
  await t.close();
});

describe("webhook delivery", () => {
  it("sends a signed JSON envelope the README's snippet verifies, and records one success", async () => {
    const id = await endpoint(rx.url);
    const submitted = await submitTicket(t, team.ws.slug, { subject: "Signed and sent" });
    const r = await round();
    assert.deepEqual(r, { succeeded: 1, retrying: 0, failed: 0 });
    assert.equal(rx.received.length, 1);
    const [got] = rx.received as [Received];
    assert.equal(got.headers["content-type"], "application/json");
    assert.equal(got.headers["user-agent"], "Portico-Webhooks/1");
    assert.equal(got.headers["portico-event"], "ticket.created");
    const signature = String(got.headers["portico-signature"]);
    assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifyPortico(SECRET, signature, got.body), true);
    assert.equal(verifyPortico("another secret", signature, got.body), false);
    assert.equal(verifyPortico(SECRET, signature, `${got.body} `), false);
    // A replay after five minutes is refused by the snippet.
    assert.equal(verifyPortico(SECRET, signature, got.body, Date.now() + 6 * 60_000), false);
    const body = JSON.parse(got.body);
    assert.equal(body.id, got.headers["portico-delivery"]);
    assert.equal(body.event, "ticket.created");
    assert.deepEqual(body.workspace, { id: team.ws.id, slug: team.ws.slug, name: team.ws.name });
    assert.equal(body.ticket.reference, submitted.reference);
    assert.equal(body.ticket.subject, "Signed and sent");
    assert.equal(body.ticket.url, `https://help.example.com/app/tickets/${submitted.reference}`);
    assert.equal(body.ticket.contact.email, "casey@customer.test");
    assert.equal(body.ticket.assignee, null);
    assert.equal(body.data.type, "created");
    assert.ok(!Number.isNaN(Date.parse(body.occurredAt)));
    const [row] = await deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
    assert.equal(row?.attempts, 1);
    assert.equal(row?.last_status, 200);
    assert.equal(row?.body, got.body);
    assert.equal(row?.claimed_until, null);
    const attempts = await attemptsOf(row?.id ?? "");
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]?.status, 200);
    assert.equal(attempts[0]?.response_excerpt, "ok");
    const ep = await endpointsVisibleTo(t.ctx.database.db, actor)
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    assert.ok(ep?.last_success_at);
    // Nothing more is due: a second round sends nothing.
    assert.deepEqual(await round(), { succeeded: 0, retrying: 0, failed: 0 });
    assert.equal(rx.received.length, 1);
  });

  it("retries after a 500 with the same bytes, and records exactly one success", async () => {
    const id = await endpoint(rx.url);
    await queue();
    rx.answer = (_req, res) => {
      res.statusCode = 500;
      res.end("receiver broke");
    };
    assert.deepEqual(await round(), { succeeded: 0, retrying: 1, failed: 0 });
    let [row] = await deliveriesOf(id);
    assert.equal(row?.state, "pending");
    assert.equal(row?.last_status, 500);
    const wait = Date.parse(row?.next_attempt_at ?? "") - t.ctx.now().getTime();
    assert.ok(wait > 50_000 && wait < 70_000, `about a minute, not ${wait} ms`);
    const failing = await endpointsVisibleTo(t.ctx.database.db, actor)
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    assert.ok(failing?.failing_since);
    // Not due yet.
    assert.deepEqual(await round(), { succeeded: 0, retrying: 0, failed: 0 });
    rx.answer = (_req, res) => res.end("fine now");
    t.advance(2 * 60_000);
    assert.deepEqual(await round(), { succeeded: 1, retrying: 0, failed: 0 });
    assert.equal(rx.received.length, 2);
    assert.equal(rx.received[0]?.body, rx.received[1]?.body);
    assert.equal(rx.received[0]?.headers["portico-delivery"], rx.received[1]?.headers["portico-delivery"]);
    [row] = await deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
    assert.equal(row?.attempts, 2);
    const attempts = await attemptsOf(row?.id ?? "");
    assert.deepEqual(
      attempts.map((a) => a.status),
      [500, 200],
    );
    assert.equal(attempts[0]?.response_excerpt, "receiver broke");
    assert.equal(attempts.filter((a) => a.status === 200).length, 1);
    const healthy = await endpointsVisibleTo(t.ctx.database.db, actor)
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    assert.equal(healthy?.failing_since, null);
    t.advance(24 * 3600_000);
    assert.deepEqual(await round(), { succeeded: 0, retrying: 0, failed: 0 });
  });

  it("retries after no answer within the time", async () => {
    const id = await endpoint(rx.url);
    await queue();
    rx.answer = () => {
      // Never answers.
    };
    assert.deepEqual(await round({ timeoutMs: 300 }), { succeeded: 0, retrying: 1, failed: 0 });
    let [row] = await deliveriesOf(id);
    assert.equal(row?.last_status, null);
    assert.match(row?.last_error ?? "", /no answer within 0\.3 s/);
    rx.answer = (_req, res) => res.end("ok");
    t.advance(2 * 60_000);
    assert.deepEqual(await round({ timeoutMs: 300 }), { succeeded: 1, retrying: 0, failed: 0 });
    [row] = await deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
    assert.equal(rx.received.length, 2);
    assert.equal(rx.received[0]?.body, rx.received[1]?.body);
  });

  it("does not follow a redirect: a 3xx is a failure", async () => {
    const id = await endpoint(rx.url);
    await queue();
    rx.answer = (_req, res) => {
      res.writeHead(307, { location: "/elsewhere" });
      res.end();
    };
    assert.deepEqual(await round(), { succeeded: 0, retrying: 1, failed: 0 });
    assert.deepEqual(
      rx.received.map((r) => r.url),
      ["/hooks"],
    );
    const [row] = await deliveriesOf(id);
    assert.equal(row?.last_status, 307);
    assert.match(row?.last_error ?? "", /redirects are not followed/);
  });

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
    for (const url of targets) ids.push(await endpoint(url));
    await queue();
    const sender = createSender([]);
    try {
      assert.deepEqual(await round({ sender }), { succeeded: 0, retrying: targets.length, failed: 0 });
    } finally {
      sender.close();
    }
    assert.equal(rx.connections, 0);
    assert.equal(rx.received.length, 0);
    for (const id of ids) {
      const [row] = await deliveriesOf(id);
      assert.match(row?.last_error ?? "", /^refused: .*internal address/);
      const [attempt] = await attemptsOf(row?.id ?? "");
      assert.equal(attempt?.status, null);
      assert.match(attempt?.error ?? "", /internal address/);
    }
  });

  it("keeps rows pending across a stop, and a new worker sends them", async () => {
    const id = await endpoint(rx.url);
    await queue();
    let held = 0;
    rx.answer = () => {
      held++;
    };
    const first = startWebhookDelivery(t.ctx, actor, { everyMs: 50 });
    while (held === 0) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    let [row] = await deliveriesOf(id);
    assert.equal(row?.state, "pending");
    assert.equal(row?.attempts, 0);
    assert.equal(row?.claimed_until, null);
    assert.equal((await attemptsOf(row?.id ?? "")).length, 0);

    rx.answer = (_req, res) => res.end("ok");
    const second = startWebhookDelivery(t.ctx, actor, { everyMs: 50 });
    try {
      for (let i = 0; i < 200 && row?.state !== "succeeded"; i++) {
        await new Promise((r) => setTimeout(r, 25));
        [row] = await deliveriesOf(id);
      }
    } finally {
      await second.stop();
    }
    assert.equal(row?.state, "succeeded");
    assert.equal(row?.attempts, 1);
  });

  it("two workers at once send each row once", async () => {
    const id = await endpoint(rx.url);
    for (let i = 0; i < 24; i++) await queue();
    rx.answer = (_req, res) => setTimeout(() => res.end("ok"), 5);
    const [a, b] = await Promise.all([round({ concurrency: 4 }), round({ concurrency: 4 })]);
    assert.equal((a?.succeeded ?? 0) + (b?.succeeded ?? 0), 24);
    const ids = rx.received.map((r) => String(r.headers["portico-delivery"]));
    assert.equal(ids.length, 24);
    assert.equal(new Set(ids).size, 24);
    const rows = await deliveriesOf(id);
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
    const id = await endpoint(rx.url);
    rx.answer = (_req, res) => {
      res.statusCode = 503;
      res.end("down");
    };
    await queue();
    assert.deepEqual(await round(), { succeeded: 0, retrying: 1, failed: 0 });
    t.advance(2 * 24 * 3600_000);
    await queue();
    // Two days: the old row is past its day (failed), the new one waits; the endpoint stays on.
    assert.deepEqual(await round(), { succeeded: 0, retrying: 1, failed: 1 });
    let ep = await endpointsVisibleTo(t.ctx.database.db, actor)
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    assert.equal(ep?.state, "active");
    t.advance(24 * 3600_000 + 60_000);
    await queue();
    const r = await round();
    assert.equal(r.succeeded, 0);
    ep = await endpointsVisibleTo(t.ctx.database.db, actor)
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    assert.equal(ep?.state, "disabled");
    assert.match(ep?.disabled_reason ?? "", /failed for 3 days/);
    // Nothing of it waits any more.
    const rows = await deliveriesOf(id);
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
    await queue();
    await round();
    assert.equal(rx.received.length, 0);
  });

  it("sends the Slack format unsigned", async () => {
    const id = await endpoint(rx.url, "slack");
    const submitted = await submitTicket(t, team.ws.slug, { subject: "Printer <on> fire & smoke" });
    assert.deepEqual(await round(), { succeeded: 1, retrying: 0, failed: 0 });
    const [got] = rx.received as [Received];
    assert.equal(got.headers["portico-signature"], undefined);
    assert.equal(got.headers["portico-event"], "ticket.created");
    const body = JSON.parse(got.body) as {
      text: string;
      blocks: { type: string; text?: { text: string } }[];
    };
    assert.equal(
      body.text,
      `A request is opened: ${submitted.reference} Printer <on> fire & smoke [${team.ws.name}]`,
    );
    assert.equal(body.blocks[0]?.type, "section");
    assert.match(
      body.blocks[0]?.text?.text ?? "",
      new RegExp(
        `<https://help\\.example\\.com/app/tickets/${submitted.reference}\\|${submitted.reference}> Printer &lt;on&gt; fire &amp; smoke`,
      ),
    );
    const [row] = await deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
  });

  it("documents the verification snippet in the README word for word", () => {
    const readme = fs.readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    assert.ok(readme.includes(SNIPPET), "README's snippet differs from the one tested here");
  });
});

import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import { after, before, beforeEach, describe, it } from "node:test";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { type Received, Receiver, SECRET, webhookWorld } from "./webhook-world.test-support.ts";

// Sending: signed bodies checked with the README's snippet, retries after a 500 and after no
// answer with the same bytes, no redirects, the Slack format.

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

describe("webhook delivery", () => {
  it("sends a signed JSON envelope the README's snippet verifies, and records one success", async () => {
    const id = await w.endpoint(rx.url);
    const submitted = await submitTicket(t, team.ws.slug, { subject: "Signed and sent" });
    const r = await w.round();
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
    const [row] = await w.deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
    assert.equal(row?.attempts, 1);
    assert.equal(row?.last_status, 200);
    assert.equal(row?.body, got.body);
    assert.equal(row?.claimed_until, null);
    const attempts = await w.attemptsOf(row?.id ?? "");
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]?.status, 200);
    assert.equal(attempts[0]?.response_excerpt, "ok");
    const ep = await w.endpointRow(id);
    assert.ok(ep?.last_success_at);
    // Nothing more is due: a second round sends nothing.
    assert.deepEqual(await w.round(), { succeeded: 0, retrying: 0, failed: 0 });
    assert.equal(rx.received.length, 1);
  });

  it("retries after a 500 with the same bytes, and records exactly one success", async () => {
    const id = await w.endpoint(rx.url);
    await w.queue();
    rx.answer = (_req, res) => {
      res.statusCode = 500;
      res.end("receiver broke");
    };
    assert.deepEqual(await w.round(), { succeeded: 0, retrying: 1, failed: 0 });
    let [row] = await w.deliveriesOf(id);
    assert.equal(row?.state, "pending");
    assert.equal(row?.last_status, 500);
    const wait = Date.parse(row?.next_attempt_at ?? "") - t.ctx.now().getTime();
    assert.ok(wait > 50_000 && wait < 70_000, `about a minute, not ${wait} ms`);
    const failing = await w.endpointRow(id);
    assert.ok(failing?.failing_since);
    // Not due yet.
    assert.deepEqual(await w.round(), { succeeded: 0, retrying: 0, failed: 0 });
    rx.answer = (_req, res) => res.end("fine now");
    t.advance(2 * 60_000);
    assert.deepEqual(await w.round(), { succeeded: 1, retrying: 0, failed: 0 });
    assert.equal(rx.received.length, 2);
    assert.equal(rx.received[0]?.body, rx.received[1]?.body);
    assert.equal(rx.received[0]?.headers["portico-delivery"], rx.received[1]?.headers["portico-delivery"]);
    [row] = await w.deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
    assert.equal(row?.attempts, 2);
    const attempts = await w.attemptsOf(row?.id ?? "");
    assert.deepEqual(
      attempts.map((a) => a.status),
      [500, 200],
    );
    assert.equal(attempts[0]?.response_excerpt, "receiver broke");
    assert.equal(attempts.filter((a) => a.status === 200).length, 1);
    const healthy = await w.endpointRow(id);
    assert.equal(healthy?.failing_since, null);
    t.advance(24 * 3600_000);
    assert.deepEqual(await w.round(), { succeeded: 0, retrying: 0, failed: 0 });
  });

  it("retries after no answer within the time", async () => {
    const id = await w.endpoint(rx.url);
    await w.queue();
    rx.answer = () => {
      // Never answers.
    };
    assert.deepEqual(await w.round({ timeoutMs: 300 }), { succeeded: 0, retrying: 1, failed: 0 });
    let [row] = await w.deliveriesOf(id);
    assert.equal(row?.last_status, null);
    assert.match(row?.last_error ?? "", /no answer within 0\.3 s/);
    rx.answer = (_req, res) => res.end("ok");
    t.advance(2 * 60_000);
    assert.deepEqual(await w.round({ timeoutMs: 300 }), { succeeded: 1, retrying: 0, failed: 0 });
    [row] = await w.deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
    assert.equal(rx.received.length, 2);
    assert.equal(rx.received[0]?.body, rx.received[1]?.body);
  });

  it("does not follow a redirect: a 3xx is a failure", async () => {
    const id = await w.endpoint(rx.url);
    await w.queue();
    rx.answer = (_req, res) => {
      res.writeHead(307, { location: "/elsewhere" });
      res.end();
    };
    assert.deepEqual(await w.round(), { succeeded: 0, retrying: 1, failed: 0 });
    assert.deepEqual(
      rx.received.map((r) => r.url),
      ["/hooks"],
    );
    const [row] = await w.deliveriesOf(id);
    assert.equal(row?.last_status, 307);
    assert.match(row?.last_error ?? "", /redirects are not followed/);
  });

  it("sends the Slack format unsigned", async () => {
    const id = await w.endpoint(rx.url, "slack");
    const submitted = await submitTicket(t, team.ws.slug, {
      subject: "Printer <on> fire & smoke @all [reset](https://evil.test)",
    });
    assert.deepEqual(await w.round(), { succeeded: 1, retrying: 0, failed: 0 });
    const [got] = rx.received as [Received];
    assert.equal(got.headers["portico-signature"], undefined);
    assert.equal(got.headers["portico-event"], "ticket.created");
    const body = JSON.parse(got.body) as {
      text: string;
      blocks: { type: string; text?: { text: string } }[];
    };
    assert.equal(
      body.text,
      `A request is opened: ${submitted.reference} Printer &lt;on&gt; fire &amp; smoke @\u200ball [reset]\u200b(https://evil.test) [${team.ws.name}]`,
    );
    assert.equal(body.blocks[0]?.type, "section");
    assert.match(
      body.blocks[0]?.text?.text ?? "",
      new RegExp(
        `<https://help\\.example\\.com/app/tickets/${submitted.reference}\\|${submitted.reference}> Printer &lt;on&gt; fire &amp; smoke @\u200ball`,
      ),
    );
    const [row] = await w.deliveriesOf(id);
    assert.equal(row?.state, "succeeded");
  });

  it("documents the verification snippet in the README word for word", () => {
    const readme = fs.readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    assert.ok(readme.includes(SNIPPET), "README's snippet differs from the one tested here");
  });
});

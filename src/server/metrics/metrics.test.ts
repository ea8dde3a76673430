import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../ids.ts";
import { makeWorkspace, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { listenForMetrics, UNMATCHED_ROUTE } from "./metrics.ts";

// GET /metrics: Prometheus's text, behind METRICS_TOKEN on the main port or on a private port of
// its own; requests by route pattern (never the URL), the outbox, jobs and inbound backlogs.

const TOKEN = "metrics-token-for-tests-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };

/** One sample's value from the exposition text, by its name and exact label set (as printed). */
function sample(text: string, name: string, labels = ""): number | undefined {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/** Every series of a metric: the label sets as printed. */
function seriesOf(text: string, name: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => l.slice(name.length + 1, l.indexOf("}")));
}

describe("metrics behind a token", () => {
  let t: TestEnv;
  before(async () => {
    t = await testEnv({ METRICS_TOKEN: TOKEN });
  });
  after(() => t.close());

  const scrape = async () => {
    const res = await t.app.inject({ method: "GET", url: "/metrics", headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.headers["content-type"] as string, /^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  test("without the token, or with a wrong one, /metrics is a 404 like any unknown address", async () => {
    for (const headers of [
      {},
      { authorization: "Bearer wrong" },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
    ]) {
      const res = await t.app.inject({ method: "GET", url: "/metrics", headers });
      assert.equal(res.statusCode, 404, JSON.stringify(headers));
      assert.doesNotMatch(res.body, /portico_/);
    }
  });

  test("requests are counted by route pattern and status; a hundred ticket addresses are one series", async () => {
    const ws = await makeWorkspace(t);
    const s = await submitTicket(t, ws.slug);
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.app.inject({ method: "GET", url: trackUrl(ws.slug, s) })).statusCode, 200);
    }
    for (let i = 0; i < 100; i++) {
      const res = await t.app.inject({
        method: "GET",
        url: `/api/public/portals/${ws.slug}/tickets/TKT-${9000 + i}?t=nope${i}`,
      });
      assert.equal(res.statusCode, 404);
    }
    const unmatchedLabels = `method="GET",route="${UNMATCHED_ROUTE}",status="404"`;
    const name = "portico_http_request_duration_seconds_count";
    // The refused scrapes of the test before count there too: they are 404s like any other.
    const before = sample(await scrape(), name, unmatchedLabels) ?? 0;
    await t.app.inject({ method: "GET", url: "/no/such/place/at/all" });
    await t.app.inject({ method: "GET", url: "/no/such/place/either?x=1" });

    const text = await scrape();
    const route = "/api/public/portals/:slug/tickets/:reference";
    const series = seriesOf(text, name);
    assert.ok(series.length > 0, "request series present");
    assert.equal(sample(text, name, `method="GET",route="${route}",status="200"`), 3);
    assert.equal(sample(text, name, `method="GET",route="${route}",status="404"`), 100);
    // Neither a ticket number nor a token ever becomes a label.
    assert.ok(!series.some((l) => /TKT-9|nope|such/.test(l)), series.join("\n"));
    assert.equal(
      sample(text, name, `method="POST",route="/api/public/portals/:slug/tickets",status="201"`),
      1,
    );
    const unmatched = series.filter((l) => l.includes(`route="${UNMATCHED_ROUTE}"`));
    assert.deepEqual(unmatched, [unmatchedLabels]);
    assert.equal(sample(text, name, unmatchedLabels), before + 2);
    // The histogram's buckets and sum are there too, and Node's own metrics.
    assert.ok(
      sample(
        text,
        "portico_http_request_duration_seconds_bucket",
        `le="+Inf",method="GET",route="${route}",status="200"`,
      ) === 3,
    );
    assert.ok((sample(text, "process_resident_memory_bytes") ?? 0) > 0);
    assert.ok(sample(text, "nodejs_eventloop_lag_seconds") !== undefined);
  });

  test("the outbox backlog is the rows due, and the oldest due one's age", async () => {
    const ws = await makeWorkspace(t);
    for (let i = 0; i < 3; i++) await submitTicket(t, ws.slug, { email: `m${i}@customer.test` });
    // An email due later than now is pending but not due.
    await t.ctx.database.db
      .updateTable("outbox_emails")
      .set({ next_attempt_at: new Date(Date.now() + 3_600_000 * 24 * 365).toISOString() })
      .where("id", "=", (eb) =>
        eb.selectFrom("outbox_emails").select("id").where("workspace_id", "=", ws.id).limit(1),
      )
      .execute();
    t.advance(120_000);
    const now = t.ctx.now().toISOString();
    const count = async (due: boolean) => {
      let q = t.ctx.database.db.selectFrom("outbox_emails").where("status", "=", "pending");
      if (due) q = q.where("next_attempt_at", "<=", now);
      const r = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      return Number(r.n);
    };
    const [pending, due] = [await count(false), await count(true)];
    assert.ok(due >= 2 && pending === due + 1, `pending ${pending}, due ${due}`);
    const text = await scrape();
    assert.equal(sample(text, "portico_database_read_ok"), 1);
    assert.equal(sample(text, "portico_outbox_due_emails"), due);
    assert.equal(sample(text, "portico_outbox_pending_emails"), pending);
    // No webhooks in this workspace: the deliveries' gauges read, and read nothing.
    assert.equal(sample(text, "portico_webhook_pending_deliveries"), 0);
    assert.equal(sample(text, "portico_webhook_due_deliveries"), 0);
    const age = sample(text, "portico_outbox_oldest_due_age_seconds") ?? -1;
    assert.ok(age >= 119 && age < 3600, `age ${age}`);
    t.advance(-120_000);
  });

  test("scheduled jobs due, running and failed; incoming mail stored but not processed", async () => {
    const ws = await makeWorkspace(t);
    const now = t.ctx.now();
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const job = (status: "pending" | "failed", runAt: string, lockedUntil: string | null) => ({
      id: newId(),
      workspace_id: ws.id,
      kind: "test_kind",
      key: newId(),
      payload: "{}",
      run_at: runAt,
      status,
      attempts: 0,
      locked_until: lockedUntil,
      locked_by: lockedUntil ? "worker" : null,
      last_error: null,
      finished_at: null,
      created_at: at(-60_000),
    });
    await t.ctx.database.db
      .insertInto("scheduled_jobs")
      .values([
        job("pending", at(-1000), null),
        job("pending", at(-2000), null),
        // A lease that ran out: due again.
        job("pending", at(-3000), at(-1000)),
        job("pending", at(-1000), at(60_000)),
        job("pending", at(3_600_000), null),
        job("failed", at(-5000), null),
      ])
      .execute();
    const inbound = (status: "received" | "processed") => ({
      id: newId(),
      workspace_id: ws.id,
      message_id: newId(),
      storage_key: newId(),
      size_bytes: 10,
      via: "smtp" as const,
      envelope_from: null,
      client_ip: null,
      client_helo: null,
      sender_check: null,
      recipients: "[]",
      from_address: null,
      subject: null,
      status,
      outcome: null,
      ticket_id: null,
      comment_id: null,
      error: null,
      attempts: 0,
      received_at: at(-1000),
      processed_at: null,
    });
    await t.ctx.database.db
      .insertInto("inbound_emails")
      .values([inbound("received"), inbound("received"), inbound("processed")])
      .execute();
    const text = await scrape();
    assert.equal(sample(text, "portico_scheduled_jobs", `state="due"`), 3);
    assert.equal(sample(text, "portico_scheduled_jobs", `state="running"`), 1);
    assert.equal(sample(text, "portico_scheduled_jobs", `state="failed"`), 1);
    assert.equal(sample(text, "portico_inbound_unprocessed_emails"), 2);
  });

  test("the database's own numbers: the PostgreSQL pool, or SQLite's group commit", async () => {
    const text = await scrape();
    if (t.ctx.database.dialect === "postgres") {
      assert.ok((sample(text, "portico_db_pool_connections", `state="total"`) ?? 0) >= 1);
      assert.notEqual(sample(text, "portico_db_pool_connections", `state="waiting"`), undefined);
    } else {
      // The checkpointer's thread and its heap.
      assert.ok((sample(text, "portico_thread_heap_bytes", `thread="checkpointer",kind="used"`) ?? 0) > 0);
      const tx = sample(text, "portico_sqlite_transactions_total") ?? 0;
      const commits = sample(text, "portico_sqlite_commits_total") ?? 0;
      assert.ok(tx >= 1 && commits >= 1 && commits <= tx, `${tx} transactions, ${commits} commits`);
    }
  });
});

describe("metrics on a private port of their own", () => {
  let t: TestEnv;
  before(async () => {
    t = await testEnv({ METRICS_PORT: "0" });
  });
  after(() => t.close());

  test("the main port has no /metrics; the private listener answers without a token", async () => {
    assert.equal((await t.app.inject({ method: "GET", url: "/metrics" })).statusCode, 404);
    const metrics = t.app.metrics;
    assert.ok(metrics);
    const listener = await listenForMetrics(metrics, "127.0.0.1", 0);
    try {
      const res = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(
        text,
        /portico_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/,
      );
      assert.equal((await fetch(`http://127.0.0.1:${listener.port}/other`)).status, 404);
    } finally {
      await listener.close();
    }
  });
});

test("without METRICS_TOKEN or METRICS_PORT there are no metrics", async () => {
  const t = await testEnv();
  try {
    assert.equal(t.app.metrics, null);
    const res = await t.app.inject({ method: "GET", url: "/metrics", headers: auth });
    assert.equal(res.statusCode, 404);
  } finally {
    await t.close();
  }
});

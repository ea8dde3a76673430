import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { Gauge, Registry } from "prom-client";
import { systemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { inboundBacklog } from "../email/inbound.store.ts";
import { outboxBacklog } from "../email/outbox.access.ts";
import { jobQueueCounts } from "../jobs/job-runner.ts";
import { webhookBacklog } from "../webhooks/webhook.access.ts";
import { threadHeaps } from "./threads.ts";

// Prometheus metrics (GET /metrics). Requests are counted and timed by route pattern, never by
// URL, so a tracking token or a ticket number never becomes a label and the series stay few: one
// histogram observation per request. Everything else is read when Prometheus scrapes (a collect
// callback), through the entities' access functions as the system: the outbox's and the inbound
// store's backlogs, the scheduled jobs, the database's connections, plus Node's process metrics.

/** The route label of a request that matched no route (a 404 from the not-found handler). */
export const UNMATCHED_ROUTE = "unmatched";

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the database says at one scrape; null when it could not be read. */
interface Snapshot {
  outbox: { pending: number; due: number; oldestDueAt: string | null };
  jobs: { due: number; running: number; failed: number };
  inboundUnprocessed: number;
  webhooks: { pending: number; due: number };
}

export interface Metrics {
  registry: Registry;
  /** The onResponse hook: one histogram observation. */
  onResponse(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export async function createMetrics(ctx: AppContext): Promise<Metrics> {
  // prom-client (and the OpenTelemetry API it loads) only when metrics are asked for.
  const prom = await import("prom-client");
  const { Counter, collectDefaultMetrics, Histogram } = prom;
  const registry = new prom.Registry();
  collectDefaultMetrics({ register: registry });
  const actor = systemActor("metrics");

  const requests = new Histogram({
    name: "portico_http_request_duration_seconds",
    help: "HTTP requests by method, route pattern and status: their time until the answer was sent",
    labelNames: ["method", "route", "status"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });

  // One read of the database per scrape, shared by the gauges below: the registry collects them
  // all at once, so each collect joins the read in flight.
  let current: Promise<Snapshot | null> | null = null;
  const snapshot = (): Promise<Snapshot | null> => {
    current ??= readSnapshot(ctx, actor).finally(() => {
      current = null;
    });
    return current;
  };
  const fromDatabase = (
    name: string,
    help: string,
    set: (g: Gauge<string>, s: Snapshot) => void,
    labelNames: string[] = [],
  ) =>
    new prom.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        if (s) set(this, s);
      },
    });

  new prom.Gauge({
    name: "portico_database_read_ok",
    help: "1 when this scrape could read the database's counts (the gauges below are then present), else 0",
    registers: [registry],
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  fromDatabase("portico_outbox_pending_emails", "Outbox emails waiting to be sent, due or later", (g, s) =>
    g.set(s.outbox.pending),
  );
  fromDatabase("portico_outbox_due_emails", "Outbox emails due now and not yet sent", (g, s) =>
    g.set(s.outbox.due),
  );
  fromDatabase(
    "portico_webhook_pending_deliveries",
    "Webhook deliveries waiting to be sent, due or later",
    (g, s) => g.set(s.webhooks.pending),
  );
  fromDatabase("portico_webhook_due_deliveries", "Webhook deliveries due now and not yet sent", (g, s) =>
    g.set(s.webhooks.due),
  );
  fromDatabase(
    "portico_outbox_oldest_due_age_seconds",
    "How long the earliest due outbox email has been due (0 when none is)",
    (g, s) =>
      g.set(
        s.outbox.oldestDueAt
          ? Math.max(0, (ctx.now().getTime() - Date.parse(s.outbox.oldestDueAt)) / 1000)
          : 0,
      ),
  );
  fromDatabase(
    "portico_scheduled_jobs",
    "Scheduled jobs by state: due (waiting for a runner), running (claimed), failed (given up)",
    (g, s) => {
      g.set({ state: "due" }, s.jobs.due);
      g.set({ state: "running" }, s.jobs.running);
      g.set({ state: "failed" }, s.jobs.failed);
    },
    ["state"],
  );
  fromDatabase("portico_inbound_unprocessed_emails", "Incoming emails stored but not yet processed", (g, s) =>
    g.set(s.inboundUnprocessed),
  );

  new prom.Gauge({
    name: "portico_array_buffers_bytes",
    help: "Memory of this process's ArrayBuffers and Buffers (part of nodejs_external_memory_bytes)",
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().arrayBuffers);
    },
  });

  new prom.Gauge({
    name: "portico_thread_heap_bytes",
    help: "V8 heap of each worker thread running now (checkpointer, mail): used and reserved bytes",
    labelNames: ["thread", "kind"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of await threadHeaps()) {
        this.set({ thread: t.name, kind: "used" }, t.used);
        this.set({ thread: t.name, kind: "total" }, t.total);
      }
    },
  });

  const { poolStats, groupCommit } = ctx.database;
  if (poolStats) {
    new prom.Gauge({
      name: "portico_db_pool_connections",
      help: "PostgreSQL pool of this process: total and idle connections, and queries waiting for one",
      labelNames: ["state"] as const,
      registers: [registry],
      collect() {
        const p = poolStats();
        this.set({ state: "total" }, p.total);
        this.set({ state: "idle" }, p.idle);
        this.set({ state: "waiting" }, p.waiting);
      },
    });
  }
  if (groupCommit) {
    // Both only grow; their ratio is how many transactions shared each fsync.
    const counter = (name: string, help: string, value: () => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    counter(
      "portico_sqlite_transactions_total",
      "SQLite transactions committed",
      () => groupCommit.transactions,
    );
    counter(
      "portico_sqlite_commits_total",
      "SQLite COMMITs (each one fsync) that carried those transactions",
      () => groupCommit.commits,
    );
  }

  return {
    registry,
    onResponse(req, reply, done) {
      requests.observe(
        { method: req.method, route: req.routeOptions.url ?? UNMATCHED_ROUTE, status: reply.statusCode },
        reply.elapsedTime / 1000,
      );
      done();
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

async function readSnapshot(
  ctx: AppContext,
  actor: ReturnType<typeof systemActor>,
): Promise<Snapshot | null> {
  const db = ctx.database.db;
  const now = ctx.now().toISOString();
  try {
    const [outbox, jobs, inboundUnprocessed, webhooks] = await Promise.all([
      outboxBacklog(db, actor, now),
      jobQueueCounts(db, actor, now),
      inboundBacklog(db, actor),
      webhookBacklog(db, actor, now),
    ]);
    return { outbox, jobs, inboundUnprocessed, webhooks };
  } catch (err) {
    ctx.log.warn({ err }, "metrics: the database's counts could not be read");
    return null;
  }
}

/** Whether an Authorization header carries the bearer token, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  // Digests of both: equal lengths whatever was sent, so the comparison leaks nothing.
  const given = createHash("sha256").update(header.slice(7)).digest();
  const expected = createHash("sha256").update(token).digest();
  return timingSafeEqual(given, expected);
}

/**
 * A listener of its own for /metrics (METRICS_PORT), without a token: bound to a private address
 * (METRICS_HOST, default 127.0.0.1) that only the scraper reaches. Answers the closer.
 */
export async function listenForMetrics(
  metrics: Metrics,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed\n"),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

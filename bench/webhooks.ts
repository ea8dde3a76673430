import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type autocannon from "autocannon";
import { systemActor } from "../src/server/actors.ts";
import { loadConfig } from "../src/server/config.ts";
import { createScratchDatabase } from "../src/server/db/scratch.ts";
import { newId } from "../src/server/ids.ts";
import { sealSecret } from "../src/server/lib/sealed-secret.ts";
import { closeContext, createContext } from "../src/server/main.ts";
import {
  deliveriesVisibleTo,
  endpointsWritableBy,
  insertEndpoint,
} from "../src/server/webhooks/webhook.access.ts";
import { queueWebhookEvent } from "../src/server/webhooks/webhook-events.ts";
import { createWorkspaceWithAdmin } from "../src/server/workspaces/workspace.service.ts";
import { sleep, startChild } from "./lib/children.ts";
import { costMeter } from "./lib/cost.ts";
import { fmtInt, fmtMs, section } from "./lib/format.ts";
import { type Measured, runLoad, settle, summarize } from "./lib/load.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsPath, writeResults } from "./lib/results.ts";
import { startFlags } from "./scenarios/memory.ts";

// npm run bench or node bench/webhooks.ts: what webhooks cost the requests that cause them.
// Submissions through the public JSON API are measured in alternating rounds: without webhooks
// (the three endpoints paused), then with three endpoints subscribed to ticket.created (local
// receivers answering 204) while 1,000 more events queued just before (3,000 deliveries) and each
// submission's own three go out. See README.md.

const { values: args } = parseArgs({
  options: { "no-save": { type: "boolean" }, help: { type: "boolean", short: "h" } },
});
if (args.help) {
  console.log(`Usage: node bench/webhooks.ts [--no-save]
Starts Portico and three local webhook receivers; measures submissions (POST
/api/public/portals/bench/tickets, BENCH_CONNECTIONS 50, BENCH_WARMUP 2 s, BENCH_DURATION 10 s)
without webhooks, then with three endpoints subscribed while BENCH_WEBHOOK_EVENTS (1000) queued
events are delivered, in BENCH_ROUNDS (3) alternating rounds; prints both rates, the difference in
percent, and the delivery throughput.
DATABASE_URL=postgres://… runs on PostgreSQL. Results: bench/results/webhooks-<engine>-latest.json.`);
  process.exit(0);
}

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0`);
  return v;
};
const settings = {
  events: Math.round(num("BENCH_WEBHOOK_EVENTS", 1000)),
  connections: Math.max(1, Math.round(num("BENCH_CONNECTIONS", 50))),
  warmup: num("BENCH_WARMUP", 2),
  duration: Math.max(1, num("BENCH_DURATION", 10)),
  rounds: Math.max(1, Math.round(num("BENCH_ROUNDS", 3))),
};
const engine = process.env.DATABASE_URL ? "postgres" : "sqlite";
const SLUG = "bench";
const actor = systemActor("bench");

/** A receiver that answers 204 at once and counts what it got. */
async function receiver() {
  const got = { count: 0, last: 0, ids: new Set<string>() };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      got.count++;
      got.ids.add(String(req.headers["portico-delivery"]));
      got.last = performance.now();
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { got, url, close: () => new Promise((r) => server.close(r)) };
}

function submissions(tag: string): autocannon.Request[] {
  let seq = 0;
  return [
    {
      method: "POST",
      path: `/api/public/portals/${SLUG}/tickets`,
      setupRequest: (req) => {
        const i = ++seq;
        return {
          ...req,
          headers: { ...req.headers, "content-type": "application/json" },
          body: JSON.stringify({
            name: `Bench Customer ${i}`,
            email: `bench-${tag}-${i}@customer${i % 89}.test`,
            subject: `The printer does not print (${tag} ${i})`,
            description: `Nothing comes out since this morning. Reference ${tag}-${i}.`,
          }),
        };
      },
    },
  ];
}

async function main(): Promise<number> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    while (cleanups.length)
      await cleanups
        .pop()?.()
        .catch((e) => console.error(`cleanup: ${e}`));
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  let failed = false;
  try {
    const machine = machineInfo();
    console.log(`Webhooks benchmark: ${engine}, ${new Date().toISOString()}`);
    console.log(
      `settings: ${settings.events} events × 3 endpoints, ${settings.duration} s per measurement after ${settings.warmup} s warm-up, ${settings.connections} connections; load average ${machine.loadAverageAtStart[0]}`,
    );
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-bench-webhooks-"));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    if (process.env.DATABASE_URL) {
      const created = await createScratchDatabase(process.env.DATABASE_URL, "portico_bench");
      cleanups.push(created.drop);
      databaseUrl = created.url;
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      SUBMIT_RATE_LIMIT_PER_HOUR: "1000000000",
      UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "1000000000",
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "127.0.0.1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    };
    const config = loadConfig(env);
    const ctx = await createContext(config);
    cleanups.push(() => closeContext(ctx));
    const { workspace } = await createWorkspaceWithAdmin(ctx, systemActor("cli"), {
      slug: SLUG,
      name: "Bench Support",
      admin: { email: "admin@bench.test", name: "Ada Admin", role: "admin", password: "bench-password-0123" },
    });
    const receivers = await Promise.all([receiver(), receiver(), receiver()]);
    for (const r of receivers) cleanups.push(r.close);
    const received = () => receivers.reduce((n, r) => n + r.got.count, 0);
    const pending = async () => {
      const row = await deliveriesVisibleTo(ctx.database.db, actor)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("state", "=", "pending")
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    const portico = await startChild("portico", [...startFlags(), "bin/portico.js", "serve"], env, "/readyz");
    cleanups.push(portico.stop);
    let receivedAtLoadEnd = 0;
    // One measurement: its raw answers (for the rounds' summary) and the process's cost.
    const load = async (tag: string, seconds: number) => {
      const cost = costMeter(portico.proc.pid);
      const raw = await runLoad({
        url: portico.base,
        connections: settings.connections,
        duration: seconds,
        requests: submissions(tag),
      });
      const spent = cost(raw.ok);
      receivedAtLoadEnd = received();
      await settle(portico.base);
      if (raw.non2xx || raw.errors) failed = true;
      return { raw, spent };
    };
    const line = (label: string, m: Measured) =>
      console.log(
        `  ${label.padEnd(44)} ${fmtInt(m.rps).padStart(6)} req/s, p50 ${fmtMs(m.p50)} ms, p99 ${fmtMs(m.p99)} ms (${fmtInt(m.ok)} in ${m.seconds.toFixed(1)} s${m.non2xx || m.errors ? `, ${m.non2xx} non-2xx, ${m.errors} errors: INVALID` : ""})`,
      );

    // The three endpoints exist from the start, paused (nothing queued for them) in the rounds
    // without webhooks and active in the rounds with them: the rounds alternate, so the machine's
    // drift and the process's warming up fall on both alike.
    const at = new Date().toISOString();
    const endpointIds: string[] = [];
    for (const [i, r] of receivers.entries()) {
      const id = newId();
      endpointIds.push(id);
      await insertEndpoint(ctx.database.db, {
        id,
        workspace_id: workspace.id,
        name: `Receiver ${i + 1}`,
        url: r.url,
        format: "json",
        events: JSON.stringify(["ticket.created"]),
        secret_sealed: sealSecret(ctx.files.key.key, `whsec_bench_${i}`),
        state: "paused",
        created_at: at,
        updated_at: at,
      }).execute();
    }
    const setState = (state: "active" | "paused") =>
      endpointsWritableBy(ctx.database.db, actor).set({ state }).where("id", "in", endpointIds).execute();

    if (settings.warmup > 0) await load("warm", settings.warmup);
    const withoutRuns: Awaited<ReturnType<typeof load>>[] = [];
    const withRuns: Awaited<ReturnType<typeof load>>[] = [];
    let queuedMs = 0;
    let backlog = 0;
    let duringLoad = 0;
    const receivedBefore = received();
    const started = performance.now();
    for (let round = 1; round <= settings.rounds; round++) {
      section(`Round ${round} of ${settings.rounds}`);
      await setState("paused");
      const a = await load(`a${round}`, settings.duration);
      withoutRuns.push(a);
      line("submissions, no webhooks", { ...summarize([a.raw]), ...a.spent });

      await setState("active");
      // The backlog: 1,000 events, each queued in a transaction like a change's, 50 at a time.
      const queuedAt = performance.now();
      for (let i = 0; i < settings.events; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, settings.events - i) }, () =>
            ctx.database.db.transaction().execute((tx) =>
              queueWebhookEvent(ctx.database, tx, {
                workspaceId: workspace.id,
                event: "ticket.created",
                data: { type: "created", bench: true },
                at: new Date().toISOString(),
              }),
            ),
          ),
        );
      }
      queuedMs += performance.now() - queuedAt;
      backlog = Math.max(backlog, await pending());
      const before = received();
      const b = await load(`b${round}`, settings.duration);
      duringLoad += receivedAtLoadEnd - before;
      withRuns.push(b);
      line("submissions, 3 endpoints + backlog", { ...summarize([b.raw]), ...b.spent });
    }
    await setState("active");
    const of = (runs: typeof withRuns): Measured => ({
      ...summarize(runs.map((r) => r.raw)),
      ...(runs[runs.length - 1]?.spent as Measured),
    });
    const without = of(withoutRuns);
    const withHooks = of(withRuns);
    section("All rounds");
    line("submissions, no webhooks", without);
    line("submissions, 3 endpoints + backlog", withHooks);
    let left = await pending();
    while (left > 0 && performance.now() - started < 300_000) {
      await sleep(200);
      left = await pending();
    }
    const lastAt = Math.max(...receivers.map((r) => r.got.last));
    const total = received() - receivedBefore;
    const drainSeconds = (lastAt - started) / 1000;
    const duplicates = receivers.reduce((n, r) => n + r.got.count - r.got.ids.size, 0);
    const percent = Math.round((withHooks.rps / without.rps) * 1000) / 10;
    const delivery = {
      backlogQueued: backlog,
      queueMs: Math.round(queuedMs),
      deliveredDuringLoad: duringLoad,
      deliveredTotal: total,
      leftPending: left,
      secondsToDeliverAll: Math.round(drainSeconds * 10) / 10,
      perSecond: Math.round(total / drainSeconds),
      perSecondDuringLoad: Math.round(duringLoad / withHooks.seconds),
      sentTwice: duplicates,
    };
    if (left > 0) failed = true;

    section("Result");
    console.log(
      `  with webhooks: ${fmtInt(withHooks.rps)} submissions/s, ${percent}% of ${fmtInt(without.rps)} without (${(percent - 100).toFixed(1)}%)`,
    );
    console.log(
      `  deliveries: up to ${fmtInt(backlog)} waiting before a round (${fmtInt(queuedMs)} ms to queue), ${fmtInt(duringLoad)} sent during it (${fmtInt(delivery.perSecondDuringLoad)}/s), ${fmtInt(total)} in all in ${drainSeconds.toFixed(1)} s (${fmtInt(delivery.perSecond)}/s), ${fmtInt(left)} left, ${fmtInt(duplicates)} received twice`,
    );
    if (!args["no-save"]) {
      writeResults(resultsPath(`webhooks-${engine}`), {
        engine,
        date: new Date().toISOString(),
        machine,
        settings,
        measured: [
          { key: "submit_no_webhooks", label: "submissions, no webhooks", m: without },
          { key: "submit_webhooks", label: "submissions, 3 endpoints + backlog", m: withHooks },
        ],
        percentOfWithout: percent,
        delivery,
      });
    }
    return failed ? 1 : 0;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();

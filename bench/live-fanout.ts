import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildApp } from "../src/server/app.ts";
import type { AppContext } from "../src/server/context.ts";
import { openRedisLiveBus } from "../src/server/live/redis-bus.ts";
import { makeAgent, makeWorkspace, signIn, submitTicket } from "../src/server/test/factories.ts";
import { testEnv } from "../src/server/test/harness.ts";
import { resultsPath, writeResults } from "./lib/results.ts";

// node bench/live-fanout.ts: how long a ticket change takes to reach every connected agent over
// the live stream (GET /api/workspace/live, server-sent events). See bench/README.md.

const { values: args } = parseArgs({
  options: { "no-save": { type: "boolean" }, help: { type: "boolean", short: "h" } },
});
if (args.help) {
  console.log(`Usage: node bench/live-fanout.ts [--no-save]
Signs in BENCH_LIVE_AGENTS (200) agents of one workspace, opens one event stream each over its own
loopback connection, then changes a ticket's priority BENCH_LIVE_ROUNDS (30) times, one after
another through PATCH /api/workspace/tickets/:ref, and times each change from the request's start
to the moment each agent's stream delivered it: p50 and p99 over every agent of every round, and
the slowest agent per round. With DATABASE_URL and REDIS_URL a second server (its own Fastify app
and Redis live bus on the same database, in this process) takes half of the streams, so half of
the deliveries cross Redis. Target: the last agent within 1 s. Results:
bench/results/live-fanout-<engine>-latest.json.`);
  process.exit(0);
}
const AGENTS = Number(process.env.BENCH_LIVE_AGENTS ?? 200);
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 30);
const TARGET_LAST_MS = 1000;
const twoServers = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const engine = twoServers ? "postgres-redis" : process.env.DATABASE_URL ? "postgres" : "sqlite";

const t = await testEnv({ LOG_LEVEL: "silent" });
await t.app.listen({ port: 0, host: "127.0.0.1" });
const ports = [(t.app.server.address() as AddressInfo).port];
let second: Awaited<ReturnType<typeof buildApp>> | undefined;
let secondBus: AppContext["live"] | undefined;
if (twoServers) {
  // The harness's bus channel, so the two servers share their events as two processes would.
  const ctx2: AppContext = {
    ...t.ctx,
    live: await openRedisLiveBus(process.env.REDIS_URL as string, {
      channel: `portico:test:${path.basename(t.ctx.config.dataDir)}:live`,
    }),
  };
  secondBus = ctx2.live;
  second = await buildApp(ctx2);
  await second.listen({ port: 0, host: "127.0.0.1" });
  ports.push((second.server.address() as AddressInfo).port);
}

const ws = await makeWorkspace(t);
const admin = await makeAgent(t, ws.id, { role: "admin", name: "Bench Admin" });
const adminSession = await signIn(t, ws.slug, admin.email);
const ticket = await submitTicket(t, ws.slug, { subject: "Fan-out" });
console.log(`signing in ${AGENTS} agents …`);
const cookies: string[] = [];
for (let i = 0; i < AGENTS; i++) {
  const a = await makeAgent(t, ws.id, { name: `Agent ${i}` });
  cookies.push((await signIn(t, ws.slug, a.email)).cookie);
}

/** Per stream: the arrival times of its "ticket" events, in order. */
const arrivals: number[][] = cookies.map(() => []);
const requests: http.ClientRequest[] = [];
await Promise.all(
  cookies.map(
    (cookie, i) =>
      new Promise<void>((resolve, reject) => {
        const req = http.get(
          {
            host: "127.0.0.1",
            port: ports[i % ports.length],
            path: "/api/workspace/live",
            headers: { cookie },
            agent: false,
          },
          (res) => {
            if (res.statusCode !== 200) return reject(new Error(`stream ${i}: ${res.statusCode}`));
            res.setEncoding("utf8");
            let buf = "";
            res.on("data", (chunk: string) => {
              buf += chunk;
              let cut = buf.indexOf("\n\n");
              while (cut >= 0) {
                if (buf.slice(0, cut).includes('"topic":"ticket"')) arrivals[i]?.push(performance.now());
                buf = buf.slice(cut + 2);
                cut = buf.indexOf("\n\n");
              }
            });
            resolve();
          },
        );
        req.on("error", reject);
        requests.push(req);
      }),
  ),
);
console.log(`${AGENTS} streams open on ${ports.length} server(s); ${ROUNDS} changes …`);

const all: number[] = [];
const lastPerRound: number[] = [];
const priorities = ["high", "low"];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  const res = await t.app.inject({
    method: "PATCH",
    url: `/api/workspace/tickets/${ticket.reference}`,
    headers: adminSession.headers,
    payload: { priority: priorities[round % 2] },
  });
  if (res.statusCode !== 200) throw new Error(`PATCH: ${res.statusCode} ${res.body}`);
  // Wait until every stream has this round's event (or 5 s).
  const deadline = started + 5000;
  while (arrivals.some((a) => a.length <= round) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2));
  }
  const times = arrivals.map((a) => (a[round] ?? Number.POSITIVE_INFINITY) - started);
  all.push(...times);
  lastPerRound.push(Math.max(...times));
}

const sorted = [...all].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
const result = {
  engine,
  servers: ports.length,
  agents: AGENTS,
  rounds: ROUNDS,
  p50Ms: Number(q(0.5).toFixed(1)),
  p99Ms: Number(q(0.99).toFixed(1)),
  lastAgentP50Ms: Number([...lastPerRound].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]?.toFixed(1)),
  lastAgentMaxMs: Number(Math.max(...lastPerRound).toFixed(1)),
  targetLastMs: TARGET_LAST_MS,
};
const ok = result.lastAgentMaxMs <= TARGET_LAST_MS;
console.table(result);
console.log(ok ? "target met: every agent within 1 s" : "TARGET MISSED: an agent waited over 1 s");

for (const r of requests) r.destroy();
await second?.close();
await secondBus?.close();
await t.close();
if (!args["no-save"]) {
  writeResults(resultsPath(`live-fanout-${engine}`), result);
  console.log(`saved to ${resultsPath(`live-fanout-${engine}`)}`);
}
if (!ok) process.exitCode = 1;

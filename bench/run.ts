import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase } from "../src/server/db/scratch.ts";
import { startChild } from "./lib/children.ts";
import { fmtInt, section } from "./lib/format.ts";
import { expectStatus, request } from "./lib/http.ts";
import type { Recorder } from "./lib/load.ts";
import { machineInfo } from "./lib/machine.ts";
import { ROOT } from "./lib/paths.ts";
import { printComparison, readPrevious, resultsPath, writeResults } from "./lib/results.ts";
import { ADMIN_EMAIL, ADMIN_PASSWORD, SLUG, setupAndSeed } from "./lib/seed.ts";
import { seedAnalytics } from "./lib/seed-analytics.ts";
import { readSettings, type Scenario, type Settings, UsageError } from "./lib/settings.ts";
import type { Stage } from "./lib/stage.ts";
import { SEARCH_TERM } from "./lib/words.ts";
import { metricsOf, printMeasurements, printTargets, resultsJson, targetsOf } from "./report.ts";
import { checkAnalytics, measureAnalytics } from "./scenarios/analytics.ts";
import { measureFormSubmissions } from "./scenarios/form-submissions.ts";
import { measureMemory, startFlags } from "./scenarios/memory.ts";
import { checkWorkHome, measureWorkHome } from "./scenarios/portal-home-work.ts";
import { checkQueuePages, measureQueue } from "./scenarios/queue.ts";
import { checkPortalPages, measureSignedInPortal } from "./scenarios/signed-in-portal.ts";
import { measureSubmissions } from "./scenarios/submissions.ts";
import { measurePortal, printPortal } from "./scenarios/submit-page.ts";
import { measureBare, measureTracking, prepareTrackedTicket } from "./scenarios/tracking.ts";

// npm run bench: Portico's speed on loopback, next to a bare node:http server measured in the
// same run. See bench/README.md for what is measured and how to read it. The runner: it seeds,
// starts Portico, runs the scenarios (bench/scenarios/) in order, prints the tables and saves.

/** The environment Portico runs with; DATABASE_URL is the scratch database's. */
function serverEnv(settings: Settings, dataDir: string, databaseUrl: string | undefined) {
  return {
    PATH: process.env.PATH ?? "",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    SUBMIT_RATE_LIMIT_PER_HOUR: "1000000000",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(settings.redisUrl ? { REDIS_URL: settings.redisUrl } : {}),
    ...(process.env.MAIL_WORKER ? { MAIL_WORKER: process.env.MAIL_WORKER } : {}),
    ...(process.env.SQLITE_CACHE_MB ? { SQLITE_CACHE_MB: process.env.SQLITE_CACHE_MB } : {}),
    ...(process.env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE } : {}),
    ...(process.env.CACHE_MEMORY_MB ? { CACHE_MEMORY_MB: process.env.CACHE_MEMORY_MB } : {}),
    ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
    // Measures with the metrics' per-request observation on (/metrics behind a token).
    ...(process.env.BENCH_METRICS === "true" ? { METRICS_TOKEN: "bench-metrics-token-0123456789" } : {}),
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
  };
}

/** Signs in as the seeded admin: the session cookie, and the headers an agent's write needs. */
async function signIn(base: string) {
  const answer = await expectStatus(
    "sign-in",
    request(base, "POST", "/api/auth/sign-in", {
      body: { workspace: SLUG, email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    }),
    200,
  );
  const setCookie = answer.headers.getSetCookie().find((c) => c.startsWith("portico_session="));
  if (!setCookie) throw new Error("sign-in set no portico_session cookie");
  const cookie = setCookie.split(";")[0] as string;
  const csrf = (answer.json as { csrfToken: string }).csrfToken;
  return { cookie, agentHeaders: { cookie, "x-csrf-token": csrf } };
}

async function main(): Promise<number> {
  const settings = readSettings();
  if (!settings) return 0;
  const engine = settings.databaseUrl ? "postgres" : "sqlite";
  const resultsFile = resultsPath(engine);
  const previous = readPrevious(resultsFile);
  const machine = machineInfo();
  const date = new Date().toISOString();
  const rec: Recorder = { measured: [], failed: false };
  const runs = (scenario: Scenario) => settings.only === null || settings.only.includes(scenario);

  console.log(`Portico benchmark: ${engine}, ${date}`);
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}` +
      (machine.commit
        ? `, commit ${machine.commit}${machine.uncommittedChangesInSrc ? " + local changes" : ""}`
        : ""),
  );
  console.log(
    `settings: ${fmtInt(settings.tickets)} tickets, ${settings.duration} s per measurement after ${settings.warmup} s warm-up, ${settings.connections} connections`,
  );
  const load1 = machine.loadAverageAtStart[0] ?? 0;
  if (load1 > 0.5) {
    console.log(
      `note: load average ${load1} at start: something else is using the CPUs; numbers will be lower`,
    );
  }

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()?.();
      } catch (err) {
        console.error(`cleanup: ${(err as Error).message}`);
      }
    }
  };
  const onSignal = () => {
    console.log("\ninterrupted: stopping the servers and removing the data");
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-bench-"));
    const keep = settings.keepData;
    if (!keep) cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    if (settings.databaseUrl) {
      const created = await createScratchDatabase(settings.databaseUrl, "portico_bench");
      if (!keep) cleanups.push(created.drop);
      databaseUrl = created.url;
      console.log(
        `database: PostgreSQL ${created.name} (${keep ? "kept: --keep-data" : "dropped at the end"})`,
      );
    } else {
      console.log(`database: SQLite in ${dataDir} (${keep ? "kept: --keep-data" : "removed at the end"})`);
    }
    const env: Record<string, string> = serverEnv(settings, dataDir, databaseUrl);
    if (settings.redisUrl) console.log("rate limits: Redis (REDIS_URL is set)");

    section(`Seeding ${fmtInt(settings.tickets)} tickets through the database layer`);
    const seed = await setupAndSeed(env, settings.tickets);
    console.log(
      `  done: ${seed.seconds.toFixed(1)} s, ${fmtInt(seed.ticketsPerSecond)} tickets/s (${engine} ${seed.databaseVersion})`,
    );
    console.log(
      `  ${fmtInt(seed.companies)} companies; ${fmtInt(seed.statusOpen)} tickets are open; "${SEARCH_TERM}" is in the text of about ${fmtInt(seed.searchMatches)}`,
    );

    if (runs("analytics")) await seedAnalytics(env, seed.workspaceId);

    section("Starting Portico");
    const portico = await startChild("portico", [...startFlags(), "bin/portico.js", "serve"], env, "/readyz");
    cleanups.push(portico.stop);
    console.log(`  ${portico.base} (pid ${portico.proc.pid})`);
    const stage: Stage = { settings, rec, base: portico.base, pid: portico.proc.pid, env, cleanups };
    const { cookie, agentHeaders } = await signIn(stage.base);
    const tracked = await prepareTrackedTicket(stage.base, agentHeaders, dataDir);
    if (runs("queue")) await checkQueuePages(stage.base, cookie);
    if (runs("portal")) await checkPortalPages(stage.base, seed.customers);
    if (runs("portal-work")) await checkWorkHome(stage.base, seed.busy);
    if (runs("analytics")) await checkAnalytics(stage.base, cookie);

    section(`Measuring (${settings.connections} connections, ${settings.duration} s each)`);
    await measureBare(stage, tracked);
    if (runs("tracking")) await measureTracking(stage, tracked, seed.recent);
    if (runs("queue")) await measureQueue(stage, cookie);
    if (runs("portal")) await measureSignedInPortal(stage, seed.customers);
    if (runs("portal-work")) await measureWorkHome(stage, seed.busy);
    if (runs("analytics")) await measureAnalytics(stage, cookie);
    const submissions = runs("submissions") ? await measureSubmissions(stage, seed.workspaceId) : undefined;
    if (runs("submissions")) await measureFormSubmissions(stage, seed.workspaceId);

    let portal: Awaited<ReturnType<typeof measurePortal>> | undefined;
    if (runs("browser")) {
      section("Submit page");
      portal = await measurePortal(stage.base, settings);
    }
    await portico.stop();
    // A fresh server of its own: its memory idle after start, then under bursts.
    const memory = runs("memory") ? await measureMemory(settings, env, tracked.path, seed.recent) : undefined;

    if (!submissions || !portal) {
      // A partial run: its numbers beside the bare server's, without the comparison or the file,
      // whose other numbers it would leave out.
      section(`Results: ${engine}, ${fmtInt(settings.tickets)} tickets (--only ${settings.only?.join(",")})`);
      const ratios = printMeasurements(rec.measured);
      section("Targets");
      printTargets(engine, targetsOf(engine, ratios, submissions, portal, rec.measured));
      if (portal) printPortal(portal);
      console.log("\n--only: a partial run; not compared with the previous run, results not written");
      if (rec.failed) console.log("\nSome measurements are INVALID (see above).");
      return rec.failed ? 1 : 0;
    }

    section(`Results: ${engine}, ${fmtInt(settings.tickets)} tickets`);
    const ratios = printMeasurements(rec.measured);
    const targets = targetsOf(engine, ratios, submissions, portal, rec.measured);
    section("Targets");
    printTargets(engine, targets);
    section("Submit page /portal/:slug/submit");
    printPortal(portal);

    const metrics = metricsOf(rec.measured, ratios, seed, submissions, portal);
    section("Compared with the previous run");
    printComparison(metrics, previous, resultsFile, settings);

    const out = resultsJson({
      engine,
      date,
      machine,
      settings,
      seed,
      measured: rec.measured,
      submissions,
      ratios,
      targets,
      portal,
      metrics,
    });
    if (settings.save) {
      writeResults(resultsFile, memory ? { ...out, memory } : out);
      console.log(`\nwrote ${path.relative(ROOT, resultsFile)}`);
    } else {
      console.log("\n--no-save: results not written");
    }
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (rec.failed) console.log("\nSome measurements are INVALID (see above).");
  return rec.failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  const code = (err as { code?: string }).code ?? "";
  if (err instanceof UsageError || code.startsWith("ERR_PARSE_ARGS")) {
    console.error(`bench: ${(err as Error).message}\nSee: npm run bench -- --help`);
    process.exitCode = 2;
  } else {
    console.error(`\nbench: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  }
}

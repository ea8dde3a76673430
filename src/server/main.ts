import { buildApp } from "./app.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { migrateToLatest } from "./db/migrate.ts";
import { openDatabaseWhenReady } from "./db/wait.ts";
import { mailDir } from "./email/email.transport.ts";
import { createMailer } from "./email/mailer.ts";
import { systemDnsResolver } from "./email/sender-auth.ts";
import { createFileStorage } from "./files/file.service.ts";
import { drainHttp, trackAnswers } from "./http/shared/drain.ts";
import { startBackgroundWork } from "./jobs/background.ts";
import { MemoryLiveBus } from "./live/memory-bus.ts";
import { openRedisLiveBus } from "./live/redis-bus.ts";
import { createLogger } from "./logger.ts";
import { IdleTrim } from "./metrics/idle-trim.ts";
import { listenForMetrics } from "./metrics/metrics.ts";
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from "./ratelimit/rate-limiter.ts";

/** Database, limiter and logger from config: the parts every process entry needs. */
export async function createContext(config: Config, opts: { migrate?: boolean } = {}): Promise<AppContext> {
  const log = createLogger(config.logLevel);
  const database = await openDatabaseWhenReady(config, {
    onWait: (message, location) => log.warn({ location }, message),
    onPoolError: (err) => log.warn({ err }, "a database connection failed; the pool replaces it"),
    changes: {
      onUnavailable: (err) =>
        log.warn({ err: err.message }, "Redis unreachable: PostgreSQL reads are not cached until it answers"),
      onRecovered: () => log.info("Redis answers again: PostgreSQL reads are cached again"),
    },
  });
  if (opts.migrate ?? true) {
    const { applied } = await migrateToLatest(database.db);
    if (applied.length) log.info({ applied }, "migrations applied");
  }
  let limiter: RateLimiter;
  if (config.redisUrl) {
    // Loaded only when configured: the embedded server never needs a Redis client.
    const { Redis } = await import("ioredis");
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    limiter = new RedisRateLimiter(redis, undefined, undefined, {
      onUnavailable: (err) =>
        log.warn(
          { err: err.message },
          "Redis unreachable: rate limits are counted in this process's memory until it answers",
        ),
      onRecovered: () => log.info("Redis answers again: rate limits are shared again"),
    });
  } else {
    limiter = new MemoryRateLimiter();
  }
  const files = createFileStorage(config, log);
  const mailer = createMailer(config);
  return {
    config,
    database,
    limiter,
    log,
    files,
    mailer,
    dns: systemDnsResolver(),
    activity: { lastRequestAt: Number.NEGATIVE_INFINITY },
    live: config.redisUrl
      ? await openRedisLiveBus(config.redisUrl, {
          onUnavailable: (err) =>
            log.warn(
              { err: err.message },
              "Redis unreachable: live updates reach only the agents on this process until it answers",
            ),
          onRecovered: () => log.info("Redis answers again: live updates are shared again"),
        })
      : new MemoryLiveBus(),
    now: () => new Date(),
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.live.close();
  await ctx.mailer.close();
  await ctx.limiter.close();
  await ctx.database.close();
}

/** SQLite: the planner's statistics refreshed hourly. */
const OPTIMIZE_EVERY_MS = 60 * 60 * 1000;

/**
 * SQLite's advice for a long-lived connection: `PRAGMA optimize` at start for every table, then
 * hourly and before closing for the tables that changed (each within SQLite's analysis limit),
 * so the planner has statistics on a database that grew. Only the server does it: a command
 * (backup, restore) leaves the file as it found it.
 */
function keepPlannerStatistics(ctx: AppContext): { stop(): Promise<void> } {
  const optimize = ctx.database.optimize;
  if (!optimize) return { stop: async () => {} };
  const run = (everyTable: boolean) =>
    optimize({ everyTable }).catch((err: unknown) =>
      ctx.log.warn({ err }, "refreshing SQLite's statistics failed; the queries run as they are"),
    );
  void run(true);
  const timer = setInterval(() => void run(false), OPTIMIZE_EVERY_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await run(false);
    },
  };
}

/** Says at boot whether the malware scanner answers; uploads follow CLAMAV_ON_ERROR while it does not. */
function checkScanner(ctx: AppContext): void {
  const { scanner } = ctx.files;
  scanner.check?.().then(
    (version) => ctx.log.info({ scanner: scanner.name, version }, "malware scanner ready"),
    (err: Error) =>
      ctx.log.warn(
        { scanner: scanner.name, err: err.message, onError: ctx.config.clamav?.onError },
        "malware scanner not reachable: uploads are refused, or accepted unscanned, per CLAMAV_ON_ERROR",
      ),
  );
}

/**
 * config → database → migrate → http. On SIGINT/SIGTERM: stops accepting, lets requests in flight
 * finish within SHUTDOWN_GRACE_SECONDS, closes what is left, stops the background work and closes
 * the database; the exit code is 0.
 */
export async function serve(config: Config): Promise<void> {
  const ctx = await createContext(config);
  const app = await buildApp(ctx);
  const answers = trackAnswers(app.server);
  const idleTrim = new IdleTrim(app.server).start();
  await app.listen({ port: config.port, host: config.host });
  const metricsListener =
    app.metrics && config.metricsPort !== undefined
      ? await listenForMetrics(app.metrics, config.metricsHost, config.metricsPort)
      : null;
  const background = await startBackgroundWork(ctx);
  const statistics = keepPlannerStatistics(ctx);
  checkScanner(ctx);
  ctx.log.info(
    {
      port: config.port,
      database: ctx.database.dialect,
      location: ctx.database.location,
      rateLimits: config.redisUrl ? "redis" : "memory",
      mail: ctx.mailer.kind === "smtp" ? "smtp" : `files in ${mailDir(config)}`,
      metrics:
        [
          ...(config.metricsToken ? ["/metrics with METRICS_TOKEN"] : []),
          ...(metricsListener ? [`http://${config.metricsHost}:${metricsListener.port}/metrics`] : []),
        ].join(", ") || "off",
    },
    "Portico is listening",
  );
  let stopping = false;
  const stop = async (signal: string) => {
    // One stop: a signal sent to the whole process group also comes through bin/portico.js.
    if (stopping) return;
    stopping = true;
    // Ends by letting the event loop drain, not by process.exit(), which can deadlock Node's
    // shutdown while V8 compiles in the background (nodejs/node#54918); the unref'd timer only
    // fires if something still holds the loop open well past the grace.
    setTimeout(() => {
      ctx.log.warn("shutdown: something still holds the process open; exiting");
      process.exit(0);
    }, config.http.shutdownGraceMs + 15_000).unref();
    ctx.log.info({ signal }, "shutting down");
    idleTrim.stop();
    try {
      // The background work stops beside the HTTP drain: what it leaves is durable rows, taken up
      // by the next start (an email in flight is waited for; the rest of its claim given back).
      const backgroundStopped = background.stop().then(
        () => ctx.log.info("background work stopped"),
        (err: unknown) => {
          ctx.log.error({ err }, "stopping the background work failed");
          process.exitCode = 1;
        },
      );
      await drainHttp(app, answers, { graceMs: config.http.shutdownGraceMs, log: ctx.log });
      await metricsListener?.close();
      await backgroundStopped;
      await statistics.stop();
      await closeContext(ctx);
      ctx.log.info("database closed; stopped");
    } catch (err) {
      ctx.log.error({ err }, "shutdown failed");
      process.exitCode = 1;
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

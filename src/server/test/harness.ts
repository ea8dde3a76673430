import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import type { AppContext } from "../context.ts";
import { openDatabase, SQLITE_FILE } from "../db/connection.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { createScratchDatabase } from "../db/scratch.ts";
import { createMailer } from "../email/mailer.ts";
import { createFileStorage } from "../files/file.service.ts";
import { MemoryLiveBus } from "../live/memory-bus.ts";
import { openRedisLiveBus } from "../live/redis-bus.ts";
import { createLogger } from "../logger.ts";
import type { DnsResolver } from "../ports.ts";
import { MemoryRateLimiter, RedisRateLimiter } from "../ratelimit/rate-limiter.ts";
import { copySqliteTemplate, postgresTemplate } from "./template-db.ts";

// Each test file gets a fresh database: a new SQLite file, or, when DATABASE_URL is set, a new
// PostgreSQL database created on that server and dropped afterwards. Everything goes through
// the real app and the real database.

export interface TestEnv {
  ctx: AppContext;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Moves the clock the app sees. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** No DNS at all: every name is unknown, at once (tests answer the records they need themselves). */
export const noDns: DnsResolver = async (name) => {
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
};

export async function testEnv(
  env: Record<string, string> = {},
  opts: { dns?: DnsResolver } = {},
): Promise<TestEnv> {
  const baseUrl = process.env.DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-test-"));
  // Each starts as a copy of a migrated template (template-db.ts); the migrations still run on it.
  const pgDb = baseUrl
    ? await createScratchDatabase(baseUrl, "portico_test", { template: await postgresTemplate(baseUrl) })
    : undefined;
  if (!pgDb) await copySqliteTemplate(path.join(dataDir, SQLITE_FILE));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    // Cheaper hashing keeps sign-in tests quick; the format and code path are the real ones.
    PASSWORD_HASH_COST: "12",
    // Tests submit many tickets from one address; the limit has its own test with the default.
    SUBMIT_RATE_LIMIT_PER_HOUR: "100000",
    UPLOAD_RATE_LIMIT: "100000",
    // Tests confirm many tickets to one address; the cap has its own test with the default.
    UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "100000",
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    ...env,
  });
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 20 });
  await migrateToLatest(database.db);
  const log = createLogger(config.logLevel);
  const ctx: AppContext = {
    config,
    database,
    // With REDIS_URL (as in CI) the shared Redis limiter is exercised, under its own key prefix.
    limiter: process.env.REDIS_URL
      ? new RedisRateLimiter(
          new Redis(process.env.REDIS_URL),
          `portico:test:${path.basename(dataDir)}:`,
          () => now().getTime(),
        )
      : new MemoryRateLimiter(() => now().getTime()),
    log,
    files: createFileStorage(config, log),
    mailer: createMailer(config),
    dns: opts.dns ?? noDns,
    activity: { lastRequestAt: Number.NEGATIVE_INFINITY },
    // With REDIS_URL the live bus goes over Redis too, on a channel of this test file's own.
    live: process.env.REDIS_URL
      ? await openRedisLiveBus(process.env.REDIS_URL, {
          channel: `portico:test:${path.basename(dataDir)}:live`,
        })
      : new MemoryLiveBus(),
    now,
  };
  const closeParts = async () => {
    await ctx.live.close();
    await ctx.mailer.close();
    await ctx.limiter.close();
    await database.close();
    await pgDb?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp(ctx);
    await app.ready();
  } catch (err) {
    // An app that cannot start fails its test file at once instead of leaving it open.
    await closeParts();
    throw err;
  }
  return {
    ctx,
    app,
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      await app.close();
      await closeParts();
    },
  };
}

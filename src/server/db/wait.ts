import { sql } from "kysely";
import type { Config } from "../config.ts";
import { errorText, outageOf } from "../lib/outage.ts";
import { openRedisChangeClock, type RedisChangeClockOptions } from "./changes.ts";
import { type Database, openDatabase } from "./connection.ts";

// Start-up (serve, migrate, the other commands) waits for a database that does not answer yet,
// as when PostgreSQL starts beside Portico, saying so every few seconds, up to a bound
// (DATABASE_WAIT_SECONDS); then it gives up with a message naming the database and the reason.
// A database that answers with a refusal (a wrong password, no such database) is not waited for.

const EVERY_MS = 2_000;
/** An attempt that gets no answer at all (a host that drops packets) counts as failed. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/** The database's ping, failed as ETIMEDOUT when it gets no answer within `ms`. */
export function pingWithin(database: Database, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error("no answer in time"), { code: "ETIMEDOUT" })),
      ms,
    );
  });
  return Promise.race([database.ping(), late]).finally(() => clearTimeout(timer));
}

export async function waitForDatabase(
  database: Database,
  opts: { seconds: number; onWait: (message: string) => void; everyMs?: number },
): Promise<void> {
  const every = opts.everyMs ?? EVERY_MS;
  const attempts = Math.floor((opts.seconds * 1000) / every) + 1;
  const deadline = performance.now() + opts.seconds * 1000;
  for (let n = 1; ; n++) {
    const started = performance.now();
    try {
      await pingWithin(database, Math.min(ATTEMPT_TIMEOUT_MS, Math.max(every, 1000)));
      return;
    } catch (err) {
      const outage = outageOf(err);
      if (!outage) {
        throw new Error(`the database at ${database.location} refused: ${errorText(err)}`, {
          cause: err,
        });
      }
      if (n >= attempts || performance.now() >= deadline) {
        throw new Error(
          `the database at ${database.location} did not answer within ${opts.seconds} s ` +
            `(DATABASE_WAIT_SECONDS): ${outage.reason} (${errorText(err)})`,
          { cause: err },
        );
      }
      opts.onWait(
        `waiting for the database at ${database.location} (attempt ${n} of ${attempts}): ${outage.reason}`,
      );
      const rest = every - (performance.now() - started);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  }
}

/**
 * The configured database once it answers (waiting up to DATABASE_WAIT_SECONDS, saying so through
 * `onWait`); closed again when it never does. What every command that needs the database opens.
 */
export async function openDatabaseWhenReady(
  config: Pick<
    Config,
    | "databaseUrl"
    | "dataDir"
    | "sqliteCacheMb"
    | "readCacheMb"
    | "databaseWaitSeconds"
    | "databasePoolSize"
    | "redisUrl"
  >,
  hooks: {
    onWait: (message: string, location: string) => void;
    onPoolError?: (err: Error) => void;
    /** PostgreSQL with Redis: the change clock's Redis stopped answering (read caches read through), or answers again. */
    changes?: RedisChangeClockOptions;
  },
): Promise<Database> {
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteCacheMb: config.sqliteCacheMb,
    poolSize: config.databasePoolSize,
    readCacheBytes: Math.round(config.readCacheMb * 1024 * 1024),
    ...(hooks.onPoolError ? { onPoolError: hooks.onPoolError } : {}),
  });
  try {
    await waitForDatabase(database, {
      seconds: config.databaseWaitSeconds,
      onWait: (message) => hooks.onWait(message, database.location),
    });
    // Several processes on one PostgreSQL database share their read caches' validity through
    // Redis (changes.ts), keyed by the database's own name, whatever URL each process uses.
    if (database.dialect === "postgres" && config.redisUrl) {
      const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(database.db);
      database.changes = await openRedisChangeClock(config.redisUrl, rows[0]?.name ?? "", hooks.changes);
    }
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  return database;
}

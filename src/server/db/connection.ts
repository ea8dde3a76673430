import { createRequire } from "node:module";
import path from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import type { ChangeClock } from "./changes.ts";
import { changeSayingDialect } from "./changes-dialect.ts";
import type { CheckpointResult } from "./checkpointer.ts";
import type { DB } from "./schema.ts";
import { DEFAULT_READ_CACHE_BYTES, type GroupCommitStats, openSqlite, type SqliteReader } from "./sqlite.ts";
import { type StorageWatch, storageWatch } from "./storage-watch.ts";

export type DialectName = "sqlite" | "postgres";

/** The embedded database's file in DATA_DIR (and its name in a backup archive). */
export const SQLITE_FILE = "portico.sqlite";

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  /** Where the data lives, for logs: a file path, or the PostgreSQL host and database. */
  location: string;
  /** SQLite: the read-only connection for hot reads (see prepared.ts). */
  reader?: SqliteReader;
  /** SQLite: how many transactions shared each fsync (see sqlite.ts). */
  groupCommit?: GroupCommitStats;
  /**
   * PostgreSQL with Redis: when any process last committed a write (changes.ts), which the read
   * caches go by; set once the database answers (wait.ts). Absent: read caches read through.
   */
  changes?: ChangeClock;
  /** The read caches' budget in bytes (a share of CACHE_MEMORY_MB; ReadCache). */
  readCacheBytes: number;
  /**
   * PostgreSQL: one statement on the pool as a named prepared statement (parsed and planned once
   * per connection), outside any transaction.
   */
  namedQuery?: <R>(name: string, text: string, values: readonly unknown[]) => Promise<R[]>;
  /** PostgreSQL: the pool's connections now (for metrics). */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** SQLite: a WAL checkpoint now, on the checkpointer's thread (see checkpointer.ts). */
  checkpoint?: () => Promise<CheckpointResult | null>;
  /**
   * SQLite: refreshes the planner's statistics of the tables that changed (`PRAGMA optimize`);
   * `everyTable` also looks at tables this connection has not queried (at start).
   */
  optimize?: (opts?: { everyTable?: boolean }) => Promise<void>;
  /** Whether the disk under DATA_DIR takes writes (full, read-only), for /readyz. */
  storage: StorageWatch;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// The PostgreSQL client is loaded on the first PostgreSQL connection: the embedded server never
// needs it. PostgreSQL answers timestamps as Date and counts as strings; the application wants ISO
// strings and numbers on both databases.
const require = createRequire(import.meta.url);
let pgModule: typeof import("pg") | undefined;
function loadPg(): typeof import("pg") {
  if (pgModule) return pgModule;
  const pg = require("pg") as typeof import("pg");
  const toIso = (v: string) => new Date(v).toISOString();
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, toIso);
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (v) => new Date(`${v}Z`).toISOString());
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  pgModule = pg;
  return pg;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL pool size per process. */
  poolSize?: number;
  /** SQLite: the page cache of each connection, in MiB (default 32). */
  sqliteCacheMb?: number;
  /** SQLite: what the read caches (ReadCache) may keep, in bytes (default 16 MiB). */
  readCacheBytes?: number;
  /**
   * A pooled connection failed (the server stopped or restarted, or an administrator ended it),
   * idle or checked out. The pool replaces it on next use and the query in flight, if any, fails
   * (an outage: 503); without a listener the process would crash.
   */
  onPoolError?: (err: Error) => void;
}

/**
 * A named prepared statement on a pooled connection. A statement prepared before a migration
 * changed its tables (a column added while this process runs: `tickets.*` means more columns now)
 * fails with "cached plan must not change result type": that connection is replaced, dropping
 * its statements, and the query runs once more on another.
 */
async function namedQuery<R>(
  pool: import("pg").Pool,
  name: string,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      const result = await client.query({ name, text, values: values as unknown[] });
      client.release();
      return result.rows as R[];
    } catch (err) {
      // As pg's pool.query does: a connection whose query failed is not given out again.
      client.release(err as Error);
      if ((err as { code?: string }).code !== "0A000" || attempt > 1) throw err;
    }
  }
}

export function openDatabase(opts: DatabaseOptions): Database {
  if (opts.databaseUrl) {
    const pg = loadPg();
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // Every client's errors, idle or checked out, reach its own listener, said once there; the
    // pool also re-emits an idle client's, which must be listened to so it does not crash.
    pool.on("error", () => {});
    pool.on("connect", (client) => client.on("error", (err: Error) => opts.onPoolError?.(err)));
    // Every committed write is told to the change clock, once there is one.
    const db = new Kysely<DB>({
      dialect: changeSayingDialect(new PostgresDialect({ pool }), () => database.changes),
    });
    const u = new URL(opts.databaseUrl);
    const database: Database = {
      db,
      dialect: "postgres",
      readCacheBytes: opts.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES,
      location: `${u.hostname}:${u.port || 5432}${u.pathname}`,
      // The files may live in S3 and DATA_DIR need not be writable: probed only after a failure.
      storage: storageWatch(opts.dataDir, { probeWithoutFailure: false }),
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      namedQuery: <R>(name: string, text: string, values: readonly unknown[]) =>
        namedQuery<R>(pool, name, text, values),
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: async () => {
        database.changes?.close();
        await db.destroy();
      },
    };
    return database;
  }
  const file = path.join(opts.dataDir, SQLITE_FILE);
  const dialect = openSqlite(file, { cacheMb: opts.sqliteCacheMb });
  const db = new Kysely<DB>({ dialect });
  const reader = dialect.reader;
  return {
    db,
    dialect: "sqlite",
    readCacheBytes: opts.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES,
    location: file,
    storage: storageWatch(opts.dataDir, { probeWithoutFailure: true }),
    reader,
    optimize: async (o) => {
      await sql.raw(o?.everyTable ? "pragma optimize = 0x10002" : "pragma optimize").execute(db);
    },
    groupCommit: dialect.driver.stats,
    checkpoint: () => dialect.driver.checkpoint(),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      reader.close();
      await db.destroy();
    },
  };
}

import { createRequire } from "node:module";
import path from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import type { CheckpointResult } from "./checkpointer.ts";
import type { DB } from "./schema.ts";
import { type GroupCommitStats, openSqlite, type SqliteReader } from "./sqlite.ts";
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
  /** PostgreSQL: the pool's connections now (for metrics). */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** SQLite: a WAL checkpoint now, on the checkpointer's thread (see checkpointer.ts). */
  checkpoint?: () => Promise<CheckpointResult | null>;
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

export function openDatabase(opts: DatabaseOptions): Database {
  if (opts.databaseUrl) {
    const pg = loadPg();
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // Every client's errors, idle or checked out, reach its own listener, said once there; the
    // pool also re-emits an idle client's, which must be listened to so it does not crash.
    pool.on("error", () => {});
    pool.on("connect", (client) => client.on("error", (err: Error) => opts.onPoolError?.(err)));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(opts.databaseUrl);
    return {
      db,
      dialect: "postgres",
      location: `${u.hostname}:${u.port || 5432}${u.pathname}`,
      // The files may live in S3 and DATA_DIR need not be writable: probed only after a failure.
      storage: storageWatch(opts.dataDir, { probeWithoutFailure: false }),
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }
  const file = path.join(opts.dataDir, SQLITE_FILE);
  const dialect = openSqlite(file, { cacheMb: opts.sqliteCacheMb, readCacheBytes: opts.readCacheBytes });
  const db = new Kysely<DB>({ dialect });
  const reader = dialect.reader;
  return {
    db,
    dialect: "sqlite",
    location: file,
    storage: storageWatch(opts.dataDir, { probeWithoutFailure: true }),
    reader,
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

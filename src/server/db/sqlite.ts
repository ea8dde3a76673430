import fs from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
} from "kysely";

// Kysely's SQLite dialect speaks the better-sqlite3 interface; node:sqlite is close enough that a
// thin adapter does. Statements are cached because preparing costs more than running a simple one.

function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => {
    if (typeof p === "boolean") return p ? 1 : 0;
    if (p instanceof Date) return p.toISOString();
    return p as SQLInputValue;
  });
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #stmt: StatementSync;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...bind(parameters));
  }
  run(parameters: ReadonlyArray<unknown>) {
    const r = this.#stmt.run(...bind(parameters));
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...bind(parameters)) as IterableIterator<unknown>;
  }
}

/** Prepared statements of one connection, by SQL text. */
class StatementCache<S> {
  readonly #cache = new Map<string, S>();
  readonly #prepare: (sql: string) => S;
  constructor(prepare: (sql: string) => S) {
    this.#prepare = prepare;
  }
  get(sql: string): S {
    let stmt = this.#cache.get(sql);
    if (!stmt) {
      stmt = this.#prepare(sql);
      // Queries are built from a fixed set of shapes; the cap only guards against a runaway caller.
      if (this.#cache.size > 2000) this.#cache.clear();
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }
  clear(): void {
    this.#cache.clear();
  }
}

class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  readonly #statements: StatementCache<NodeSqliteStatement>;
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#statements = new StatementCache((sql) => new NodeSqliteStatement(db.prepare(sql)));
  }
  prepare(sql: string): SqliteStatement {
    return this.#statements.get(sql);
  }
  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

// BEGIN IMMEDIATE takes the write lock up front, so a second process (the CLI next to a running
// server) waits on busy_timeout instead of failing a read-then-write transaction half way.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;
  constructor(database: SqliteDatabase) {
    super({ database });
    this.#database = database;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }
}

/**
 * A second, read-only connection for hot reads. In WAL mode it reads the last committed state
 * while the writer connection is inside a transaction, so a read never waits for a write and
 * never sees another request's uncommitted rows.
 */
export class SqliteReader {
  readonly #db: DatabaseSync;
  readonly #statements: StatementCache<StatementSync>;
  constructor(file: string) {
    const db = new DatabaseSync(file, { readOnly: true, timeout: 5000 });
    this.#db = db;
    this.#statements = new StatementCache((sql) => db.prepare(sql));
  }
  /** Runs the statements in one read transaction: every one sees the same snapshot. */
  batch(statements: ReadonlyArray<{ sql: string; parameters: ReadonlyArray<unknown> }>): unknown[][] {
    this.#db.exec("begin");
    try {
      return statements.map(({ sql, parameters }) => this.#statements.get(sql).all(...bind(parameters)));
    } finally {
      this.#db.exec("commit");
    }
  }
  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

export function openSqlite(file: string): NodeSqliteDialect {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new DatabaseSync(file, { timeout: 5000 });
  // WAL with synchronous=FULL: every commit is fsynced before it is acknowledged.
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
    PRAGMA temp_store = MEMORY;
    PRAGMA cache_size = -65536;
  `);
  return new NodeSqliteDialect(new NodeSqliteDatabase(db));
}

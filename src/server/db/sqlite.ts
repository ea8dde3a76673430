import fs from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  type SqliteDatabase,
  SqliteDialect,
} from "kysely";
import { onlyReads } from "./changes-dialect.ts";
import { Checkpointer, type CheckpointResult, FALLBACK_AUTOCHECKPOINT_PAGES } from "./checkpointer.ts";

// Longer than 400 lines: the adapter, the statement cache and the group commit share the one
// writer connection's state; apart they would reach into each other's private fields.

// Kysely's SQLite dialect speaks the better-sqlite3 interface; node:sqlite is close enough that a
// thin adapter does. Statements are cached because preparing costs more than running a simple one.

function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => {
    if (typeof p === "boolean") return p ? 1 : 0;
    if (p instanceof Date) return p.toISOString();
    return p as SQLInputValue;
  });
}

class NodeSqliteStatement {
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
  prepare(sql: string): NodeSqliteStatement {
    return this.#statements.get(sql);
  }
  /** One statement without parameters, prepared once (transaction control runs per request). */
  exec(sql: string): void {
    this.#statements.get(sql).run([]);
  }
  get isTransaction(): boolean {
    return this.#db.isTransaction;
  }
  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

// Group commit. SQLite has one writer connection; committing each request's transaction on its
// own costs one fsync per request. Instead, transactions that follow each other while the writer
// is busy share one outer transaction: each runs inside its own SAVEPOINT (so a failing one rolls
// back only its own writes) and, when it finishes, gives the connection to the next one while its
// commit waits. The outer COMMIT runs once nobody else is waiting (or the group is full or old),
// fsyncs once for all of them, and only then does each member's commit resolve: every answered
// write is on disk, exactly as with one COMMIT per transaction. If the COMMIT fails, every member's
// commit fails and nothing of the group is kept.
//
// A statement outside a transaction first commits the open group, so plain reads never see
// writes that are not yet on disk. BEGIN IMMEDIATE takes the write lock up front, so a second
// process (the CLI next to a running server) waits on busy_timeout instead of failing half way.
// The schema has no deferred constraints: a member's error surfaces in its own statements, never
// in the shared COMMIT.

const SAVEPOINT = "portico_tx";

// Some writes are cheaper outside a savepoint: FTS5 writes its pending index entries to disk as a
// new segment at every SAVEPOINT and RELEASE, so an index row written inside a member's savepoint
// costs several times a plain insert (and leaves many tiny segments to merge). A statement marked
// with `atGroupCommit` is therefore held by the member and, once the member has committed, run in
// the outer transaction right before the group's COMMIT, with no savepoint open: it is part of the
// same COMMIT as the member's other writes, so readers see both at once or neither. It runs only
// if its member committed; if it fails, the COMMIT is not attempted and every member fails.
// Only for statements whose result nobody reads (an insert without RETURNING) and whose effect
// no later statement of the group depends on.
const AT_GROUP_COMMIT = new WeakSet<CompiledQuery>();

/** Marks a write to run just before its transaction's group COMMIT (see above); elsewhere, as usual. */
export function atGroupCommit<Q extends CompiledQuery>(query: Q): Q {
  AT_GROUP_COMMIT.add(query);
  return query;
}
/** Members per group, and how long a group may stay open while the writer is never idle. */
const GROUP_MAX_MEMBERS = 64;
const GROUP_MAX_AGE_MS = 25;

interface Member {
  resolve(): void;
  reject(err: unknown): void;
}

/** Counters for tests and benchmarks. */
export interface GroupCommitStats {
  /** Transactions committed. */
  transactions: number;
  /** Outer COMMITs (fsyncs) that carried them. */
  commits: number;
}

class Mutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];
  get waiting(): number {
    return this.#waiters.length;
  }
  get locked(): boolean {
    return this.#locked;
  }
  lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

/** One acquisition of the writer connection. */
class Lease implements DatabaseConnection {
  readonly #driver: GroupCommitSqliteDriver;
  inTransaction = false;
  /** The connection went back early: the commit was handed to the group. */
  released = false;
  /** Statements held for the group's COMMIT (atGroupCommit). */
  atCommit: CompiledQuery[] = [];
  constructor(driver: GroupCommitSqliteDriver) {
    this.#driver = driver;
  }
  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.#driver.execute<R>(this, query);
  }
  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.#driver.iterate(this, query)) yield { rows: [row as R] };
  }
}

class GroupCommitSqliteDriver implements Driver {
  readonly #db: NodeSqliteDatabase;
  readonly #reader: SqliteReader;
  readonly #mutex = new Mutex();
  readonly #checkpointer: Checkpointer | null;
  #group: { members: Member[]; atCommit: CompiledQuery[]; openedAt: number } | null = null;
  #flushQueued = false;
  readonly stats: GroupCommitStats = { transactions: 0, commits: 0 };

  constructor(db: NodeSqliteDatabase, reader: SqliteReader, checkpointer: Checkpointer | null) {
    this.#db = db;
    this.#reader = reader;
    this.#checkpointer = checkpointer;
  }

  /**
   * After each commit: the read caches see it, and the checkpointer's thread runs unless nothing
   * changed (a background job's poll that claimed nothing writes no page).
   */
  #committed(changed = true): void {
    this.#reader.noteCommit();
    if (changed) this.#checkpointer?.wake();
  }

  /** A WAL checkpoint now, on the checkpointer's thread (null for an in-memory database). */
  checkpoint(): Promise<CheckpointResult | null> {
    return this.#checkpointer ? this.#checkpointer.checkpoint() : Promise.resolve(null);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return new Lease(this);
  }

  execute<R>(lease: Lease, query: CompiledQuery): Promise<QueryResult<R>> {
    if (!lease.inTransaction) {
      // A read outside a transaction (a select, built or raw) reads the last commit on the
      // read-only connection: it never sees a write that is not on disk yet, and it leaves the
      // group open and the kept reads (ReadCache) alone.
      if (onlyReads(query.query, query.sql)) {
        return Promise.resolve({ rows: this.#reader.all(query.sql, query.parameters) as R[] });
      }
      this.#flush();
    } else if (AT_GROUP_COMMIT.has(query)) {
      lease.atCommit.push(query);
      return Promise.resolve({ rows: [] });
    }
    const stmt = this.#db.prepare(query.sql);
    if (stmt.reader) {
      const rows = stmt.all(query.parameters) as R[];
      // A write with RETURNING outside a transaction has committed too: the reads kept until the
      // database changes (ReadCache) must see it.
      if (!lease.inTransaction && !SelectQueryNode.is(query.query)) this.#committed(rows.length > 0);
      return Promise.resolve({ rows });
    }
    const { changes, lastInsertRowid } = stmt.run(query.parameters);
    if (!lease.inTransaction) this.#committed(changes === undefined || Number(changes) > 0);
    return Promise.resolve({
      numAffectedRows: changes === undefined ? undefined : BigInt(changes),
      insertId: lastInsertRowid === undefined ? undefined : BigInt(lastInsertRowid),
      rows: [],
    });
  }

  iterate(lease: Lease, query: CompiledQuery): IterableIterator<unknown> {
    if (!lease.inTransaction) this.#flush();
    return this.#db.prepare(query.sql).iterate(query.parameters);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const group = this.#group;
    if (
      group &&
      (group.members.length >= GROUP_MAX_MEMBERS || performance.now() - group.openedAt > GROUP_MAX_AGE_MS)
    ) {
      this.#flush();
    }
    if (!this.#group) {
      this.#db.exec("begin immediate");
      this.#group = { members: [], atCommit: [], openedAt: performance.now() };
    }
    this.#db.exec(`savepoint ${SAVEPOINT}`);
    lease.inTransaction = true;
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const group = this.#group;
    if (!group) throw new Error("commit without a transaction");
    this.#db.exec(`release ${SAVEPOINT}`);
    for (const q of lease.atCommit) group.atCommit.push(q);
    lease.atCommit = [];
    const committed = new Promise<void>((resolve, reject) => group.members.push({ resolve, reject }));
    lease.inTransaction = false;
    this.#release(lease);
    return committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // After a failed group COMMIT Kysely rolls back too; the group has already been undone.
    if (lease.released || !lease.inTransaction) return;
    lease.inTransaction = false;
    lease.atCommit = [];
    if (this.#db.isTransaction) {
      this.#db.exec(`rollback to ${SAVEPOINT}`);
      this.#db.exec(`release ${SAVEPOINT}`);
    } else {
      // SQLite undid the whole outer transaction (an I/O error, a full disk): the members
      // waiting on this group lost their writes too.
      this.#fail(new Error("the transaction was rolled back by SQLite"));
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    if (!lease.released) this.#release(lease);
  }

  async destroy(): Promise<void> {
    this.#flush();
    await this.#checkpointer?.stop();
    this.#db.close();
  }

  #release(lease: Lease): void {
    lease.released = true;
    this.#mutex.unlock();
    this.#queueFlush();
  }

  // The group commits once the writer is idle: after the requests that are ready to run have had
  // their turn (setImmediate runs after the pending I/O callbacks), so a burst shares one fsync.
  #queueFlush(): void {
    if (!this.#group || this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      if (this.#mutex.locked) return; // the holder queues the flush again when it is done
      this.#flush();
    });
  }

  #flush(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = null;
    try {
      // No savepoint is open here: every member has released its own.
      for (const q of group.atCommit) this.#db.prepare(q.sql).run(q.parameters);
      this.#db.exec("commit");
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec("rollback");
      for (const m of group.members) m.reject(err);
      return;
    }
    this.#committed();
    this.stats.commits++;
    this.stats.transactions += group.members.length;
    for (const m of group.members) m.resolve();
  }

  #fail(err: Error): void {
    const group = this.#group;
    this.#group = null;
    for (const m of group?.members ?? []) m.reject(err);
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly driver: GroupCommitSqliteDriver;
  readonly reader: SqliteReader;
  constructor(database: NodeSqliteDatabase, reader: SqliteReader, checkpointer: Checkpointer | null) {
    super({ database });
    this.reader = reader;
    this.driver = new GroupCommitSqliteDriver(database, reader, checkpointer);
  }
  override createDriver(): Driver {
    return this.driver;
  }
}

/**
 * Pages kept in memory per connection, in MiB (SQLITE_CACHE_MB). The cache fills as pages are
 * read and stays full; beyond it SQLite reads from the operating system's page cache, which keeps
 * the file's hot pages in memory anyway, shared by every connection: a read that misses here costs
 * a system call and a copy, not a disk read. 32 MiB each (64 before the setting) is what the
 * queue's full-text search over 100,000 tickets needs to stay as fast as with more; with 16 it
 * took 70% more CPU per request (bench/README.md, Memory).
 */
export const DEFAULT_CACHE_MB = 32;
/**
 * The read caches' budget in bytes (ReadCache in prepared.ts: answers of recent reads), shared by
 * them in fixed shares: a fifth of CACHE_MEMORY_MB, whose other parts are the two page caches.
 */
export const DEFAULT_READ_CACHE_BYTES = 16 * 1024 * 1024;
/** PRAGMA cache_size: negative means KiB. */
const cacheSizePragma = (mb: number) => `PRAGMA cache_size = ${-Math.round(mb * 1024)};`;

/** How stale a read cache may be about another process's writes (see SqliteReader.version). */
export const EXTERNAL_CHANGE_CHECK_MS = 100;

/**
 * A second, read-only connection for hot reads. In WAL mode it reads the last committed state
 * while the writer connection is inside a transaction, so a read never waits for a write and
 * never sees another request's uncommitted rows.
 */
export class SqliteReader {
  readonly #db: DatabaseSync;
  readonly #statements: StatementCache<StatementSync>;
  readonly #arrayStatements: StatementCache<StatementSync>;
  /** What the read caches (ReadCache) may keep for this database, in bytes. */
  constructor(file: string, cacheMb = DEFAULT_CACHE_MB) {
    const db = new DatabaseSync(file, { readOnly: true, timeout: 5000 });
    // Every select outside a transaction runs here (the queue, search, pages): the same page
    // cache as the writer's.
    db.exec(`
      ${cacheSizePragma(cacheMb)}
      PRAGMA temp_store = MEMORY;
    `);
    this.#db = db;
    this.#statements = new StatementCache((sql) => db.prepare(sql));
    this.#arrayStatements = new StatementCache((sql) => {
      const stmt = db.prepare(sql);
      stmt.setReturnArrays(true);
      return stmt;
    });
  }
  #version = 0;
  #dataVersion = -1;
  #checkedAt = Number.NEGATIVE_INFINITY;

  /** Called by this process's writer after each commit. */
  noteCommit(): void {
    this.#version++;
  }

  /**
   * A number that changes whenever the database may have changed: at once for this process's own
   * commits, and within EXTERNAL_CHANGE_CHECK_MS for another process's (the CLI next to the
   * server), seen through `PRAGMA data_version`, which is not worth its cost on every read.
   * `exact`: ask `PRAGMA data_version` now, so another process's commits are seen at once too.
   */
  version(exact = false): number {
    const now = performance.now();
    if (exact || now - this.#checkedAt >= EXTERNAL_CHANGE_CHECK_MS) {
      this.#checkedAt = now;
      const row = this.#statements.get("pragma data_version").get() as { data_version: number };
      if (row.data_version !== this.#dataVersion) {
        this.#dataVersion = row.data_version;
        this.#version++;
      }
    }
    return this.#version;
  }

  /** One statement, in a read transaction of its own. */
  all(sql: string, parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#statements.get(sql).all(...bind(parameters));
  }
  /** One statement, its rows as arrays of column values: no object per row, for large reads. */
  allArrays(sql: string, parameters: ReadonlyArray<unknown>): unknown[][] {
    return this.#arrayStatements.get(sql).all(...bind(parameters)) as unknown as unknown[][];
  }
  /** Runs the statements in one read transaction: every one sees the same snapshot. */
  batch(statements: ReadonlyArray<{ sql: string; parameters: ReadonlyArray<unknown> }>): unknown[][] {
    this.#statements.get("begin").run();
    try {
      return statements.map(({ sql, parameters }) => this.#statements.get(sql).all(...bind(parameters)));
    } finally {
      this.#statements.get("commit").run();
    }
  }
  close(): void {
    this.#statements.clear();
    this.#arrayStatements.clear();
    this.#db.close();
  }
}

export function openSqlite(file: string, opts: { cacheMb?: number | undefined } = {}): NodeSqliteDialect {
  const cacheMb = opts.cacheMb ?? DEFAULT_CACHE_MB;
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new DatabaseSync(file, { timeout: 5000 });
  // WAL with synchronous=FULL: every commit is fsynced before it is acknowledged. Checkpoints run
  // on a worker thread (checkpointer.ts); the writer's own is only the fallback.
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
    PRAGMA temp_store = MEMORY;
    ${cacheSizePragma(cacheMb)}
  `);
  const checkpointer = file === ":memory:" ? null : new Checkpointer(file);
  if (checkpointer) db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  // The reader opens after the writer has put the file in WAL mode.
  return new NodeSqliteDialect(new NodeSqliteDatabase(db), new SqliteReader(file, cacheMb), checkpointer);
}

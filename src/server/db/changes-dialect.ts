import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryResult,
  RootOperationNode,
  TransactionSettings,
} from "kysely";
import type { ChangeClock } from "./changes.ts";
import { isBatched, mergeWrites, withCommit, withWrites } from "./pg-batch.ts";

// PostgreSQL as Kysely's PostgresDialect drives it, telling the change clock (changes.ts) about
// every committed write: a transaction that ran a write, when it commits; a write outside any
// transaction, when it ran. The clock is told before the connection's caller goes on (the
// transaction's `execute` resolves, the HTTP answer is sent), after the connection went back to
// the pool. Every statement is judged by its query node, so no write path can forget to say it:
// what is not plainly a read counts as a write (DDL, raw SQL other than a SELECT) unless it says
// it changed no row. Writes marked batched (pg-batch.ts) wait in the lease and go with the
// transaction's next statement, its commit or savepoint.

const READ_SQL = /^\s*(?:select|show|explain|values)\b/i;

/** Whether a statement only reads. */
export function onlyReads(node: RootOperationNode, sqlText: string): boolean {
  if (node.kind === "RawNode") return READ_SQL.test(sqlText);
  if (node.kind !== "SelectQueryNode") return false;
  // A data-modifying WITH (`with x as (update …) select …`) writes.
  return (node.with?.expressions ?? []).every((cte) => cte.expression.kind === "SelectQueryNode");
}

/**
 * Whether a statement's WITH holds a write of its own: PostgreSQL's row count is the outer
 * statement's only, so an insert that adds nothing after a WITH that inserted still changed a row.
 */
export function writesInWith(node: RootOperationNode, sqlText: string): boolean {
  if (node.kind === "RawNode") return /^\s*with\b/i.test(sqlText) && !READ_SQL.test(sqlText);
  const ctes = (node as { with?: { expressions: readonly { expression: { kind: string } }[] } }).with
    ?.expressions;
  return (ctes ?? []).some((cte) => cte.expression.kind !== "SelectQueryNode");
}

interface Lease {
  inner: DatabaseConnection;
  inTransaction: boolean;
  /** A write ran in the open transaction. */
  wrote: boolean;
  /** A write was committed during this lease: said when the connection is released. */
  committed: boolean;
  /** Batched writes of the open transaction not sent yet (pg-batch.ts). */
  pending: CompiledQuery[];
  /**
   * A statement of the open transaction failed (since its last savepoint rolled back to): the
   * transaction is aborted, and PostgreSQL would answer its COMMIT with a ROLLBACK, silently.
   */
  failed: boolean;
}

class LeasedConnection implements DatabaseConnection {
  readonly lease: Lease;

  constructor(inner: DatabaseConnection) {
    this.lease = { inner, inTransaction: false, wrote: false, committed: false, pending: [], failed: false };
  }

  /** Sends the batched writes waiting, as few statements as they allow. */
  async flush(): Promise<void> {
    const waiting = this.lease.pending;
    if (waiting.length === 0) return;
    this.lease.pending = [];
    for (const statement of mergeWrites(waiting)) await this.send(statement);
  }

  /** Runs a statement; one that fails inside a transaction marks it failed. */
  async send<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.lease.inner.executeQuery<R>(query);
    } catch (err) {
      this.#failed();
      throw err;
    }
  }

  /** A statement failed: inside a transaction, the transaction is aborted. */
  #failed(): void {
    if (this.lease.inTransaction) this.lease.failed = true;
  }

  #changed(): void {
    if (this.lease.inTransaction) this.lease.wrote = true;
    else this.lease.committed = true;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.lease.inTransaction && isBatched(query)) {
      this.lease.pending.push(query);
      this.#changed();
      return { rows: [] };
    }
    const reads = onlyReads(query.query, query.sql);
    // A read that reads nothing they write carries the writes that wait.
    const carrying = reads && this.lease.pending.length > 0 ? withWrites(this.lease.pending, query) : null;
    if (carrying) this.lease.pending = [];
    else await this.flush();
    const result = await this.send<R>(carrying ?? query);
    // An UPDATE or DELETE that matched nothing (a worker's claim on an empty queue) changed
    // nothing; a statement that does not say how many rows it changed (DDL), or whose WITH wrote
    // (the count is only the outer statement's), counts.
    if (!reads && ((result.numAffectedRows ?? 1n) > 0n || writesInWith(query.query, query.sql))) {
      this.#changed();
    }
    return result;
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    // Marked before it runs: one that fails is said anyway, which costs a cache miss, never a stale read.
    if (!onlyReads(query.query, query.sql)) this.#changed();
    await this.flush();
    try {
      yield* this.lease.inner.streamQuery<R>(query, chunkSize);
    } catch (err) {
      this.#failed();
      throw err;
    }
  }
}

class ChangeSayingDriver implements Driver {
  readonly #inner: Driver;
  readonly #clock: () => ChangeClock | undefined;
  readonly #wrapped = new WeakMap<DatabaseConnection, LeasedConnection>();

  constructor(inner: Driver, clock: () => ChangeClock | undefined) {
    this.#inner = inner;
    this.#clock = clock;
  }

  #lease(connection: DatabaseConnection): Lease {
    return (connection as LeasedConnection).lease;
  }

  /** Sends the connection's batched writes (before a commit or savepoint). */
  #flush(connection: DatabaseConnection): Promise<void> {
    return (connection as LeasedConnection).flush();
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#inner.acquireConnection();
    let c = this.#wrapped.get(inner);
    if (!c) {
      c = new LeasedConnection(inner);
      this.#wrapped.set(inner, c);
    }
    return c;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const lease = this.#lease(connection);
    await this.#inner.beginTransaction(lease.inner, settings);
    lease.inTransaction = true;
    lease.wrote = false;
    lease.failed = false;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = this.#lease(connection);
    // A failure the caller caught (a batched write's, thrown by a later statement, say) left the
    // transaction aborted: its COMMIT would roll it back and say nothing, so it fails here, and
    // the caller's transaction is rolled back as for any error.
    if (lease.failed) {
      throw new Error("the transaction cannot commit: one of its statements failed (its error was caught)");
    }
    // The last statement of the writes that wait carries the COMMIT.
    const statements = mergeWrites(lease.pending);
    lease.pending = [];
    const last = statements.pop();
    const c = connection as LeasedConnection;
    for (const s of statements) await c.send(s);
    const committing = last && withCommit(last);
    if (committing) await c.send(committing);
    else {
      if (last) await c.send(last);
      await this.#inner.commitTransaction(lease.inner);
    }
    lease.inTransaction = false;
    if (lease.wrote) lease.committed = true;
    lease.wrote = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = this.#lease(connection);
    lease.inTransaction = false;
    lease.wrote = false;
    lease.pending = [];
    lease.failed = false;
    await this.#inner.rollbackTransaction(lease.inner);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver["savepoint"]>>[2],
  ) {
    await this.#flush(connection);
    await this.#inner.savepoint?.(this.#lease(connection).inner, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver["rollbackToSavepoint"]>>[2],
  ) {
    // What waits was written after the savepoint: undone with it, never sent.
    const lease = this.#lease(connection);
    lease.pending = [];
    await this.#inner.rollbackToSavepoint?.(lease.inner, name, compile);
    // Back at the savepoint the transaction may go on, whatever failed after it.
    lease.failed = false;
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver["releaseSavepoint"]>>[2],
  ) {
    await this.#flush(connection);
    await this.#inner.releaseSavepoint?.(this.#lease(connection).inner, name, compile);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = this.#lease(connection);
    // A transaction left open (its connection given back after a failure) wrote nothing durable.
    const said = lease.committed;
    lease.inTransaction = false;
    lease.wrote = false;
    lease.committed = false;
    lease.pending = [];
    lease.failed = false;
    await this.#inner.releaseConnection(lease.inner);
    if (said) await this.#clock()?.changed();
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

/** `inner` (PostgresDialect) with every committed write told to `clock()` (absent: told to no one). */
export function changeSayingDialect(inner: Dialect, clock: () => ChangeClock | undefined): Dialect {
  return {
    createDriver: () => new ChangeSayingDriver(inner.createDriver(), clock),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    // biome-ignore lint/suspicious/noExplicitAny: as Dialect declares it
    createIntrospector: (db: Kysely<any>) => inner.createIntrospector(db),
  };
}

import { CompiledQuery, type Kysely } from "kysely";
import { SHARED_MAX_AGE_MS } from "./changes.ts";
import type { Database } from "./connection.ts";
import { batched, holdable } from "./pg-batch.ts";
import type { DB, Tx } from "./schema.ts";
import { atGroupCommit } from "./sqlite.ts";

// Hot reads (the public tracking read) and hot writes (a submission) run one query shape thousands
// of times a second. Building and compiling a Kysely query costs more than running it, so a
// prepared query is built once with Kysely (the same schema types and dialect rules as everywhere
// else), compiled once per database, and each call only binds its values. The reads of one call run together: on SQLite in one read
// transaction on the read-only connection, on PostgreSQL side by side on the pool. A read given a
// name runs on PostgreSQL as a named prepared statement, parsed and planned once per connection.

const SLOT = "\u0000portico-param:";

type Value = string | number | boolean | null;

/** A Kysely query builder, or a raw `sql` query (whose compile takes the database). */
interface Buildable<R> {
  compile(db: Kysely<DB>): CompiledQuery<R>;
}

interface Compiled {
  sql: string;
  /** For each SQL parameter, the name of the bound value, or the constant the query holds. */
  slots: ({ name: string } | { value: unknown })[];
  /** The compiled query itself: its node tells the drivers what kind of statement it is. */
  query: CompiledQuery;
  /** Whether it can be sent inside another statement (pg-batch.ts). */
  batchable: boolean;
}

/**
 * Builds a query once with placeholders, one per name (typed `never` so they fit any column; at
 * run time each is a marker the compiled query is searched for), and compiles it. Constants
 * written into the query stay constants.
 */
class Template<P extends string, R> {
  readonly #names: readonly P[];
  readonly #build: (db: Kysely<DB>, p: Record<P, never>) => Buildable<R>;
  readonly #compiled = new WeakMap<Kysely<DB>, Compiled>();

  constructor(names: readonly P[], build: (db: Kysely<DB>, p: Record<P, never>) => Buildable<R>) {
    this.#names = names;
    this.#build = build;
  }

  compile(db: Kysely<DB>): Compiled {
    let c = this.#compiled.get(db);
    if (c) return c;
    const placeholders = Object.fromEntries(this.#names.map((n) => [n, `${SLOT}${n}`])) as Record<P, never>;
    const query = this.#build(db, placeholders).compile(db);
    const slots = query.parameters.map((v) =>
      typeof v === "string" && v.startsWith(SLOT) ? { name: v.slice(SLOT.length) } : { value: v },
    );
    for (const n of this.#names) {
      if (!slots.some((s) => "name" in s && s.name === n)) {
        throw new Error(`prepared query: the value "${n}" is never used in the query`);
      }
    }
    c = { sql: query.sql, slots, query, batchable: holdable(query.sql) };
    this.#compiled.set(db, c);
    return c;
  }

  parameters(c: Compiled, values: Record<P, Value>): unknown[] {
    const out = new Array<unknown>(c.slots.length);
    for (let i = 0; i < out.length; i++) {
      const s = c.slots[i] as { name: string } | { value: unknown };
      out[i] = "name" in s ? values[s.name as P] : s.value;
    }
    return out;
  }
}

export interface BoundRead<R> {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** PostgreSQL: the prepared statement's name. */
  readonly name?: string | undefined;
  /** Only carries the row type. */
  readonly row?: R;
}

/** The names given to prepared statements: each names one query text. */
const STATEMENT_NAMES = new Set<string>();

export class PreparedRead<P extends string, R> {
  readonly #template: Template<P, R>;
  readonly #name: string | undefined;

  /**
   * `build` receives placeholders, one per name, to use where the values go. They are typed
   * `never` so they fit any column; at run time each is a marker the compiled query is searched
   * for. Constants written into the query stay constants. `opts.name`: on PostgreSQL the read
   * runs as the prepared statement of that name (unique in the process).
   */
  constructor(
    names: readonly P[],
    build: (db: Kysely<DB>, p: Record<P, never>) => Buildable<R>,
    opts: { name?: string } = {},
  ) {
    this.#template = new Template(names, build);
    if (opts.name !== undefined) {
      if (STATEMENT_NAMES.has(opts.name)) throw new Error(`prepared query: the name "${opts.name}" is taken`);
      STATEMENT_NAMES.add(opts.name);
    }
    this.#name = opts.name;
  }

  bind(database: Database, values: Record<P, Value>): BoundRead<R> {
    const c = this.#template.compile(database.db);
    return { sql: c.sql, parameters: this.#template.parameters(c, values), name: this.#name };
  }
}

/** One bound read on PostgreSQL's pool: as its named prepared statement when it has a name. */
async function readOnPool<R>(database: Database, read: BoundRead<R>): Promise<R[]> {
  if (read.name && database.namedQuery) return database.namedQuery<R>(read.name, read.sql, read.parameters);
  const result = await database.db.executeQuery<R>(CompiledQuery.raw(read.sql, [...read.parameters]));
  return result.rows;
}

/**
 * A write on a hot path (a submission runs a dozen): built with Kysely like any other query,
 * compiled once per database, and each call binds its values and runs the compiled statement in
 * the caller's transaction. Answers the rows of a `returning` clause, else none.
 * `atGroupCommit`: on SQLite the statement runs just before the group's COMMIT, outside the
 * member's savepoint (see `atGroupCommit` in sqlite.ts: for full-text index rows); elsewhere it
 * runs in place. `batched` (an insert that returns nothing, whose failure fails its transaction):
 * on PostgreSQL, in a transaction, it is sent with the transaction's next statement or its commit
 * (pg-batch.ts); on SQLite it runs in place.
 */
export class PreparedWrite<P extends string, R = never> {
  readonly #template: Template<P, R>;
  readonly #atGroupCommit: boolean;
  readonly #batched: boolean;

  constructor(
    names: readonly P[],
    build: (db: Kysely<DB>, p: Record<P, never>) => Buildable<R>,
    opts: { atGroupCommit?: boolean; batched?: boolean } = {},
  ) {
    this.#template = new Template(names, build);
    this.#atGroupCommit = opts.atGroupCommit ?? false;
    this.#batched = opts.batched ?? false;
  }

  async execute(database: Database, tx: Tx, values: Record<P, Value>): Promise<R[]> {
    const c = this.#template.compile(database.db);
    const query: CompiledQuery = {
      query: c.query.query,
      queryId: c.query.queryId,
      sql: c.sql,
      parameters: this.#template.parameters(c, values),
    };
    if (this.#batched && database.dialect === "postgres") {
      if (!c.batchable) throw new Error(`prepared write: cannot be batched: ${c.sql}`);
      await tx.executeQuery(batched(query));
      return [];
    }
    const result = await tx.executeQuery<R>(this.#atGroupCommit ? atGroupCommit(query) : query);
    return result.rows;
  }
}

/**
 * A write built on the spot (rows of any number) that returns nothing and whose failure fails its
 * transaction: on PostgreSQL sent with the transaction's next statement (pg-batch.ts).
 */
export async function executeBatched(database: Database, tx: Tx, write: Buildable<unknown>): Promise<void> {
  const query = write.compile(database.db);
  if (database.dialect === "postgres" && holdable(query.sql)) await tx.executeQuery(batched(query));
  else await tx.executeQuery(query);
}

export type RowOf<Q> = Q extends PreparedRead<string, infer R> ? R : never;

type Rows<T> = { [K in keyof T]: T[K] extends BoundRead<infer R> ? R[] : never };

/** Runs bound reads together and answers their rows in the same order. */
export async function readTogether<const T extends readonly BoundRead<unknown>[]>(
  database: Database,
  reads: T,
): Promise<Rows<T>> {
  if (database.reader) return database.reader.batch(reads) as Rows<T>;
  return (await Promise.all(reads.map((r) => readOnPool(database, r)))) as Rows<T>;
}

/** Runs one bound read: on SQLite on the read-only connection (the last commit), on PostgreSQL on the pool. */
export async function readOne<R>(database: Database, read: BoundRead<R>): Promise<R[]> {
  if (database.reader) return database.reader.all(read.sql, read.parameters) as R[];
  return readOnPool(database, read);
}

/**
 * Runs one query outside any transaction and answers its rows as arrays of column values, in the
 * order of the select list: on SQLite on the read-only connection without building an object per
 * row (a read of tens of thousands of rows costs half as much), on PostgreSQL on the pool.
 */
export async function readArrays(database: Database, query: CompiledQuery): Promise<unknown[][]> {
  if (database.reader) return database.reader.allArrays(query.sql, query.parameters);
  const result = await database.db.executeQuery<Record<string, unknown>>(query);
  return result.rows.map((row) => Object.values(row));
}

/**
 * Answers of recent reads by key, each valid until the database may have changed. On SQLite this
 * process is the one writer that matters: its own commits are seen at once and another process's
 * within `EXTERNAL_CHANGE_CHECK_MS` (`SqliteReader.version`; at once with `exact`). On PostgreSQL,
 * where many processes write, only a cache made `onPostgres` keeps answers, and only while the
 * database has a change clock (REDIS_URL, changes.ts): each lookup asks the clock, so a write
 * committed by any process before the lookup is seen, and an entry lives at most
 * SHARED_MAX_AGE_MS; without a clock, or while Redis does not answer, every call reads. Values are
 * shared between callers: never mutate one.
 *
 * Bounded twice: at most `maxEntries` answers, and at most `share` of the database's read-cache
 * budget in bytes (`Database.readCacheBytes`, from CACHE_MEMORY_MB), each answer's size
 * estimated once when it is stored (`estimateBytes`). The least recently used go first; an answer
 * larger than the whole share is answered but not kept. The shares of the caches add up to 1:
 * tracking reads 0.35, portal pages 0.2, customer sessions 0.15, dashboards 0.1, KB answers 0.1,
 * workspaces 0.05, KB settings 0.05.
 *
 * Any commit makes every entry stale, so under writes most lookups read again. Given `unchanged`,
 * a read whose answer equals the stale entry's answers that entry's value itself: what callers
 * work out once per value (kept in a WeakMap by it: a workspace's translators, a rendered frame)
 * outlives the commits that did not change it.
 */
export class ReadCache<V> {
  readonly #max: number;
  readonly #share: number;
  readonly #onPostgres: boolean;
  readonly #exact: boolean;
  readonly #unchanged: ((kept: V, read: V) => boolean) | undefined;
  readonly #byDatabase = new WeakMap<Database, CacheState<V>>();

  /**
   * `onPostgres`: keep answers on PostgreSQL too (for reads whose answer may be up to 10 s stale in
   * the worst case). `exact`: every call asks SQLite whether another process has committed since
   * (one `PRAGMA data_version`), so no answer is older than the last commit of any process.
   * `unchanged`: whether a new answer equals a stale one (see above).
   */
  constructor(
    maxEntries: number,
    opts: {
      share?: number;
      onPostgres?: boolean;
      exact?: boolean;
      unchanged?: (kept: V, read: V) => boolean;
    } = {},
  ) {
    this.#max = maxEntries;
    this.#share = opts.share ?? 0.1;
    this.#onPostgres = opts.onPostgres ?? false;
    this.#exact = opts.exact ?? false;
    this.#unchanged = opts.unchanged;
  }

  #state(database: Database): CacheState<V> {
    let state = this.#byDatabase.get(database);
    if (!state) {
      const budget = database.readCacheBytes;
      state = { entries: new Map(), bytes: 0, maxBytes: Math.floor(budget * this.#share) };
      this.#byDatabase.set(database, state);
    }
    return state;
  }

  /** A hit answers the value itself (no promise to wait for); a miss, the read's promise. */
  get(database: Database, key: string, read: () => Promise<V>): V | Promise<V> {
    const reader = database.reader;
    if (!reader) {
      const clock = this.#onPostgres ? database.changes : undefined;
      if (!clock) return this.#readAgain(database, key, read);
      const at = performance.now();
      return clock.current().then((version) => {
        if (version === null) return this.#readAgain(database, key, read);
        return this.#lookup(this.#state(database), key, version, at - SHARED_MAX_AGE_MS, at, read);
      });
    }
    // Taken before the read: a change in between leaves the entry already stale, never wrong.
    const version = reader.version(this.#exact);
    return this.#lookup(this.#state(database), key, version, Number.NEGATIVE_INFINITY, 0, read);
  }

  /**
   * Where no answer may be kept (PostgreSQL without a change clock): the read, every time; with
   * `unchanged`, an equal answer is still the object answered before (kept at a version no lookup
   * matches: NaN equals nothing).
   */
  #readAgain(database: Database, key: string, read: () => Promise<V>): Promise<V> {
    if (!this.#unchanged) return read();
    return Promise.resolve(this.#lookup(this.#state(database), key, Number.NaN, 0, 0, read));
  }

  /** The entry of `key` if made at `version` after `notBefore`; else the read, kept at `version`. */
  #lookup(
    state: CacheState<V>,
    key: string,
    version: number | string,
    notBefore: number,
    at: number,
    read: () => Promise<V>,
  ): V | Promise<V> {
    const entries = state.entries;
    const hit = entries.get(key);
    if (hit) {
      if (hit.version === version && hit.at > notBefore) {
        entries.delete(key);
        entries.set(key, hit); // most recently used last
        return hit.value;
      }
      // With `unchanged`, a stale entry stays until its read is back: lookups of the same key
      // meanwhile compare their reads with it too, and answer the kept object as well.
      if (!this.#unchanged) {
        entries.delete(key);
        state.bytes -= hit.bytes;
      }
    }
    const max = this.#max;
    const unchanged = hit ? this.#unchanged : undefined;
    return read().then((fresh) => {
      const same = unchanged?.((hit as CacheEntry<V>).value, fresh);
      const value = same ? (hit as CacheEntry<V>).value : fresh;
      const bytes = same ? (hit as CacheEntry<V>).bytes : estimateBytes(value) + key.length + ENTRY_OVERHEAD;
      if (bytes > state.maxBytes) return value;
      const old = entries.get(key);
      if (old) {
        entries.delete(key);
        state.bytes -= old.bytes;
      }
      entries.set(key, { version, at, value, bytes });
      state.bytes += bytes;
      while (entries.size > max || state.bytes > state.maxBytes) {
        const [oldestKey, oldest] = entries.entries().next().value as [string, CacheEntry<V>];
        entries.delete(oldestKey);
        state.bytes -= oldest.bytes;
      }
      return value;
    });
  }

  /** The answers kept for a database and their estimated bytes (for tests and operators). */
  usage(database: Database): { entries: number; bytes: number; maxBytes: number } {
    const state = this.#byDatabase.get(database);
    return state
      ? { entries: state.entries.size, bytes: state.bytes, maxBytes: state.maxBytes }
      : { entries: 0, bytes: 0, maxBytes: 0 };
  }
}

interface CacheEntry<V> {
  version: number | string;
  at: number;
  value: V;
  bytes: number;
}

interface CacheState<V> {
  entries: Map<string, CacheEntry<V>>;
  bytes: number;
  maxBytes: number;
}

/** The map entry, its key string and the entry object, roughly. */
const ENTRY_OVERHEAD = 96;

/**
 * The memory a plain value (what a read answers: rows, arrays, objects of strings, numbers,
 * booleans, null) takes in V8, roughly: a string its characters and a header, a number or a slot
 * 8 bytes, an array or object its header and slots. An estimate, to bound a cache by bytes; not
 * exact, and cheap next to the read it stands for.
 */
export function estimateBytes(value: unknown): number {
  let bytes = 0;
  const stack: unknown[] = [value];
  let seen = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    // A bound on the walk, should a value ever hold a cycle: anything that large is not kept.
    if (++seen > 1_000_000) return Number.MAX_SAFE_INTEGER;
    if (typeof v === "string") bytes += 16 + v.length;
    else if (v === null || typeof v !== "object") bytes += 8;
    else if (v instanceof Date) bytes += 32;
    else if (ArrayBuffer.isView(v)) bytes += 64 + v.byteLength;
    else if (Array.isArray(v)) {
      bytes += 16 + 8 * v.length;
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else {
      const keys = Object.keys(v);
      bytes += 24 + 8 * keys.length;
      for (const k of keys) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return bytes;
}

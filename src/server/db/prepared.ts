import { type Compilable, CompiledQuery, type Kysely } from "kysely";
import type { Database } from "./connection.ts";
import type { DB } from "./schema.ts";

// Hot reads (the public tracking read) run one query shape thousands of times a second. Building
// and compiling a Kysely query costs more than running it, so a prepared read is built once with
// Kysely (the same schema types and dialect rules as everywhere else), compiled once per database,
// and each call only binds its values. The reads of one call run together: on SQLite in one read
// transaction on the read-only connection, on PostgreSQL side by side on the pool.

const SLOT = "\u0000portico-param:";

type Value = string | number | boolean | null;

interface Compiled {
  sql: string;
  /** For each SQL parameter, the name of the bound value, or the constant the query holds. */
  slots: ({ name: string } | { value: unknown })[];
}

export interface BoundRead<R> {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** Only carries the row type. */
  readonly row?: R;
}

export class PreparedRead<P extends string, R> {
  readonly #names: readonly P[];
  readonly #build: (db: Kysely<DB>, p: Record<P, never>) => Compilable<R>;
  readonly #compiled = new WeakMap<Kysely<DB>, Compiled>();

  /**
   * `build` receives placeholders, one per name, to use where the values go. They are typed
   * `never` so they fit any column; at run time each is a marker the compiled query is searched
   * for. Constants written into the query stay constants.
   */
  constructor(names: readonly P[], build: (db: Kysely<DB>, p: Record<P, never>) => Compilable<R>) {
    this.#names = names;
    this.#build = build;
  }

  bind(database: Database, values: Record<P, Value>): BoundRead<R> {
    const c = this.#compile(database.db);
    return {
      sql: c.sql,
      parameters: c.slots.map((s) => ("name" in s ? values[s.name as P] : s.value)),
    };
  }

  #compile(db: Kysely<DB>): Compiled {
    let c = this.#compiled.get(db);
    if (c) return c;
    const placeholders = Object.fromEntries(this.#names.map((n) => [n, `${SLOT}${n}`])) as Record<P, never>;
    const query = this.#build(db, placeholders).compile();
    const slots = query.parameters.map((v) =>
      typeof v === "string" && v.startsWith(SLOT) ? { name: v.slice(SLOT.length) } : { value: v },
    );
    for (const n of this.#names) {
      if (!slots.some((s) => "name" in s && s.name === n)) {
        throw new Error(`prepared read: the value "${n}" is never used in the query`);
      }
    }
    c = { sql: query.sql, slots };
    this.#compiled.set(db, c);
    return c;
  }
}

export type RowOf<Q> = Q extends PreparedRead<string, infer R> ? R : never;

type Rows<T> = { [K in keyof T]: T[K] extends BoundRead<infer R> ? R[] : never };

/** Runs bound reads together and answers their rows in the same order. */
export async function readTogether<const T extends readonly BoundRead<unknown>[]>(
  database: Database,
  reads: T,
): Promise<Rows<T>> {
  if (database.reader) return database.reader.batch(reads) as Rows<T>;
  const results = await Promise.all(
    reads.map((r) => database.db.executeQuery(CompiledQuery.raw(r.sql, [...r.parameters]))),
  );
  return results.map((r) => r.rows) as Rows<T>;
}

/**
 * Answers of recent reads by key, each valid until the database may have changed. SQLite only:
 * there this process is the one writer that matters, its own commits are seen at once and another
 * process's within `EXTERNAL_CHANGE_CHECK_MS` (`SqliteReader.version`). On PostgreSQL, where many
 * processes write, every call reads. Values are shared between callers: never mutate one.
 */
export class ReadCache<V> {
  readonly #max: number;
  readonly #byDatabase = new WeakMap<Database, Map<string, { version: number; value: V }>>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  async get(database: Database, key: string, read: () => Promise<V>): Promise<V> {
    const reader = database.reader;
    if (!reader) return read();
    let entries = this.#byDatabase.get(database);
    if (!entries) {
      entries = new Map();
      this.#byDatabase.set(database, entries);
    }
    // Taken before the read: a change in between leaves the entry already stale, never wrong.
    const version = reader.version();
    const hit = entries.get(key);
    entries.delete(key);
    if (hit && hit.version === version) {
      entries.set(key, hit); // most recently used last
      return hit.value;
    }
    const value = await read();
    entries.set(key, { version, value });
    if (entries.size > this.#max) entries.delete(entries.keys().next().value as string);
    return value;
  }
}

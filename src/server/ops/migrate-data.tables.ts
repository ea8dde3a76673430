import type { DatabaseSync } from "node:sqlite";
import type pg from "pg";

// What `portico migrate-data` copies, read from the two catalogues rather than listed by hand:
// every table of the migrated PostgreSQL schema that the SQLite file has too, with the columns
// both have, in an order where every row's foreign keys point at rows already copied. The search
// indexes differ by engine (FTS5 tables on SQLite, tsvector columns and a table on PostgreSQL)
// and are rebuilt, never copied (migrate-data.search.ts). Anything else that is on one side only
// stops the move: it would be data left behind.

/** Kept by the migrator on each side: the target gets its own by migrating. */
const MIGRATOR_TABLES = new Set(["kysely_migration", "kysely_migration_lock"]);
/** PostgreSQL's search structures, filled by migrate-data.search.ts. */
const PG_SEARCH_TABLES = new Set(["ticket_search", "kb_article_heads"]);
const PG_SEARCH_COLUMNS: Record<string, string[]> = { kb_articles: ["document", "heads"] };
/** SQLite's search structures besides the FTS5 virtual tables and their shadow tables. */
const SQLITE_SEARCH_TABLES = new Set(["kb_search_docs"]);

export interface Column {
  name: string;
  /** PostgreSQL's data_type: how a SQLite value is converted and compared. */
  type: string;
  nullable: boolean;
}

export interface TablePlan {
  name: string;
  columns: Column[];
  /** The primary key's columns: rows are compared in this order on both sides. */
  key: string[];
  /**
   * Foreign-key columns that point into the table itself or back along a cycle: inserted as
   * null, then set once every row of the table exists (tickets.follow_up_of_id).
   */
  deferred: string[];
}

/** The move was refused or did not verify; `problems` lists each finding. Nothing was committed. */
export class MigrateDataError extends Error {
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(message);
    this.problems = problems;
  }
}

const quoteId = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const q = quoteId;

interface PgColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: "YES" | "NO";
}

/** The tables a migrated PostgreSQL database holds, with their columns, keys and foreign keys. */
async function pgCatalog(client: pg.Client) {
  const cols = await client.query<PgColumnRow>(
    `select c.table_name, c.column_name, c.data_type, c.is_nullable
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      order by c.table_name, c.ordinal_position`,
  );
  const keys = await client.query<{ table_name: string; column_name: string }>(
    `select tc.table_name, k.column_name
       from information_schema.table_constraints tc
       join information_schema.key_column_usage k
         on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name
        and k.table_name = tc.table_name
      where tc.table_schema = current_schema() and tc.constraint_type = 'PRIMARY KEY'
      order by tc.table_name, k.ordinal_position`,
  );
  const fks = await client.query<{ table_name: string; references: string; columns: string[] }>(
    `select cl.relname as table_name, rf.relname as "references",
            array(select a.attname from unnest(con.conkey) k join pg_attribute a
                   on a.attrelid = con.conrelid and a.attnum = k)::text[] as columns
       from pg_constraint con
       join pg_class cl on cl.oid = con.conrelid
       join pg_class rf on rf.oid = con.confrelid
       join pg_namespace n on n.oid = cl.relnamespace
      where con.contype = 'f' and n.nspname = current_schema()`,
  );
  const tables = new Map<string, { columns: Column[]; key: string[] }>();
  for (const r of cols.rows) {
    let t = tables.get(r.table_name);
    if (!t) {
      t = { columns: [], key: [] };
      tables.set(r.table_name, t);
    }
    t.columns.push({ name: r.column_name, type: r.data_type, nullable: r.is_nullable === "YES" });
  }
  for (const r of keys.rows) tables.get(r.table_name)?.key.push(r.column_name);
  return { tables, fks: fks.rows };
}

/** The SQLite file's tables (search structures and the migrator's apart) and their columns. */
export function sqliteCatalog(source: DatabaseSync): Map<string, Set<string>> {
  const rows = source
    .prepare("select name, type, sql from sqlite_master where type = 'table' order by name")
    .all() as { name: string; sql: string | null }[];
  const virtual = rows.filter((r) => /^\s*create\s+virtual\s+table/i.test(r.sql ?? "")).map((r) => r.name);
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    if (r.name.startsWith("sqlite_") || MIGRATOR_TABLES.has(r.name) || SQLITE_SEARCH_TABLES.has(r.name))
      continue;
    if (virtual.some((v) => r.name === v || r.name.startsWith(`${v}_`))) continue;
    const info = source.prepare(`pragma table_info(${quoteId(r.name)})`).all() as { name: string }[];
    out.set(r.name, new Set(info.map((c) => c.name)));
  }
  return out;
}

/**
 * The copy's plan: the tables in foreign-key order, each with the columns to copy. Throws a
 * MigrateDataError listing each difference when the two schemas differ in anything but the search
 * structures.
 */
export async function planTables(source: DatabaseSync, target: pg.Client): Promise<TablePlan[]> {
  const { tables, fks } = await pgCatalog(target);
  const lite = sqliteCatalog(source);
  const problems: string[] = [];
  const copied = new Map<string, TablePlan>();
  for (const [name, t] of tables) {
    if (MIGRATOR_TABLES.has(name) || PG_SEARCH_TABLES.has(name)) continue;
    const have = lite.get(name);
    if (!have) {
      problems.push(`table ${name} is in PostgreSQL only`);
      continue;
    }
    const rebuilt = PG_SEARCH_COLUMNS[name] ?? [];
    const columns = t.columns.filter((c) => !rebuilt.includes(c.name));
    for (const c of columns)
      if (!have.has(c.name)) problems.push(`column ${name}.${c.name} is in PostgreSQL only`);
    for (const c of have) {
      if (!t.columns.some((p) => p.name === c)) problems.push(`column ${name}.${c} is in SQLite only`);
    }
    copied.set(name, { name, columns, key: t.key.length ? t.key : columns.map((c) => c.name), deferred: [] });
  }
  for (const name of lite.keys()) if (!tables.has(name)) problems.push(`table ${name} is in SQLite only`);
  if (problems.length) {
    throw new MigrateDataError(
      "The SQLite and PostgreSQL schemas differ; nothing was copied (is this Portico the one that made the SQLite file?).",
      problems,
    );
  }
  return dependencyOrder(copied, fks);
}

/**
 * Tables ordered so that a table comes after those it references. A reference to the table
 * itself, or one closing a cycle, is deferred: its columns are set after the rows exist.
 */
function dependencyOrder(
  tables: Map<string, TablePlan>,
  fks: { table_name: string; references: string; columns: string[] }[],
): TablePlan[] {
  const out: TablePlan[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string) => {
    state.set(name, "visiting");
    const plan = tables.get(name) as TablePlan;
    for (const fk of fks.filter((f) => f.table_name === name && tables.has(f.references))) {
      const s = state.get(fk.references);
      if (s === "visiting") {
        for (const c of fk.columns) {
          const col = plan.columns.find((x) => x.name === c);
          if (!col?.nullable)
            throw new MigrateDataError(`${name}.${c} closes a cycle of references and is not nullable`);
          if (!plan.deferred.includes(c)) plan.deferred.push(c);
        }
      } else if (!s) visit(fk.references);
    }
    state.set(name, "done");
    out.push(plan);
  };
  for (const name of [...tables.keys()].sort()) if (!state.has(name)) visit(name);
  return out;
}

/** A SQLite value as PostgreSQL takes it for a column of `type`. */
export function toPg(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === "boolean") return value === 1 || value === 1n || value === true || value === "1";
  if (type === "bytea" && value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

const TIMESTAMP = /^timestamp/;

/**
 * One value in a form both sides agree on: instants as ISO strings to the millisecond (what the
 * app reads on either engine), booleans as t/f, numbers as decimal text, null apart from "".
 */
export function canonical(value: unknown, type: string): string | null {
  if (value === null || value === undefined) return null;
  if (TIMESTAMP.test(type)) {
    const text = String(value);
    // An instant stored without a zone was written as UTC, and PostgreSQL is told so (migrate-data.ts).
    const zoned = /(?:Z|[+-]\d\d(?::?\d\d)?)$/i.test(text) ? text : `${text}Z`;
    const ms = Date.parse(zoned.includes("T") ? zoned : zoned.replace(" ", "T"));
    return Number.isNaN(ms) ? `invalid:${text}` : new Date(ms).toISOString();
  }
  if (type === "boolean") return value === true || value === 1 || value === 1n || value === "1" ? "t" : "f";
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return String(value);
}

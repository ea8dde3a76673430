import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { openDatabase, SQLITE_FILE } from "../db/connection.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { appliedMigrations } from "../db/sqlite-file.ts";
import type { FileStore, MasterKey } from "../ports.ts";
import { checkSearch, rebuildArticleSearch, rebuildTicketSearch } from "./migrate-data.search.ts";
import { MigrateDataError, planTables, q, type TablePlan, toPg } from "./migrate-data.tables.ts";
import { checkFile, compareTable, type FileRef } from "./migrate-data.verify.ts";
import type { Say } from "./progress.ts";

// `portico migrate-data --to postgres://…`: the embedded SQLite database moved into an empty
// PostgreSQL database, once, by an operator, with Portico stopped. It is the one place that
// reads every table by name from the catalogue instead of through the entities' access
// functions: it acts for no one (no actor exists yet on the target) and changes nothing in the
// source. Everything happens in ONE PostgreSQL transaction: the copy in foreign-key order, the
// search indexes rebuilt, then the proof (every row compared, every file decrypted and checked);
// any difference rolls the whole move back, so a failed run leaves the target as empty as it
// found it and can simply be run again.

export interface MigrateDataOptions {
  /** DATA_DIR: the SQLite file is DATA_DIR/portico.sqlite. */
  dataDir: string;
  /** postgres://… of an empty database (or one only migrated). */
  to: string;
  /** Where the files are checked: the store the processes will use, with the key. */
  files: { store: FileStore; key: MasterKey } | null;
  /** Copy every referenced file from DATA_DIR/files into this store first (--copy-files-to-s3). */
  copyFilesFrom?: FileStore;
  /** Report missing or damaged files without failing the move. */
  allowMissingFiles?: boolean;
  /** Rows per INSERT at most. */
  batchRows?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: Say;
}

export interface MigrateDataReport {
  tables: { name: string; rows: number; checksum: string }[];
  ticketSearchRows: number;
  articlesIndexed: number;
  files: { checked: number; copied: number; warnings: string[] };
}

/** Thrown by each step of the move (defined beside the plan, the first step that throws it). */
export { MigrateDataError };

/** Parameters per statement stay well under PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;

async function rowsIn(client: pg.Client, tables: string[]): Promise<string[]> {
  const full: string[] = [];
  for (const t of tables) {
    const r = await client.query(`select 1 from ${q(t)} limit 1`);
    if (r.rowCount) full.push(t);
  }
  return full;
}

async function userTables(client: pg.Client): Promise<string[]> {
  const r = await client.query<{ table_name: string }>(
    `select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'
        and table_name not in ('kysely_migration', 'kysely_migration_lock')`,
  );
  return r.rows.map((x) => x.table_name);
}

async function refuseNonEmpty(client: pg.Client): Promise<void> {
  const full = await rowsIn(client, await userTables(client));
  if (full.length) {
    throw new MigrateDataError(
      `The target database is not empty (rows in ${full.sort().join(", ")}). migrate-data copies into an empty PostgreSQL database only: create a new one (e.g. createdb portico) and give its URL to --to.`,
    );
  }
}

async function sameMigrations(source: DatabaseSync, client: pg.Client): Promise<void> {
  const lite = appliedMigrations(source);
  if (!lite.length)
    throw new MigrateDataError("The SQLite file holds no Portico database (no migration history).");
  const target = (
    await client.query<{ name: string }>("select name from kysely_migration order by name")
  ).rows.map((r) => r.name);
  if (lite.join() !== target.join()) {
    throw new MigrateDataError(
      `The SQLite database is at migration ${lite.at(-1) ?? "none"}, this Portico's last is ${target.at(-1)}. Run \`portico migrate\` without DATABASE_URL first (or start Portico on SQLite once), stop it, then move.`,
    );
  }
}

const failedIn = (table: string) => (err: unknown) => {
  throw new MigrateDataError(`Copying ${table} failed: ${(err as Error).message}. Nothing was committed.`);
};

/** Copies one table in batches; deferred columns are set once every row is in. */
async function copyTable(
  source: DatabaseSync,
  client: pg.Client,
  plan: TablePlan,
  batchRows: number,
  progress: Say,
): Promise<number> {
  const names = plan.columns.map((c) => c.name);
  const perInsert = Math.max(1, Math.min(batchRows, Math.floor(MAX_PARAMETERS / names.length)));
  const rows = source
    .prepare(`select ${names.map(q).join(", ")} from ${q(plan.name)} order by rowid`)
    .iterate() as IterableIterator<Record<string, unknown>>;
  const later: Record<string, unknown>[] = [];
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (!batch.length) return;
    const params: unknown[] = [];
    const tuples = batch.map((values) => {
      const marks = values.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      return `(${marks.join(", ")})`;
    });
    await client.query(
      `insert into ${q(plan.name)} (${names.map(q).join(", ")}) values ${tuples.join(", ")}`,
      params,
    );
    copied += batch.length;
    batch = [];
    if (copied >= 50_000 && copied % 50_000 < perInsert) progress(`  ${plan.name}: ${copied} rows…`);
  };
  for (const row of rows) {
    if (plan.deferred.some((c) => row[c] !== null)) later.push(row);
    batch.push(plan.columns.map((c) => (plan.deferred.includes(c.name) ? null : toPg(row[c.name], c.type))));
    if (batch.length >= perInsert) await flush().catch(failedIn(plan.name));
  }
  await flush().catch(failedIn(plan.name));
  for (const row of later) {
    const sets = plan.deferred.map((c, i) => `${q(c)} = $${i + 1}`);
    const where = plan.key.map((k, i) => `${q(k)} = $${plan.deferred.length + i + 1}`);
    const type = (name: string) => plan.columns.find((c) => c.name === name)?.type ?? "text";
    await client.query(`update ${q(plan.name)} set ${sets.join(", ")} where ${where.join(" and ")}`, [
      ...plan.deferred.map((c) => toPg(row[c], type(c))),
      ...plan.key.map((k) => toPg(row[k], type(k))),
    ]);
  }
  return copied;
}

/** Copies the sealed bytes of each file into `to` (they stay encrypted under the same key). */
async function copyFiles(from: FileStore, to: FileStore, refs: FileRef[]): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-move-"));
  let copied = 0;
  try {
    for (const ref of new Map(refs.map((r) => [r.storageKey, r])).values()) {
      const sealed = await from.get(ref.storageKey);
      if (!sealed) continue; // reported by the check that follows
      const temp = path.join(dir, ref.storageKey);
      await pipeline(sealed, fs.createWriteStream(temp, { mode: 0o600 }));
      await to.putFile(ref.storageKey, temp, fs.statSync(temp).size);
      fs.rmSync(temp, { force: true });
      copied++;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return copied;
}

export async function migrateData(opts: MigrateDataOptions): Promise<MigrateDataReport> {
  const progress = opts.progress ?? (() => {});
  const file = path.join(opts.dataDir, SQLITE_FILE);
  if (!fs.existsSync(file)) throw new MigrateDataError(`No SQLite database at ${file} (set DATA_DIR).`);
  const source = new DatabaseSync(file, { readOnly: true });
  const client = new pg.Client({ connectionString: opts.to });
  await client.connect();
  try {
    await refuseNonEmpty(client);
    const target = openDatabase({ databaseUrl: opts.to, dataDir: opts.dataDir, poolSize: 1 });
    try {
      const { applied } = await migrateToLatest(target.db);
      if (applied.length) progress(`target migrated: ${applied.length} migrations applied`);
    } finally {
      await target.close();
    }
    await sameMigrations(source, client);
    const plans = await planTables(source, client);
    // One snapshot of the source, one transaction on the target.
    source.exec("begin");
    await client.query("begin");
    try {
      await client.query("set local time zone 'UTC'");
      await refuseNonEmpty(client);
      let n = 0;
      // Ids are copied as they are: no column takes its value from a sequence (all are text ids).
      for (const plan of plans) {
        const rows = await copyTable(source, client, plan, opts.batchRows ?? 500, progress);
        progress(`copied ${++n}/${plans.length} ${plan.name}: ${rows} rows`);
      }
      const ticketSearchRows = await rebuildTicketSearch(source, client);
      const articlesIndexed = await rebuildArticleSearch(client);
      progress(`search rebuilt: ${ticketSearchRows} ticket index rows, ${articlesIndexed} articles`);

      const problems: string[] = [];
      const tables: MigrateDataReport["tables"] = [];
      const refs: FileRef[] = [];
      n = 0;
      for (const plan of plans) {
        const check = await compareTable(source, client, plan);
        problems.push(...check.problems);
        refs.push(...check.files);
        tables.push({ name: plan.name, rows: check.rows, checksum: check.checksum });
        progress(
          `verified ${++n}/${plans.length} ${plan.name}: ${check.rows} rows ${check.problems.length ? "DIFFER" : "match"}`,
        );
      }
      problems.push(...(await checkSearch(source, client, articlesIndexed)));

      const files = { checked: 0, copied: 0, warnings: [] as string[] };
      if (refs.length && !opts.files) {
        problems.push(
          `${refs.length} files are referenced but no file encryption key was found to check them`,
        );
      } else if (opts.files) {
        if (opts.copyFilesFrom) {
          files.copied = await copyFiles(opts.copyFilesFrom, opts.files.store, refs);
          progress(`files copied to the new store: ${files.copied}`);
        }
        for (const ref of refs) {
          const problem = await checkFile(opts.files.store, opts.files.key, ref);
          files.checked++;
          if (problem) (opts.allowMissingFiles ? files.warnings : problems).push(problem);
          if (files.checked % 1000 === 0) progress(`files checked: ${files.checked}/${refs.length}`);
        }
        progress(`files checked: ${files.checked}, ${files.warnings.length} missing or damaged allowed`);
      }
      if (problems.length) {
        throw new MigrateDataError("The copy does not match the source; nothing was committed.", problems);
      }
      await client.query("commit");
      return { tables, ticketSearchRows, articlesIndexed, files };
    } catch (err) {
      await client.query("rollback").catch(() => {});
      throw err;
    } finally {
      source.exec("rollback");
    }
  } finally {
    await client.end();
    source.close();
  }
}

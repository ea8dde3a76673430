import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openDatabase } from "../db/connection.ts";
import { migrateToLatest } from "../db/migrate.ts";

// A test environment starts from a database that is already migrated: the migrations run once
// per version of db/migrations on a machine (a template file for SQLite, a template database on
// the PostgreSQL server), and each test copies it. The harness still runs migrateToLatest on the
// copy, which finds nothing to do; a changed migration folder makes a new template.

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../db/migrations");

/** A short hash of every migration file's name and content. */
function migrationsVersion(): string {
  const hash = createHash("sha256");
  for (const name of fs.readdirSync(MIGRATIONS).sort()) {
    hash.update(name);
    hash.update(fs.readFileSync(path.join(MIGRATIONS, name)));
  }
  return hash.digest("hex").slice(0, 12);
}

/** Copies a migrated SQLite database to `file`, making the machine's template first if needed. */
export async function copySqliteTemplate(file: string): Promise<void> {
  const template = path.join(os.tmpdir(), `portico-test-template-${migrationsVersion()}.sqlite`);
  if (!fs.existsSync(template)) {
    // Made aside and renamed into place: processes starting together each may make one, and
    // every reader sees either none or a whole one.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-template-"));
    try {
      const database = openDatabase({ databaseUrl: undefined, dataDir: dir });
      await migrateToLatest(database.db);
      await database.close();
      fs.renameSync(path.join(dir, "portico.sqlite"), template);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  fs.copyFileSync(template, file);
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const TEMPLATE_LOCK = 7_160_021;

/**
 * The name of a migrated template database on the server of `baseUrl`, made under an advisory
 * lock by the first test process that needs it. Templates of other versions are left alone:
 * another checkout on the same server may be using one.
 */
export async function postgresTemplate(baseUrl: string): Promise<string> {
  const name = `portico_template_${migrationsVersion()}`;
  return withClient(baseUrl, async (admin) => {
    const exists = async () =>
      (await admin.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
    if (await exists()) return name;
    await admin.query("select pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      if (await exists()) return name;
      const building = `${name}_building_${process.pid}`;
      await admin.query(`drop database if exists ${building}`);
      await admin.query(`create database ${building}`);
      const url = new URL(baseUrl);
      url.pathname = `/${building}`;
      const database = openDatabase({ databaseUrl: url.toString(), dataDir: os.tmpdir(), poolSize: 1 });
      try {
        await migrateToLatest(database.db);
      } finally {
        await database.close();
      }
      await admin.query(`alter database ${building} rename to ${name}`);
      return name;
    } finally {
      await admin.query("select pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
    }
  });
}

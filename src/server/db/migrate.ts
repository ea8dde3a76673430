import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
} from "kysely";
import { errorText } from "../lib/outage.ts";

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../db/migrations");

// One ordered history for both databases; a migration that must differ asks isPostgres(db).
class FolderMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const name of await migrationNames()) {
      out[name] = (await import(pathToFileURL(path.join(migrationsDir, `${name}.ts`)).href)) as Migration;
    }
    return out;
  }
}

export interface MigrateOutcome {
  applied: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: runs before the typed schema exists
export async function migrateToLatest(db: Kysely<any>): Promise<MigrateOutcome> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider() });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    // No migration named when none ran: the database refused before the first (unreachable, say).
    const failed = result.results?.find((r) => r.status === "Error");
    const what = failed ? `migration ${failed.migrationName} failed` : "migrations could not run";
    const err = new Error(`${what}: ${errorText(result.error)}`);
    err.cause = result.error;
    throw err;
  }
  return {
    applied: (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName),
  };
}

/** The migrations this version knows, in order: a backup's level is checked against them. */
export async function migrationNames(): Promise<string[]> {
  const files = await fs.readdir(migrationsDir);
  return files
    .filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ""))
    .sort();
}

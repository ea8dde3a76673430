import type { DatabaseSync } from "node:sqlite";

// A SQLite database file read as a whole by the operator's commands (backup, restore,
// migrate-data), through node:sqlite directly: its check and the migrations it holds.

/** Throws unless SQLite's quick check finds the file intact; `what` names it in the error. */
export function checkIntact(db: DatabaseSync, what: string): void {
  const rows = db.prepare("pragma quick_check").all() as { quick_check: string }[];
  if (rows.length !== 1 || rows[0]?.quick_check !== "ok") {
    throw new Error(`${what} fails SQLite's check: ${rows.map((r) => r.quick_check).join("; ")}`);
  }
}

/** The migrations applied to the database, in order; none when it has no migration history. */
export function appliedMigrations(db: DatabaseSync): string[] {
  const history = db
    .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
    .get();
  if (!history) return [];
  return (db.prepare("select name from kysely_migration order by name").all() as { name: string }[]).map(
    (r) => r.name,
  );
}

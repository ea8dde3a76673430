import { type ColumnDataType, type Expression, type Kysely, PostgresAdapter, sql } from "kysely";

// The few places where SQLite and PostgreSQL differ are decided here, by the adapter in use.

// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export function columnTypes(db: Kysely<any>): {
  ts: ColumnDataType | Expression<unknown>;
  bool: ColumnDataType;
} {
  return isPostgres(db) ? { ts: sql`timestamptz`, bool: "boolean" } : { ts: "text", bool: "integer" };
}

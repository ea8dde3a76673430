import fs from "node:fs";
import path from "node:path";
import { backup, DatabaseSync } from "node:sqlite";
import type { Config } from "../config.ts";
import { SQLITE_FILE } from "../db/connection.ts";
import { appliedMigrations, checkIntact } from "../db/sqlite-file.ts";
import { KEY_FILE, readMasterKey } from "../files/file.crypto.ts";
import { sqliteCatalog } from "./migrate-data.tables.ts";
import type { Say } from "./progress.ts";
import { FILE_DELETED_MARKER, isFileColumn, namesStoredFiles } from "./stored-files.ts";

// Where a backup's parts come from (backup.ts says in which order, and why): the database
// snapshot and the storage keys its rows name, the files present in the store, the key.

/** Pages per backup step: all of them, so the copy is one read transaction (see backup.ts). */
const ONE_STEP = 2 ** 31 - 1;
const STORAGE_KEY = /^[0-9a-f-]{36}$/;

/** A file the snapshot refers to was removed after the snapshot, with its row or marking it. */
export class RemovedMeanwhile extends Error {}

export interface KeyInfo {
  source: "file" | "environment";
  id: string;
  /** The key file's bytes, when it is one. */
  file?: Buffer;
}

export function readKey(config: Config): KeyInfo {
  const key = readMasterKey(config.dataDir, config.fileEncryptionKey);
  const file = path.join(config.dataDir, KEY_FILE);
  if (!key) {
    throw new Error(
      `no encryption key: ${file} does not exist and FILE_ENCRYPTION_KEY is unset (is DATA_DIR the server's?)`,
    );
  }
  const id = key.id.toString("hex");
  return config.fileEncryptionKey
    ? { source: "environment", id }
    : { source: "file", id, file: fs.readFileSync(file) };
}

/** The columns that name a stored file (stored-files.ts says which), by table and column name. */
export function keyColumns(db: DatabaseSync): { table: string; column: string }[] {
  return [...sqliteCatalog(db)].flatMap(([table, columns]) =>
    [...columns].filter(isFileColumn).map((column) => ({ table, column })),
  );
}

/**
 * Every storage key the database's rows name (stored-files.ts: not a row's whose file was deleted
 * on purpose). A plain read of a database file as a whole (the snapshot, or the live file to
 * tell a removal from damage), for no actor: not an application query, so it does not go through
 * the access files.
 */
export function referencedKeys(db: DatabaseSync): Set<string> {
  const keys = new Set<string>();
  for (const [table, columns] of sqliteCatalog(db)) {
    const marker = columns.has(FILE_DELETED_MARKER) ? `, "${FILE_DELETED_MARKER}"` : "";
    for (const column of [...columns].filter(isFileColumn)) {
      const rows = db
        .prepare(`select distinct "${column}" as k${marker} from "${table}" where "${column}" is not null`)
        .all() as Record<string, unknown>[];
      for (const row of rows.filter(namesStoredFiles)) {
        const k = row.k;
        if (typeof k !== "string" || !STORAGE_KEY.test(k)) {
          throw new Error(`${table}.${column} holds ${JSON.stringify(k)}, which is not a storage key`);
        }
        keys.add(k);
      }
    }
  }
  return keys;
}

export async function snapshotSqlite(
  config: Config,
  into: string,
  say: Say,
): Promise<{ pages: number; migrations: string[]; keys: Set<string> }> {
  const live = path.join(config.dataDir, SQLITE_FILE);
  if (!fs.existsSync(live)) throw new Error(`no database at ${live} (is DATA_DIR the server's?)`);
  const source = new DatabaseSync(live, { readOnly: true, timeout: 5000 });
  let pages: number;
  try {
    pages = await backup(source, into, { rate: ONE_STEP });
  } finally {
    source.close();
  }
  const copy = new DatabaseSync(into);
  try {
    // One self-contained file (no -wal beside it); the server turns WAL on again when it opens it.
    copy.exec("pragma journal_mode = delete");
    checkIntact(copy, "the database copy");
    const migrations = appliedMigrations(copy);
    const keys = referencedKeys(copy);
    say(`database: snapshot of ${pages} pages taken at ${migrations.at(-1) ?? "no migration"}`);
    return { pages, migrations, keys };
  } finally {
    copy.close();
  }
}

/** Every storage key present in DATA_DIR/files (PostgreSQL: the database is not in the archive). */
export async function presentKeys(root: string): Promise<Set<string>> {
  const keys = new Set<string>();
  const shards = await fs.promises.readdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  for (const shard of shards.filter((s) => /^[0-9a-f]{2}$/.test(s)).sort()) {
    for (const name of await fs.promises.readdir(path.join(root, shard))) {
      if (STORAGE_KEY.test(name) && name.endsWith(shard)) keys.add(name);
    }
  }
  return keys;
}

/** Files the snapshot names but the store lacks: removed since (start again), or a damaged store. */
export function explainMissing(config: Config, missing: string[]): Error {
  const live = new DatabaseSync(path.join(config.dataDir, SQLITE_FILE), { readOnly: true, timeout: 5000 });
  let stillReferenced: string[];
  try {
    const now = referencedKeys(live);
    stillReferenced = missing.filter((k) => now.has(k));
  } finally {
    live.close();
  }
  if (!stillReferenced.length) {
    return new RemovedMeanwhile(
      `${missing.length} stored file(s) were removed, with their rows, after the snapshot`,
    );
  }
  const some = stillReferenced.slice(0, 5).join(", ");
  return new Error(
    `${stillReferenced.length} file(s) the database refers to are missing from ${path.join(config.dataDir, "files")} (${some}${stillReferenced.length > 5 ? ", …" : ""}): the file store is damaged; no archive was written`,
  );
}

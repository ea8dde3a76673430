import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { backup, DatabaseSync } from "node:sqlite";
import packageJson from "../../../package.json" with { type: "json" };
import type { Config } from "../config.ts";
import { KEY_FILE, masterKeyFrom, sealedKeyId } from "../files/file.crypto.ts";
import { localStorePath } from "../files/file.store.ts";
import { formatBytes } from "../../shared/files.ts";
import { parseKey } from "../lib/encryption-key.ts";
import { TarWriter } from "../lib/tar.ts";
import {
  DB_ENTRY,
  FORMAT,
  FORMAT_VERSION,
  fileEntry,
  KEY_ENTRY,
  MANIFEST_ENTRY,
  MANIFEST_SUM_ENTRY,
  type Manifest,
  type ManifestEntry,
} from "./backup-manifest.ts";
import { Progress, type Say } from "./progress.ts";

// `portico backup`: one archive of everything a DATA_DIR holds that is state, taken while the
// server runs and writes.
//
// 1. The database, by SQLite's online backup API on a read-only connection of its own, in ONE
//    step: the copy is the database as of one commit, read in one read transaction (WAL lets the
//    server go on writing meanwhile). In smaller steps, every commit of the server in between
//    would restart the copy, and a busy server would keep it from ever finishing.
// 2. The stored files that snapshot refers to (every `storage_key` / `thumb_key` column), copied
//    afterwards. A stored file is never changed, only written whole under a new key, so a file the
//    snapshot refers to is the same bytes later. Only its removal can race the copy: a row is
//    deleted first, then its file (the unattached-upload sweep). A file gone whose row is gone
//    from the live database too was removed after the snapshot: the backup starts again from a
//    new snapshot (at most three times). A file gone while its row remains is a damaged store,
//    and an error.
// 3. The encryption key when it is DATA_DIR's file. A key from FILE_ENCRYPTION_KEY is never
//    written: it stays with the operator's other secrets; the manifest names its id, which
//    restore checks.
//
// Not copied: files-incoming/ (uploads being checked: temporary), mail/ (copies of outgoing
// email when no SMTP_URL is set: a delivery target; the outbox rows are in the database).
//
// With PostgreSQL the database is backed up by pg_dump (README, "Backups"); this archive then
// holds every file present in DATA_DIR/files and the key. With S3 the bucket keeps the files
// (its versioning is their backup): nothing deletes an object a committed row refers to, other
// than the sweep of unattached uploads, so a database snapshot and the bucket stay consistent.

const SQLITE_FILE = "portico.sqlite";
const ATTEMPTS = 3;
/** Pages per backup step: all of them, so the copy is one read transaction (see above). */
const ONE_STEP = 2 ** 31 - 1;
const STORAGE_KEY = /^[0-9a-f-]{36}$/;
const KEY_COLUMN = /^(?:storage|thumb)_key$|_storage_key$/;

export interface BackupOptions {
  /** The archive's path, or an existing folder for portico-backup-<time>.tar; default: the current folder. */
  output?: string;
  say?: Say;
  signal?: AbortSignal;
  now?: () => Date;
  /** Tests: runs between the database snapshot and the copy of the files, on every attempt. */
  afterSnapshot?: () => Promise<void>;
}

export interface BackupResult {
  path: string;
  manifest: Manifest;
}

/** A file the snapshot refers to was removed, with its row, after the snapshot. */
class RemovedMeanwhile extends Error {}

export function archiveName(at: Date): string {
  return `portico-backup-${at.toISOString().slice(0, 19).replace(/:/g, "")}Z.tar`;
}

function archivePath(output: string | undefined, at: Date): string {
  const given = path.resolve(output ?? ".");
  const isFolder = output === undefined || /[/\\]$/.test(output) || fs.statSync(given, { throwIfNoEntry: false })?.isDirectory();
  const target = isFolder ? path.join(given, archiveName(at)) : given;
  if (!fs.statSync(path.dirname(target), { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`the folder ${path.dirname(target)} does not exist`);
  }
  if (fs.existsSync(target)) throw new Error(`${target} already exists: choose another name`);
  return target;
}

export async function createBackup(config: Config, opts: BackupOptions = {}): Promise<BackupResult> {
  const say = opts.say ?? (() => {});
  const createdAt = (opts.now ?? (() => new Date()))();
  const target = archivePath(opts.output, createdAt);
  // Everything is made in a hidden folder beside the archive (the same file system, so the last
  // step is a rename) and removed whatever happens: no partial archive under the final name.
  const work = await fs.promises.mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.partial-`));
  try {
    for (let attempt = 1; ; attempt++) {
      await fs.promises.rm(work, { recursive: true, force: true });
      await fs.promises.mkdir(work, { mode: 0o700 });
      try {
        const manifest = await writeArchive(config, work, createdAt, say, opts);
        await publish(path.join(work, "archive.tar"), target);
        return { path: target, manifest };
      } catch (err) {
        if (!(err instanceof RemovedMeanwhile) || attempt === ATTEMPTS) throw err;
        say(`${err.message}; starting again from a new snapshot (attempt ${attempt + 1} of ${ATTEMPTS})`);
      }
    }
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

interface KeyInfo {
  source: "file" | "environment";
  id: string;
  /** The key file's bytes, when it is one. */
  file?: Buffer;
}

function readKey(config: Config): KeyInfo {
  if (config.fileEncryptionKey) {
    return { source: "environment", id: masterKeyFrom(config.fileEncryptionKey).id.toString("hex") };
  }
  const file = path.join(config.dataDir, KEY_FILE);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    throw new Error(`no encryption key: ${file} does not exist and FILE_ENCRYPTION_KEY is unset (is DATA_DIR the server's?)`);
  }
  const key = parseKey(bytes.toString("utf8"));
  if (!key) throw new Error(`${file} does not hold a 32-byte key`);
  return { source: "file", id: masterKeyFrom(key).id.toString("hex"), file: bytes };
}

/**
 * The columns that name a stored file: by name, `storage_key`, `thumb_key` or `…_storage_key`
 * (a new column naming a stored file must follow the rule; backup.test.ts lists today's).
 */
export function keyColumns(db: DatabaseSync): { table: string; column: string }[] {
  const tables = db
    .prepare("select name from sqlite_schema where type = 'table' and name not like 'sqlite%' order by name")
    .all() as { name: string }[];
  return tables.flatMap(({ name: table }) =>
    (db.prepare("select name from pragma_table_info(?)").all(table) as { name: string }[])
      .filter((c) => KEY_COLUMN.test(c.name))
      .map((c) => ({ table, column: c.name })),
  );
}

/**
 * Every storage key the database's rows name. A plain read of a database file as a whole (the
 * snapshot, or the live file to tell a removal from damage), for no actor: not an application
 * query, so it does not go through the access files.
 */
export function referencedKeys(db: DatabaseSync): Set<string> {
  const keys = new Set<string>();
  for (const { table, column } of keyColumns(db)) {
    const rows = db.prepare(`select distinct "${column}" as k from "${table}" where "${column}" is not null`).all();
    for (const { k } of rows as { k: unknown }[]) {
      if (typeof k !== "string" || !STORAGE_KEY.test(k)) {
        throw new Error(`${table}.${column} holds ${JSON.stringify(k)}, which is not a storage key`);
      }
      keys.add(k);
    }
  }
  return keys;
}

async function snapshotSqlite(
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
    const check = copy.prepare("pragma quick_check").all() as { quick_check: string }[];
    if (check.length !== 1 || check[0]?.quick_check !== "ok") {
      throw new Error(`the database copy fails SQLite's check: ${check.map((c) => c.quick_check).join("; ")}`);
    }
    const migrations = (copy.prepare("select name from kysely_migration order by name").all() as { name: string }[]).map(
      (r) => r.name,
    );
    const keys = referencedKeys(copy);
    say(`database: snapshot of ${pages} pages taken at ${migrations.at(-1) ?? "no migration"}`);
    return { pages, migrations, keys };
  } finally {
    copy.close();
  }
}

/** Every storage key present in DATA_DIR/files (PostgreSQL: the database is not in the archive). */
async function presentKeys(root: string): Promise<Set<string>> {
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

async function sizes(root: string, keys: Iterable<string>): Promise<{ key: string; size: number | null }[]> {
  const out: { key: string; size: number | null }[] = [];
  for (const key of [...keys].sort()) {
    const st = await fs.promises.stat(path.join(root, localStorePath(key))).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    out.push({ key, size: st ? st.size : null });
  }
  return out;
}

/** Files the snapshot names but the store lacks: removed since (start again), or a damaged store. */
function explainMissing(config: Config, missing: string[]): Error {
  const live = new DatabaseSync(path.join(config.dataDir, SQLITE_FILE), { readOnly: true, timeout: 5000 });
  let stillReferenced: string[];
  try {
    const now = referencedKeys(live);
    stillReferenced = missing.filter((k) => now.has(k));
  } finally {
    live.close();
  }
  if (!stillReferenced.length) {
    return new RemovedMeanwhile(`${missing.length} stored file(s) were removed, with their rows, after the snapshot`);
  }
  const some = stillReferenced.slice(0, 5).join(", ");
  return new Error(
    `${stillReferenced.length} file(s) the database refers to are missing from ${path.join(config.dataDir, "files")} (${some}${stillReferenced.length > 5 ? ", …" : ""}): the file store is damaged; no archive was written`,
  );
}

async function writeArchive(
  config: Config,
  work: string,
  createdAt: Date,
  say: Say,
  opts: BackupOptions,
): Promise<Manifest> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const key = readKey(config);
  const filesRoot = path.join(config.dataDir, "files");
  const snapshotFile = path.join(work, DB_ENTRY);
  let database: Manifest["database"];
  let keys: Set<string>;
  if (config.databaseUrl) {
    const note =
      "DATABASE_URL is set: the database is not in this archive; back it up with pg_dump (README, Backups), before this command";
    say(note);
    database = { kind: "postgres", included: false, note };
    keys = config.s3 ? new Set() : await presentKeys(filesRoot);
  } else {
    const snap = await snapshotSqlite(config, snapshotFile, say);
    database = { kind: "sqlite", included: true, migrations: snap.migrations, pages: snap.pages };
    keys = snap.keys;
  }
  await opts.afterSnapshot?.();
  if (key.source === "environment") {
    say(
      `the encryption key comes from FILE_ENCRYPTION_KEY and is not written to the archive (key id ${key.id}): keep it with your secrets, restore needs it`,
    );
  }

  const out = await fs.promises.open(path.join(work, "archive.tar"), "wx", 0o600);
  try {
    const tar = new TarWriter(out);
    const entries: ManifestEntry[] = [];
    if (database.included) {
      const db = await fs.promises.open(snapshotFile, "r");
      try {
        const { size } = await db.stat();
        entries.push({ name: DB_ENTRY, ...(await tar.addFile(DB_ENTRY, db, size, { mtime: createdAt })) });
      } finally {
        await db.close();
      }
    }
    if (key.file) entries.push({ name: KEY_ENTRY, ...(await tar.addBuffer(KEY_ENTRY, key.file, { mtime: createdAt })) });

    let files: Manifest["files"];
    if (config.s3) {
      const note = `files are in the S3 bucket ${config.s3.bucket} (prefix "${config.s3.prefix}") and not in this archive: keep the bucket versioned (README, Backups)`;
      say(note);
      files = { store: "s3", included: false, bucket: config.s3.bucket, prefix: config.s3.prefix, note };
    } else {
      const copied = await copyFiles(config, tar, filesRoot, keys, key.id, say, signal);
      entries.push(...copied.entries);
      files = {
        store: "local",
        included: true,
        count: copied.entries.length,
        bytes: copied.bytes,
        ...(config.databaseUrl
          ? { note: `every file present in DATA_DIR/files${copied.gone ? `; ${copied.gone} removed while copying` : ""}` }
          : {}),
      };
    }

    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      portico: packageJson.version,
      createdAt: createdAt.toISOString(),
      database,
      files,
      key: { source: key.source, included: Boolean(key.file), id: key.id },
      entries,
    };
    const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await tar.addBuffer(MANIFEST_ENTRY, json, { mtime: createdAt });
    const sum = createHash("sha256").update(json).digest("hex");
    await tar.addBuffer(MANIFEST_SUM_ENTRY, Buffer.from(`${sum}  ${MANIFEST_ENTRY}\n`), { mtime: createdAt });
    await tar.finish();
    await out.sync();
    return manifest;
  } finally {
    await out.close();
  }
}

async function copyFiles(
  config: Config,
  tar: TarWriter,
  root: string,
  keys: Set<string>,
  keyId: string,
  say: Say,
  signal: AbortSignal | undefined,
): Promise<{ entries: ManifestEntry[]; bytes: number; gone: number }> {
  const listed = await sizes(root, keys);
  // With PostgreSQL the list is what the folder held a moment ago: a file gone since is skipped.
  const strict = !config.databaseUrl;
  const missing = listed.filter((f) => f.size === null).map((f) => f.key);
  if (strict && missing.length) throw explainMissing(config, missing);
  const present = listed.filter((f): f is { key: string; size: number } => f.size !== null);
  const progress = new Progress(say, "files", present.length, present.reduce((n, f) => n + f.size, 0));
  const entries: ManifestEntry[] = [];
  const head = Buffer.alloc(8);
  let bytes = 0;
  let gone = 0;
  for (const { key } of present) {
    signal?.throwIfAborted();
    const file = path.join(root, localStorePath(key));
    const handle = await fs.promises.open(file, "r").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    if (!handle) {
      if (strict) missing.push(key);
      else gone++;
      continue;
    }
    try {
      const { size } = await handle.stat();
      await handle.read(head, 0, 8, 0);
      const id = sealedKeyId(head);
      if (!id) throw new Error(`${file} is not a sealed file`);
      if (id.toString("hex") !== keyId) {
        throw new Error(`${file} is sealed under another key (${id.toString("hex")}) than the server's (${keyId})`);
      }
      const written = await tar.addFile(fileEntry(key), handle, size, { onBytes: (n) => progress.bytes(n) });
      entries.push({ name: fileEntry(key), ...written });
      bytes += size;
      progress.item();
    } finally {
      await handle.close();
    }
  }
  if (missing.length) throw explainMissing(config, missing);
  progress.finish();
  return { entries, bytes, gone };
}

/** The finished archive under its final name, never over an existing file; then durable. */
async function publish(finished: string, target: string): Promise<void> {
  const taken = () => new Error(`${target} already exists: choose another name`);
  let linked = true;
  await fs.promises.link(finished, target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EEXIST") throw taken();
    linked = false;
  });
  if (linked) {
    await fs.promises.rm(finished);
  } else {
    // A file system without hard links: a rename, after checking again that the name is free.
    if (fs.existsSync(target)) throw taken();
    await fs.promises.rename(finished, target);
  }
  const dir = await fs.promises.open(path.dirname(target), "r");
  try {
    await dir.sync();
  } catch {
    // Not every platform syncs a folder; the archive itself is synced.
  } finally {
    await dir.close();
  }
}

/** What the CLI prints once the archive is written. */
export function describeBackup({ path: file, manifest: m }: BackupResult): string {
  const parts = [
    m.database.included ? `the database (${m.database.migrations.at(-1) ?? "empty"})` : "no database (PostgreSQL)",
    m.files.included ? `${m.files.count} stored files (${formatBytes(m.files.bytes)})` : "no files (S3)",
    m.key.included ? "the encryption key" : "no key (FILE_ENCRYPTION_KEY)",
  ];
  return `Wrote ${file}: ${parts.join(", ")}.`;
}

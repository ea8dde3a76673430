import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import packageJson from "../../../package.json" with { type: "json" };
import { formatBytes } from "../../shared/files.ts";
import type { Config } from "../config.ts";
import { checkSealedUnder } from "../files/file.crypto.ts";
import { localStorePath } from "../files/file.store.ts";
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
import { explainMissing, presentKeys, RemovedMeanwhile, readKey, snapshotSqlite } from "./backup-sources.ts";
import { Progress, type Say } from "./progress.ts";

// `portico backup`: one archive of everything a DATA_DIR holds that is state, taken while the
// server runs and writes.
//
// 1. The database, by SQLite's online backup API on a read-only connection of its own, in ONE
//    step: the copy is the database as of one commit, read in one read transaction (WAL lets the
//    server go on writing meanwhile). In smaller steps, every commit of the server in between
//    would restart the copy, and a busy server would keep it from ever finishing.
// 2. The stored files that snapshot refers to (the columns and rows stored-files.ts names: not
//    inbound mail whose raw message retention or erasure deleted), copied afterwards. A stored
//    file is never changed, only written whole under a new key, so a file the snapshot refers to
//    is the same bytes later. Only its removal can race the copy: a row is deleted first, then
//    its file (the unattached-upload sweep), or a raw message is deleted, then its row marked
//    (retention). A file gone whose row is gone or marked in the live database too was removed
//    after the snapshot: the backup starts again from a new snapshot (at most three times). A
//    file gone while its row still names it is a damaged store, and an error.
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

const ATTEMPTS = 3;

export interface BackupOptions {
  /** The archive's path, or an existing folder for portico-backup-<time>.tar; default: the current folder. */
  output?: string;
  say?: Say;
  signal?: AbortSignal;
  now?: () => Date;
  /** Leave DATA_DIR/file-encryption.key out (kept apart, like FILE_ENCRYPTION_KEY, which is never written). */
  withoutKey?: boolean;
  /** Tests: runs between the database snapshot and the copy of the files, on every attempt. */
  afterSnapshot?: () => Promise<void>;
}

export interface BackupResult {
  path: string;
  manifest: Manifest;
}

function archiveName(at: Date): string {
  return `portico-backup-${at.toISOString().slice(0, 19).replace(/:/g, "")}Z.tar`;
}

function archivePath(output: string | undefined, at: Date): string {
  const given = path.resolve(output ?? ".");
  const isFolder =
    output === undefined ||
    /[/\\]$/.test(output) ||
    fs.statSync(given, { throwIfNoEntry: false })?.isDirectory();
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
  const work = await fs.promises.mkdtemp(
    path.join(path.dirname(target), `.${path.basename(target)}.partial-`),
  );
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

async function writeArchive(
  config: Config,
  work: string,
  createdAt: Date,
  say: Say,
  opts: BackupOptions,
): Promise<Manifest> {
  const { signal } = opts;
  signal?.throwIfAborted();
  if (config.databaseUrl && config.s3 && config.fileEncryptionKey) {
    throw new Error(
      "nothing to back up here: the database is PostgreSQL (pg_dump), the files are in S3 (its versioning) and the key is FILE_ENCRYPTION_KEY (your secrets); see the README's Backups",
    );
  }
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
  } else if (opts.withoutKey) {
    say(
      `the encryption key is not written to the archive (--without-key): keep ${path.join(config.dataDir, "file-encryption.key")} (key id ${key.id}) apart, restore needs it`,
    );
  }
  const keyBytes = opts.withoutKey ? undefined : key.file;

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
    if (keyBytes)
      entries.push({ name: KEY_ENTRY, ...(await tar.addBuffer(KEY_ENTRY, keyBytes, { mtime: createdAt })) });

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
          ? {
              note: `every file present in DATA_DIR/files${copied.gone ? `; ${copied.gone} removed while copying` : ""}`,
            }
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
      key: { source: key.source, included: Boolean(keyBytes), id: key.id },
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
  // With PostgreSQL the list is what the folder held a moment ago: a file gone since is skipped.
  const strict = !config.databaseUrl;
  const listed = [...keys].sort();
  const missing: string[] = [];
  const progress = new Progress(say, "files", listed.length, null);
  const entries: ManifestEntry[] = [];
  let bytes = 0;
  let gone = 0;
  for (const key of listed) {
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
      let first = true;
      const written = await tar.addFile(fileEntry(key), handle, size, {
        onBytes: (n) => progress.bytes(n),
        // The first chunk holds the header: the file is sealed under the server's key.
        check: (chunk) => {
          if (first) checkSealedUnder(chunk, keyId, file);
          first = false;
        },
      });
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
    m.database.included
      ? `the database (${m.database.migrations.at(-1) ?? "empty"})`
      : "no database (PostgreSQL)",
    m.files.included ? `${m.files.count} stored files (${formatBytes(m.files.bytes)})` : "no files (S3)",
    m.key.included ? "the encryption key" : `not the encryption key (id ${m.key.id})`,
  ];
  return `Wrote ${file}: ${parts.join(", ")}.`;
}

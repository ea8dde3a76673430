import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { formatBytes } from "../../shared/files.ts";
import type { Config } from "../config.ts";
import { migrationNames } from "../db/migrate.ts";
import { appliedMigrations, checkIntact } from "../db/sqlite-file.ts";
import { checkSealedUnder, masterKeyFrom, readMasterKey } from "../files/file.crypto.ts";
import { readTar, TarError } from "../lib/tar.ts";
import type { MasterKey } from "../ports.ts";
import {
  checkManifest,
  DB_ENTRY,
  isEntryName,
  KEY_ENTRY,
  MANIFEST_ENTRY,
  MANIFEST_SUM_ENTRY,
  type Manifest,
} from "./backup-manifest.ts";
import { Progress, type Say } from "./progress.ts";

// `portico restore <archive>`: a backup (backup.ts) into a new DATA_DIR. Nothing reaches the
// folder before the whole archive has been read and checked: every entry into a hidden staging
// folder inside it (the same file system), each entry's size and SHA-256 against the manifest,
// the manifest against its own hash, the database by SQLite's check and its migrations against
// this version's, every stored file's key id against the key's. Only then are they renamed into
// place. A folder already holding something is refused; with `force`, what it holds is moved
// aside into a folder of its own inside it first, never deleted.

const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface RestoreOptions {
  force?: boolean;
  say?: Say;
  signal?: AbortSignal;
}

export interface RestoreResult {
  dataDir: string;
  manifest: Manifest;
  /** Where the folder's earlier contents went (with `force`). */
  movedAside?: string;
  /** What the operator should know next: the database or files kept elsewhere, the key. */
  notes: string[];
}

export async function restoreBackup(
  config: Config,
  archive: string,
  opts: RestoreOptions = {},
): Promise<RestoreResult> {
  const say = opts.say ?? (() => {});
  const dataDir = config.dataDir;
  const input = await fs.promises.open(archive, "r").catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === "ENOENT" ? `no archive at ${archive}` : `${archive}: ${err.message}`);
  });
  // A folder this call made is removed again if the restore fails.
  const made = await fs.promises.mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((err: Error) => {
    throw new Error(`${dataDir}: ${err.message}`);
  });
  let restored = false;
  try {
    const before = await fs.promises.readdir(dataDir);
    if (before.length && !opts.force) {
      throw new Error(
        `${dataDir} is not empty (${before.slice(0, 5).join(", ")}${before.length > 5 ? ", …" : ""}): restore into a new folder (--data-dir), or stop the server and add --force to move what is there aside`,
      );
    }
    const staging = await fs.promises.mkdtemp(path.join(dataDir, ".restore-"));
    try {
      const unpacked = await unpack(input, staging, say, opts.signal);
      const { manifest } = unpacked;
      const notes = await check(config, unpacked, staging);
      let movedAside: string | undefined;
      if (before.length) {
        movedAside = path.join(dataDir, `before-restore-${new Date().toISOString().replace(/[:.]/g, "")}`);
        await fs.promises.mkdir(movedAside, { mode: 0o700 });
        for (const name of before)
          await fs.promises.rename(path.join(dataDir, name), path.join(movedAside, name));
      }
      for (const name of [DB_ENTRY, KEY_ENTRY, "files"]) {
        const from = path.join(staging, name);
        if (fs.existsSync(from)) await fs.promises.rename(from, path.join(dataDir, name));
      }
      await syncFolder(dataDir);
      restored = true;
      return { dataDir, manifest, notes, ...(movedAside ? { movedAside } : {}) };
    } finally {
      await fs.promises.rm(staging, { recursive: true, force: true });
    }
  } finally {
    await input.close();
    if (!restored && made) await fs.promises.rm(made, { recursive: true, force: true });
  }
}

interface Unpacked {
  manifest: Manifest;
  /** Each entry's first bytes (up to 8): a stored file's name the key it is sealed under. */
  heads: Map<string, Buffer>;
}

/** Every entry into `staging`, each hashed on the way; the manifest checked against them all. */
async function unpack(
  input: fs.promises.FileHandle,
  staging: string,
  say: Say,
  signal: AbortSignal | undefined,
): Promise<Unpacked> {
  const { size: total } = await input.stat();
  const progress = new Progress(say, "entries", null, total);
  const seen = new Map<string, { size: number; sha256: string }>();
  const heads = new Map<string, Buffer>();
  let manifestBytes: Buffer | undefined;
  let manifestSum: string | undefined;
  try {
    await readTar(input, async (entry, content) => {
      signal?.throwIfAborted();
      if (manifestSum !== undefined) throw new Error(`${entry.name} follows the manifest's hash`);
      if (entry.name === MANIFEST_ENTRY || entry.name === MANIFEST_SUM_ENTRY) {
        if (entry.size > MAX_MANIFEST_BYTES) throw new Error(`${entry.name} is too large`);
        const parts: Buffer[] = [];
        for await (const chunk of content()) parts.push(Buffer.from(chunk));
        if (entry.name === MANIFEST_ENTRY) {
          if (manifestBytes) throw new Error("the archive holds two manifests");
          manifestBytes = Buffer.concat(parts);
        } else {
          if (!manifestBytes) throw new Error("the manifest's hash comes before the manifest");
          manifestSum = Buffer.concat(parts).toString("utf8");
        }
        return;
      }
      if (manifestBytes) throw new Error(`${entry.name} follows the manifest`);
      if (!isEntryName(entry.name))
        throw new Error(`the archive holds ${JSON.stringify(entry.name)}, which is no part of a backup`);
      if (seen.has(entry.name)) throw new Error(`the archive holds ${entry.name} twice`);
      const target = path.join(staging, entry.name);
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const out = await fs.promises.open(target, "wx", 0o600);
      const hash = createHash("sha256");
      try {
        let at = 0;
        for await (const chunk of content()) {
          if (at === 0) heads.set(entry.name, Buffer.from(chunk.subarray(0, 8)));
          hash.update(chunk);
          await out.write(chunk, 0, chunk.length, at);
          at += chunk.length;
          progress.bytes(chunk.length);
        }
        await out.sync();
      } finally {
        await out.close();
      }
      seen.set(entry.name, { size: entry.size, sha256: hash.digest("hex") });
      progress.item();
    });
  } catch (err) {
    if (err instanceof TarError) throw new Error(`the archive is damaged: ${err.message}`);
    throw err;
  }
  progress.finish();
  if (!manifestBytes || manifestSum === undefined)
    throw new Error("the archive has no manifest: is it a Portico backup?");
  const expected = `${createHash("sha256").update(manifestBytes).digest("hex")}  ${MANIFEST_ENTRY}\n`;
  if (manifestSum !== expected)
    throw new Error("the archive is damaged: the manifest does not match its hash");
  let manifest: Manifest;
  try {
    manifest = checkManifest(JSON.parse(manifestBytes.toString("utf8")));
  } catch (err) {
    throw new Error(`the archive's manifest is unusable: ${(err as Error).message}`);
  }
  const listed = new Set(manifest.entries.map((e) => e.name));
  for (const e of manifest.entries) {
    const got = seen.get(e.name);
    if (!got) throw new Error(`the archive is incomplete: ${e.name} is missing`);
    if (got.size !== e.size || got.sha256 !== e.sha256) {
      throw new Error(`the archive is damaged: ${e.name} does not match the manifest's SHA-256`);
    }
  }
  for (const name of seen.keys()) {
    if (!listed.has(name)) throw new Error(`the archive holds ${name}, which its manifest does not list`);
  }
  return { manifest, heads };
}

/** The database, the key and the files agree with each other and with this version. */
async function check(config: Config, { manifest, heads }: Unpacked, staging: string): Promise<string[]> {
  const notes: string[] = [];
  const db = manifest.database;
  if (db.included) {
    const copy = new DatabaseSync(path.join(staging, DB_ENTRY), { readOnly: true });
    try {
      checkIntact(copy, "the archive's database");
      if (appliedMigrations(copy).join() !== db.migrations.join())
        throw new Error("the archive's database is not the one its manifest describes");
    } finally {
      copy.close();
    }
    const known = new Set(await migrationNames());
    const unknown = db.migrations.filter((m) => !known.has(m));
    if (unknown.length) {
      throw new Error(
        `the backup was made by a newer Portico (${manifest.portico}; migration ${unknown[0]} is unknown here): restore it with that version or a later one`,
      );
    }
    if (config.databaseUrl)
      notes.push("DATABASE_URL is set: a server started with it uses PostgreSQL, not this SQLite database");
  } else {
    notes.push(
      "the database is not in this archive (PostgreSQL): restore it with pg_restore (README, Backups)",
    );
  }

  if (manifest.key.included) {
    let key: MasterKey | null = null;
    try {
      key = readMasterKey(staging, undefined);
    } catch {
      // not a key: refused below
    }
    if (!key || key.id.toString("hex") !== manifest.key.id) {
      throw new Error("the archive's encryption key is not the one its manifest names");
    }
    if (config.fileEncryptionKey && !config.fileEncryptionKey.equals(key.key)) {
      throw new Error(
        "FILE_ENCRYPTION_KEY is set to another key than the archive's: a server would not read the restored files; unset it",
      );
    }
  } else if (config.fileEncryptionKey) {
    const id = masterKeyFrom(config.fileEncryptionKey).id.toString("hex");
    if (id !== manifest.key.id) {
      throw new Error(
        `FILE_ENCRYPTION_KEY is another key (id ${id}) than the one the files are sealed with (id ${manifest.key.id})`,
      );
    }
  } else {
    notes.push(
      `the encryption key is not in this archive: before starting the server, copy the key with id ${manifest.key.id} to ${path.join(config.dataDir, KEY_ENTRY)} or set FILE_ENCRYPTION_KEY to it; otherwise the server makes a new key and no file can be read`,
    );
  }

  for (const e of manifest.entries.filter((x) => x.name.startsWith("files/"))) {
    checkSealedUnder(heads.get(e.name) ?? Buffer.alloc(0), manifest.key.id, e.name);
  }
  if (manifest.files.store === "s3") {
    notes.push(
      `the files stay in the S3 bucket ${manifest.files.bucket}: start the server with the same S3_* settings`,
    );
  } else if (config.s3) {
    notes.push(
      "S3_BUCKET is set: a server started with it reads files from the bucket, not from the restored DATA_DIR/files",
    );
  }
  return notes;
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // Not every platform syncs a folder.
  } finally {
    await handle.close();
  }
}

/** What the CLI prints once the folder is restored. */
export function describeRestore(r: RestoreResult): string[] {
  const m = r.manifest;
  const lines = [
    `Restored the backup of ${m.createdAt} (Portico ${m.portico}) into ${r.dataDir}:`,
    m.database.included
      ? `  database: ${DB_ENTRY} at ${m.database.migrations.at(-1) ?? "no migration"}`
      : "  database: not in the archive",
    m.files.included
      ? `  files: ${m.files.count} (${formatBytes(m.files.bytes)}) in files/`
      : "  files: not in the archive",
    m.key.included ? `  key: ${KEY_ENTRY} (id ${m.key.id})` : `  key: not in the archive (id ${m.key.id})`,
  ];
  if (r.movedAside) lines.push(`What the folder held before is in ${r.movedAside}.`);
  for (const note of r.notes) lines.push(`Note: ${note}.`);
  lines.push(`Start the server on it: DATA_DIR=${r.dataDir} portico serve`);
  return lines;
}

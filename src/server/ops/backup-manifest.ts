import { SQLITE_FILE } from "../db/connection.ts";
import { KEY_FILE } from "../files/file.crypto.ts";
import { localStorePath } from "../files/file.store.ts";

// What a backup archive holds and how its entries are named: shared by backup.ts and restore.ts.
//
// An archive is a plain tar: the database snapshot (portico.sqlite), the encryption key
// (file-encryption.key, when it is a file), the sealed files as DATA_DIR/files lays them out
// (files/ab/<key>), then manifest.json (every entry's size and SHA-256) and last
// manifest.json.sha256 (in sha256sum's format, so an extracted archive checks with
// `sha256sum -c`). Extracted by hand into an empty folder, it is a DATA_DIR.

export const FORMAT = "portico-backup";
export const FORMAT_VERSION = 1;
export const DB_ENTRY = SQLITE_FILE;
export const KEY_ENTRY = KEY_FILE;
export const MANIFEST_ENTRY = "manifest.json";
export const MANIFEST_SUM_ENTRY = "manifest.json.sha256";

export const fileEntry = (storageKey: string) => `files/${localStorePath(storageKey)}`;
const FILE_ENTRY = /^files\/([0-9a-f]{2})\/([0-9a-f-]{36})$/;

/** Whether `name` may appear in an archive: restore writes nothing else, and nowhere else. */
export function isEntryName(name: string): boolean {
  if (name === DB_ENTRY || name === KEY_ENTRY) return true;
  const m = FILE_ENTRY.exec(name);
  return Boolean(m?.[2]?.endsWith(m[1] as string));
}

export interface ManifestEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  /** Portico's version that wrote it. */
  portico: string;
  createdAt: string;
  database:
    | { kind: "sqlite"; included: true; migrations: string[]; pages: number }
    | { kind: "postgres"; included: false; note: string };
  files:
    | { store: "local"; included: true; count: number; bytes: number; note?: string }
    | { store: "s3"; included: false; bucket: string; prefix: string; note: string };
  key: {
    /** Where the serving process takes it from: DATA_DIR's file or FILE_ENCRYPTION_KEY. */
    source: "file" | "environment";
    included: boolean;
    /** The first 4 bytes of the key's SHA-256 as hex: what each sealed file names in its header. */
    id: string;
  };
  entries: ManifestEntry[];
}

/** Checks a parsed manifest's shape; throws saying what is wrong. */
export function checkManifest(value: unknown): Manifest {
  const m = value as Partial<Manifest> | null;
  if (!m || typeof m !== "object" || m.format !== FORMAT) throw new Error("not a Portico backup manifest");
  if (m.formatVersion !== FORMAT_VERSION) {
    throw new Error(
      `backup format ${String(m.formatVersion)} is not known to this version (it reads ${FORMAT_VERSION})`,
    );
  }
  if (!m.database || !m.files || !m.key || typeof m.key.id !== "string" || !Array.isArray(m.entries)) {
    throw new Error("the manifest is incomplete");
  }
  const names = new Set(m.entries.map((e) => e?.name));
  if (names.has(DB_ENTRY) !== m.database.included || names.has(KEY_ENTRY) !== m.key.included) {
    throw new Error("the manifest's entries do not match what it says it holds");
  }
  for (const e of m.entries) {
    if (!e || !isEntryName(e.name) || !Number.isSafeInteger(e.size) || !/^[0-9a-f]{64}$/.test(e.sha256)) {
      throw new Error(`the manifest lists an entry it may not: ${JSON.stringify(e)}`);
    }
  }
  const files = m.entries.filter((e) => e.name.startsWith("files/"));
  const fileBytes = files.reduce((n, e) => n + e.size, 0);
  if (m.files.included ? m.files.count !== files.length || m.files.bytes !== fileBytes : files.length !== 0) {
    throw new Error("the manifest's count or size of files does not match its entries");
  }
  return m as Manifest;
}

import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { decryptStream } from "../files/file.crypto.ts";
import type { FileStore, MasterKey } from "../ports.ts";
import { canonical, q, type TablePlan } from "./migrate-data.tables.ts";
import { isFileColumn, namesStoredFiles } from "./stored-files.ts";

// The move's proof, after the copy and before its commit: every table read back from both
// databases in primary-key order and compared row for row in a canonical form (migrate-data.tables.ts),
// and every file a row names (stored-files.ts) read from the store, decrypted and checked against
// its recorded hash and size.

/** Rows per FETCH from PostgreSQL. */
const FETCH = 1000;
/** Differences reported per table; the rest are counted. */
const SHOWN = 3;

/** A stored file that a row names. */
export interface FileRef {
  where: string;
  storageKey: string;
  sha256: string | null;
  size: number | null;
}

export interface TableCheck {
  rows: number;
  /** SHA-256 over the canonical rows in key order: the same on both sides when they match. */
  checksum: string;
  problems: string[];
  files: FileRef[];
}

const rowText = (plan: TablePlan, row: Record<string, unknown>) =>
  JSON.stringify(plan.columns.map((c) => canonical(row[c.name], c.type)));

/** Compares one copied table row for row; reads PostgreSQL through a cursor in the open transaction. */
export async function compareTable(
  source: DatabaseSync,
  target: pg.Client,
  plan: TablePlan,
): Promise<TableCheck> {
  const list = plan.columns.map((c) => q(c.name)).join(", ");
  const textual = (name: string) => /char|text/.test(plan.columns.find((c) => c.name === name)?.type ?? "");
  const liteOrder = plan.key.map(q).join(", ");
  // SQLite orders text by its bytes (BINARY); PostgreSQL does the same under the "C" collation.
  const pgOrder = plan.key.map((k) => (textual(k) ? `${q(k)} collate "C"` : q(k))).join(", ");
  const lite = source
    .prepare(`select ${list} from ${q(plan.name)} order by ${liteOrder}`)
    .iterate() as IterableIterator<Record<string, unknown>>;
  const cursor = `migrate_${plan.name}`;
  await target.query(
    `declare ${q(cursor)} no scroll cursor for select ${list} from ${q(plan.name)} order by ${pgOrder}`,
  );
  const hash = createHash("sha256");
  const problems: string[] = [];
  const files: FileRef[] = [];
  const fileColumns = plan.columns.map((c) => c.name).filter(isFileColumn);
  const keyOf = (row: Record<string, unknown>) => plan.key.map((k) => String(row[k])).join(", ");
  let rows = 0;
  let differing = 0;
  let aligned = true;
  for (;;) {
    const batch = (await target.query<Record<string, unknown>>(`fetch ${FETCH} from ${q(cursor)}`)).rows;
    for (const theirs of batch) {
      rows++;
      const mine = lite.next();
      const a = mine.done ? null : rowText(plan, mine.value);
      const b = rowText(plan, theirs);
      hash.update(b).update("\n");
      for (const column of namesStoredFiles(theirs) ? fileColumns : []) {
        const storageKey = theirs[column];
        if (typeof storageKey !== "string") continue;
        const main = column === "storage_key";
        files.push({
          where: `${plan.name} ${keyOf(theirs)} (${column})`,
          storageKey,
          sha256: main && typeof theirs.sha256 === "string" ? theirs.sha256 : null,
          size:
            main && plan.name !== "inbound_emails" && theirs.size_bytes != null
              ? Number(theirs.size_bytes)
              : null,
        });
      }
      if (!aligned || a === b) continue;
      differing++;
      if (mine.done || keyOf(mine.value) !== keyOf(theirs)) {
        aligned = false;
        problems.push(`${plan.name}: the rows stop matching at key (${keyOf(theirs)})`);
      } else if (differing <= SHOWN) {
        const changed = plan.columns
          .filter((c) => canonical(mine.value[c.name], c.type) !== canonical(theirs[c.name], c.type))
          .map((c) => c.name);
        problems.push(`${plan.name} (${keyOf(theirs)}): ${changed.join(", ")} differ`);
      }
    }
    if (batch.length < FETCH) break;
  }
  await target.query(`close ${q(cursor)}`);
  let extra = 0;
  for (let r = lite.next(); !r.done; r = lite.next()) extra++;
  if (extra) problems.push(`${plan.name}: ${extra} rows in SQLite are not in PostgreSQL`);
  if (differing > SHOWN && aligned) problems.push(`${plan.name}: ${differing} rows differ in all`);
  return { rows, checksum: hash.digest("hex"), problems, files };
}

/** Reads one stored file through decryption; answers what is wrong with it, or null. */
export async function checkFile(store: FileStore, key: MasterKey, ref: FileRef): Promise<string | null> {
  const sealed = await store.get(ref.storageKey);
  if (!sealed) return `${ref.where}: file ${ref.storageKey} is missing from the store`;
  const hash = createHash("sha256");
  let size = 0;
  try {
    await pipeline(
      sealed,
      decryptStream(key),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          hash.update(chunk);
          cb();
        },
      }),
    );
  } catch (err) {
    return `${ref.where}: file ${ref.storageKey} does not decrypt (${(err as Error).message})`;
  }
  if (ref.size !== null && size !== ref.size) {
    return `${ref.where}: file ${ref.storageKey} holds ${size} bytes, the row says ${ref.size}`;
  }
  if (ref.sha256 !== null && hash.digest("hex") !== ref.sha256) {
    return `${ref.where}: file ${ref.storageKey} does not match its recorded SHA-256`;
  }
  return null;
}

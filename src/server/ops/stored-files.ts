// Which columns and rows of the database name a stored file: the one rule that backup
// (backup-sources.ts, the files an archive must hold) and migrate-data (migrate-data.verify.ts, the
// files a move checks) both go by.

/**
 * A column names a stored file by its name: `storage_key`, `thumb_key` or `…_storage_key` (a new
 * column naming a stored file must follow the rule; backup.test.ts lists today's).
 */
const FILE_COLUMN = /^(?:storage|thumb)_key$|_storage_key$/;

export function isFileColumn(name: string): boolean {
  return FILE_COLUMN.test(name);
}

/**
 * The marker of a row whose stored file was deleted on purpose: inbound mail's raw message,
 * removed by the workspace's retention (30 days after processing by default) or by a contact's
 * erasure, leaves `raw_deleted_at` set while `storage_key` keeps its key (the column is NOT
 * NULL). Such a row names no file: a backup does not look for it, and a move does not check it.
 */
export const FILE_DELETED_MARKER = "raw_deleted_at";

/** Whether a row names its stored files; read it with FILE_DELETED_MARKER when its table has one. */
export function namesStoredFiles(row: Record<string, unknown>): boolean {
  return row[FILE_DELETED_MARKER] === null || row[FILE_DELETED_MARKER] === undefined;
}

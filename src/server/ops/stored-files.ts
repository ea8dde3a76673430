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

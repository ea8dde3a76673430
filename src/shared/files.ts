// Attachment limits: the server enforces them; the pages show them.

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Files per submission, per customer reply, per agent reply or note. */
export const MAX_FILES_SUBMIT = 3;
export const MAX_FILES_CUSTOMER_REPLY = 3;
export const MAX_FILES_AGENT = 5;
/** An upload not attached within this time is deleted. */
export const UNATTACHED_TTL_MS = 24 * 3600_000;
/** The extensions the file pickers offer; the server still judges every file by its bytes. */
export const ACCEPT_ATTRIBUTE = ".jpg,.jpeg,.png,.gif,.webp,.svg,.pdf,.txt,.log,.csv,.doc,.docx,.xls,.xlsx";

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 102.4) / 10} KB`;
  return `${Math.round(n / 104857.6) / 10} MB`;
}

/** A new workspace's document limits (each workspace may change its own): one file, one company's total. */
export const DOCUMENT_MAX_BYTES = 50 * 1024 * 1024;
export const DOCUMENT_QUOTA_BYTES = 1024 * 1024 * 1024;

// Which errors mean "something the service depends on is down" rather than "a bug": the database
// unreachable or going away, the disk full, read-only or failing. Those are answered 503 with a
// stable code and Retry-After (the JSON API and every page tree), and /readyz reports them; the
// process keeps running and recovers when the dependency comes back. Everything else stays a 500.

export type OutageCode =
  | "database_unavailable"
  | "storage_full"
  | "storage_read_only"
  | "storage_unavailable";

export interface Outage {
  code: OutageCode;
  /** Seconds a client should wait before trying again (the Retry-After header). */
  retryAfterSeconds: number;
  /** A short reason for logs and /readyz, e.g. "ECONNREFUSED", "SQLITE_FULL", "57P01". */
  reason: string;
}

export const OUTAGE_MESSAGES: Record<OutageCode, string> = {
  database_unavailable: "The service is temporarily unavailable. Please try again in a moment.",
  storage_full: "The service cannot save anything right now (its storage is full). Please try again later.",
  storage_read_only:
    "The service cannot save anything right now (its storage is read-only). Please try again later.",
  storage_unavailable: "The service cannot reach its storage right now. Please try again in a moment.",
};

const RETRY_AFTER: Record<OutageCode, number> = {
  database_unavailable: 5,
  storage_full: 30,
  storage_read_only: 30,
  storage_unavailable: 10,
};

/** An outage of this kind, with its Retry-After. */
export const outage = (code: OutageCode, reason: string): Outage => ({
  code,
  retryAfterSeconds: RETRY_AFTER[code],
  reason,
});

// PostgreSQL SQLSTATEs: the server going away, refusing connections or out of room.
const PG_UNAVAILABLE = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down, in recovery)
  "53300", // too_many_connections
  "53000", // insufficient_resources
  "53200", // out_of_memory
  "58000", // system_error
  "58030", // io_error
]);
// Node's network errors on the database connection.
const NET_UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ECONNABORTED",
]);
// What pg and pg-pool say when a connection ends or cannot be had in time (they carry no code).
const PG_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
];

// node:sqlite puts the SQLite result code in errcode (extended codes: the primary in the low byte).
const SQLITE_FULL = 13;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CANTOPEN = 14;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

function classifyOne(err: object): Outage | null {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code === "ERR_SQLITE_ERROR" && typeof e.errcode === "number") {
    switch (e.errcode & 0xff) {
      case SQLITE_FULL:
        return outage("storage_full", "SQLITE_FULL");
      case SQLITE_READONLY:
        return outage("storage_read_only", "SQLITE_READONLY");
      case SQLITE_IOERR:
        return outage("storage_unavailable", "SQLITE_IOERR");
      case SQLITE_CANTOPEN:
        return outage("storage_unavailable", "SQLITE_CANTOPEN");
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return outage("database_unavailable", "SQLITE_BUSY");
    }
    return null;
  }
  if (code) {
    if (code === "ENOSPC" || code === "EDQUOT" || code === "53100") return outage("storage_full", code);
    if (code === "EROFS" || code === "25006") return outage("storage_read_only", code);
    if (code === "EIO") return outage("storage_unavailable", code);
    if (PG_UNAVAILABLE.has(code) || code.startsWith("08") || NET_UNAVAILABLE.has(code)) {
      return outage("database_unavailable", code);
    }
  }
  if (typeof e.message === "string") {
    const m = PG_MESSAGES.find((p) => (e.message as string).includes(p));
    if (m) return outage("database_unavailable", m);
  }
  return null;
}

/** The outage an error stands for, or null when it is not one (then it is a bug: a 500). */
export function outageOf(err: unknown): Outage | null {
  // Follows causes (a wrapped error) and AggregateError's parts (a host with several addresses).
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e) || seen.size > 10) continue;
    seen.add(e);
    const found = classifyOne(e);
    if (found) return found;
    queue.push((e as { cause?: unknown }).cause);
    if (e instanceof AggregateError) queue.push(...e.errors);
  }
  return null;
}

/** An error in one line, for a person: an AggregateError (several addresses tried) names each. */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) {
    return [...new Set(err.errors.map((e) => errorText(e)))].join("; ");
  }
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}

import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Database } from "./db/connection.ts";
import type { DnsResolver, FileStorage, LiveBus, Mailer } from "./ports.ts";
import type { RateLimiter } from "./ratelimit/rate-limiter.ts";

// What every domain operation may use. Built once by main.ts (or a test) and handed down.
export interface AppContext {
  config: Config;
  database: Database;
  limiter: RateLimiter;
  log: Logger;
  /** Attachments: the store (local folder or S3), the encryption key and the scanner hook. */
  files: FileStorage;
  /** Outgoing mail: SMTP, or .eml files on the embedded default. Only the outbox worker sends. */
  mailer: Mailer;
  /** DNS for checking incoming mail's senders; every lookup is bounded by the caller. */
  dns: DnsResolver;
  /** When the HTTP server last took a request (performance.now()): background work steps back. */
  activity: { lastRequestAt: number };
  /** Live changes to agents' open pages (queue, ticket, bell), across processes on Redis. */
  live: LiveBus;
  /** The clock; tests move it to check expiry. */
  now: () => Date;
}

export const nowIso = (ctx: AppContext) => ctx.now().toISOString();

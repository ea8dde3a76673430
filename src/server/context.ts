import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Database } from "./db/connection.ts";
import type { Mailer } from "./email/mailer.ts";
import type { FileStorage } from "./files/file.service.ts";
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
  /** When the HTTP server last took a request (performance.now()): background work steps back. */
  activity: { lastRequestAt: number };
  /** The clock; tests move it to check expiry. */
  now: () => Date;
}

// Who is acting. Every domain operation takes one first; queries are scoped from it.
export type AgentActor = {
  kind: "agent";
  workspaceId: string;
  agentId: string;
  role: "admin" | "agent";
};

/** A customer holding a ticket's tracking token: reaches that one ticket and nothing else. */
export type TokenHolderActor = {
  kind: "token_holder";
  workspaceId: string;
  ticketId: string;
  contactId: string;
  emailNormalized: string;
};

/** Jobs and the CLI: explicit and greppable, never inferred. */
export type SystemActor = { kind: "system"; reason: string };

/** The system working inside one workspace (incoming mail): scoped like that workspace's agents. */
export type WorkspaceSystemActor = SystemActor & { workspaceId: string };

export type Actor = AgentActor | TokenHolderActor | SystemActor;

export const systemActor = (reason: string): SystemActor => ({ kind: "system", reason });
export const systemActorIn = (reason: string, workspaceId: string): WorkspaceSystemActor => ({
  kind: "system",
  reason,
  workspaceId,
});

export const nowIso = (ctx: AppContext) => ctx.now().toISOString();

import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import type { Logger } from "pino";
import { MAX_FILE_BYTES, UNATTACHED_TTL_MS } from "../../shared/files.ts";
import type { AgentActor, SystemActor } from "../actors.ts";
import { hashToken, looksLikeToken, newToken } from "../auth/tokens.ts";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { AppError, tooManyRequests } from "../errors.ts";
import { newId } from "../ids.ts";
import type { FileScanner, FileStorage } from "../ports.ts";
import {
  type Claimer,
  claimUpload,
  deleteUnattachedUpload,
  type StoredFile,
  setAttachmentThumbnail,
  unattachedUploadNames,
  unattachedUploads,
} from "./file.access.ts";
import { loadMasterKey } from "./file.crypto.ts";
import { sealIncoming, serveSealedFile } from "./file.intake.ts";
import { scannerFor } from "./file.scanner.ts";
import { checkFileName } from "./file.sniff.ts";
import { createFileStore } from "./file.store.ts";
import { makeThumbnail } from "./thumbnail.ts";

// Uploads, attaching and serving. Every file passes through here: streamed and measured as it
// arrives, sealed into a temporary file, judged by its bytes, and only then stored. Who may
// read a stored file is decided in file.access.ts.

export function createFileStorage(
  config: Config,
  log: Logger,
  scanner: FileScanner = scannerFor(config, log),
): FileStorage {
  const key = loadMasterKey(config.dataDir, config.fileEncryptionKey);
  const store = createFileStore(config);
  const tempDir = path.join(config.dataDir, "files-incoming");
  fs.mkdirSync(tempDir, { recursive: true, mode: 0o700 });
  log.info(
    {
      store: store.kind,
      key: key.source === "FILE_ENCRYPTION_KEY" ? key.source : "file",
      scanner: scanner.name,
    },
    "file storage ready",
  );
  return { store, key: { key: key.key, id: key.id }, scanner, tempDir };
}

export type Uploader =
  | { kind: "public"; workspaceId: string; clientAddress: string }
  | { kind: "agent"; actor: AgentActor }
  /** A file that came with an email: the same checks, no per-address upload limit. */
  | { kind: "email"; workspaceId: string };

export interface UploadResult {
  id: string;
  /** The secret that attaches this upload; only the uploader ever sees it. */
  key: string;
  name: string;
  size: number;
  contentType: string;
  typeLabel: string;
  expiresAt: string;
}

const uploaderWorkspace = (u: Uploader) => (u.kind === "agent" ? u.actor.workspaceId : u.workspaceId);

const UPLOAD_WINDOW_MS = 10 * 60_000;

const tooLarge = (name: string) =>
  new AppError(
    413,
    "file_too_large",
    `“${name}” is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB, the most a file may be.`,
    {
      fields: { file: `“${name}” must be at most ${MAX_FILE_BYTES / 1024 / 1024} MB` },
      // The rest of an oversized body is not read: the connection is closed after the answer.
      headers: { connection: "close" },
    },
  );

/**
 * Receives one file for a ticket, streamed through sealIncoming (file.intake.ts) and recorded as
 * an unattached upload whose key only the uploader receives.
 */
export async function receiveUpload(
  ctx: AppContext,
  uploader: Uploader,
  input: { name: string | undefined; body: Readable; declaredLength: number | undefined },
): Promise<UploadResult> {
  const { name } = checkFileName(input.name);
  if (input.declaredLength !== undefined && input.declaredLength > MAX_FILE_BYTES) throw tooLarge(name);
  if (uploader.kind === "public") {
    const limit = await ctx.limiter.consume(
      `upload:${uploader.clientAddress}`,
      ctx.config.uploadRateLimit,
      UPLOAD_WINDOW_MS,
    );
    if (!limit.allowed) {
      throw tooManyRequests(
        `“${name}” was not uploaded: you have uploaded several files in a short time. Please wait a little and try again.`,
        limit.retryAfterSeconds,
      );
    }
  }
  const sealed = await sealIncoming(ctx, { ...input, name, maxBytes: MAX_FILE_BYTES, tooLarge });
  const id = newId();
  const key = newToken();
  const now = ctx.now();
  try {
    await ctx.database.db
      .insertInto("attachments")
      .values({
        id,
        workspace_id: uploaderWorkspace(uploader),
        ticket_id: null,
        comment_id: null,
        file_name: sealed.name,
        content_type: sealed.contentType,
        size_bytes: sealed.size,
        sha256: sealed.sha256,
        storage_key: sealed.storageKey,
        uploaded_by_type: uploader.kind,
        uploaded_by_id: uploader.kind === "agent" ? uploader.actor.agentId : null,
        created_at: now.toISOString(),
        claim_hash: hashToken(key),
        attached_at: null,
        scan_status: sealed.scanStatus,
      })
      .execute();
  } catch (err) {
    await ctx.files.store.delete(sealed.storageKey).catch(() => {});
    throw err;
  }
  await makeThumbnail(
    ctx,
    { id, content_type: sealed.contentType, size_bytes: sealed.size, storage_key: sealed.storageKey },
    (thumbKey) =>
      setAttachmentThumbnail(ctx.database.db, { workspaceId: uploaderWorkspace(uploader), id, thumbKey }),
  );
  return {
    id,
    key,
    name: sealed.name,
    size: sealed.size,
    contentType: sealed.contentType,
    typeLabel: sealed.typeLabel,
    expiresAt: new Date(now.getTime() + UNATTACHED_TTL_MS).toISOString(),
  };
}

// Who attaches is part of claimUploads' signature: its callers take the type from here.
export type { Claimer };

/**
 * Attaches uploads, inside the caller's transaction. Each key must be one this caller received
 * (a public upload for the portal's customers, or this agent's own), in this workspace, fresh
 * and not yet attached; the key is cleared as it is used, so an upload is attached once. Any
 * failure throws and the caller's transaction (the ticket, the reply) rolls back with it.
 */
export async function claimUploads(
  ctx: AppContext,
  tx: Tx,
  claimer: Claimer,
  target: { workspaceId: string; ticketId: string; commentId: string | null },
  keys: readonly string[] | undefined,
  max: number,
): Promise<number> {
  if (!keys?.length) return 0;
  if (keys.length > max) {
    const extra = keys.slice(max).filter(looksLikeToken).map(hashToken);
    const found = await unattachedUploadNames(tx, claimer, target.workspaceId, extra);
    const names = extra.flatMap((h) => (found.has(h) ? [`“${found.get(h)}”`] : []));
    const why = names.length
      ? `at most ${max} files, so ${names.join(", ")} ${names.length === 1 ? "was" : "were"} not attached`
      : `at most ${max} files`;
    throw new AppError(400, "too_many_files", `You can attach ${why}.`, {
      fields: { attachments: why },
    });
  }
  const now = ctx.now();
  const cutoff = new Date(now.getTime() - UNATTACHED_TTL_MS).toISOString();
  for (const [i, key] of keys.entries()) {
    const missing = () =>
      new AppError(
        400,
        "upload_not_found",
        "A file was not found, has expired or is already attached. Upload it again.",
        {
          fields: { attachments: `file ${i + 1} was not found, has expired or is already attached` },
        },
      );
    if (!looksLikeToken(key)) throw missing();
    const claimHash = hashToken(key);
    const claimed = await claimUpload(tx, claimer, target, {
      claimHash,
      at: now.toISOString(),
      createdAfter: cutoff,
    });
    if (!claimed) {
      // Still this claimer's and unattached, yet not claimed: it is past its 24 hours.
      const name = (await unattachedUploadNames(tx, claimer, target.workspaceId, [claimHash])).get(claimHash);
      if (!name) throw missing();
      const why = `“${name}” was uploaded more than 24 hours ago and has expired`;
      throw new AppError(400, "upload_not_found", `${why}. Upload it again.`, {
        fields: { attachments: why },
      });
    }
  }
  return keys.length;
}

/** Form posts send `attachments` once per file; JSON sends an array. */
export function uploadKeysFrom(value: unknown): string[] {
  if (value === undefined || value === null || value === "") return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === "string" && v !== "");
}

/**
 * Deletes uploads never attached within 24 hours. The row goes first, only while still
 * unattached, so an upload being attached at that moment (another process, a skewed clock) keeps
 * its file; only then is the stored object removed. A failed removal leaves an unreferenced
 * object, which is logged and never served. The sweep is the whole server's (every workspace).
 */
export async function sweepUnattached(ctx: AppContext, actor: SystemActor): Promise<number> {
  const cutoff = new Date(ctx.now().getTime() - UNATTACHED_TTL_MS).toISOString();
  const db = ctx.database.db;
  const stale = await unattachedUploads(db, actor, { createdBy: cutoff, limit: 500 });
  let removed = 0;
  for (const row of stale) {
    if (!(await deleteUnattachedUpload(db, actor, row.id))) continue;
    removed++;
    for (const key of [row.storage_key, row.thumb_key]) {
      if (!key) continue;
      await ctx.files.store.delete(key).catch((err: unknown) => {
        ctx.log.warn({ err, storageKey: key }, "an expired upload's stored file could not be removed");
      });
    }
  }
  if (removed) ctx.log.info({ removed }, "unattached uploads deleted");
  return removed;
}

/** Runs the sweep every `everyMs` until the returned function is called. */
export function startUploadSweeper(ctx: AppContext, actor: SystemActor, everyMs = 15 * 60_000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepUnattached(ctx, actor)
      .catch((err) => ctx.log.warn({ err }, "the upload sweep failed; it will run again"))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Sends a stored file to someone file.access.ts already let through (file.intake.ts). */
export async function sendStoredFile(ctx: AppContext, reply: FastifyReply, file: StoredFile) {
  return serveSealedFile(ctx, reply, file);
}

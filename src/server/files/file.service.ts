import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
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
import type { FileScanner, FileStorage, ScanVerdict } from "../ports.ts";
import {
  type Claimer,
  claimUpload,
  deleteUnattachedUpload,
  type StoredFile,
  setAttachmentThumbnail,
  unattachedUploadNames,
  unattachedUploads,
} from "./file.access.ts";
import { decryptStream, encryptStream, FileDamagedError, loadMasterKey, sealedSize } from "./file.crypto.ts";
import { scannerFor } from "./file.scanner.ts";
import { ContentInspector, checkFileName, contentDisposition, decideType, typeByMime } from "./file.sniff.ts";
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
 * Receives one file. The size is counted as the bytes arrive and the body is cut off at the
 * limit; nothing is buffered beyond a 64 KiB head kept for type detection.
 */
export async function receiveUpload(
  ctx: AppContext,
  uploader: Uploader,
  input: { name: string | undefined; body: Readable; declaredLength: number | undefined },
): Promise<UploadResult> {
  const { name, extension } = checkFileName(input.name);
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

  const { files } = ctx;
  const inspector = new ContentInspector(extension);
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > MAX_FILE_BYTES) return cb(tooLarge(name));
      hash.update(chunk);
      inspector.push(chunk);
      cb(null, chunk);
    },
  });
  const temp = path.join(files.tempDir, newId());
  const body = input.body;
  // The request is piped, not handed to pipeline(): on a refusal it must stay open for the answer.
  const onClose = () => {
    if (!body.readableEnded)
      meter.destroy(new AppError(400, "upload_incomplete", `The upload of “${name}” was interrupted.`));
  };
  body.once("close", onClose);
  body.once("error", (err) => meter.destroy(err));
  body.pipe(meter);
  let stored = false;
  try {
    await pipeline(meter, encryptStream(files.key), fs.createWriteStream(temp, { mode: 0o600 }));
    body.off("close", onClose);
    if (size === 0) {
      throw new AppError(400, "file_empty", `“${name}” is empty.`, {
        fields: { file: `“${name}” is empty` },
      });
    }
    const type = await decideType(name, extension, inspector);
    const sha256 = hash.digest("hex");
    const verdict = await files.scanner.scan({
      name,
      contentType: type.mime,
      size,
      sha256,
      open: () => fs.createReadStream(temp).pipe(decryptStream(files.key)),
    });
    if (!verdict.ok) throw scanRefusal(ctx, files.scanner.name, name, sha256, verdict);
    if (verdict.unscanned) {
      ctx.log.warn({ scanner: files.scanner.name, sha256 }, "upload accepted without a malware scan");
    }

    const id = newId();
    const storageKey = newId();
    const key = newToken();
    const now = ctx.now();
    await files.store.putFile(storageKey, temp, sealedSize(size));
    stored = true;
    try {
      await ctx.database.db
        .insertInto("attachments")
        .values({
          id,
          workspace_id: uploaderWorkspace(uploader),
          ticket_id: null,
          comment_id: null,
          file_name: name,
          content_type: type.mime,
          size_bytes: size,
          sha256,
          storage_key: storageKey,
          uploaded_by_type: uploader.kind,
          uploaded_by_id: uploader.kind === "agent" ? uploader.actor.agentId : null,
          created_at: now.toISOString(),
          claim_hash: hashToken(key),
          attached_at: null,
          scan_status: files.scanner.name === "none" ? null : verdict.unscanned ? "unscanned" : "clean",
        })
        .execute();
    } catch (err) {
      await files.store.delete(storageKey).catch(() => {});
      throw err;
    }
    await makeThumbnail(
      ctx,
      { id, content_type: type.mime, size_bytes: size, storage_key: storageKey },
      (thumbKey) =>
        setAttachmentThumbnail(ctx.database.db, { workspaceId: uploaderWorkspace(uploader), id, thumbKey }),
    );
    return {
      id,
      key,
      name,
      size,
      contentType: type.mime,
      typeLabel: type.label,
      expiresAt: new Date(now.getTime() + UNATTACHED_TTL_MS).toISOString(),
    };
  } finally {
    body.unpipe(meter);
    if (!stored) await fs.promises.rm(temp, { force: true });
  }
}

/** The uploader's answer to a refusal by the scanner; the log has the hash, never the name. */
function scanRefusal(
  ctx: AppContext,
  scanner: string,
  name: string,
  sha256: string,
  verdict: Extract<ScanVerdict, { ok: false }>,
): AppError {
  if (verdict.infected) {
    ctx.log.warn({ scanner, sha256, signature: verdict.infected }, "upload refused: malware found");
    return new AppError(
      422,
      "file_infected",
      `“${name}” contains malware (${verdict.infected}) and was not accepted.`,
      { fields: { file: `“${name}” contains malware` } },
    );
  }
  if (verdict.unavailable) {
    return new AppError(
      503,
      "file_scan_unavailable",
      `“${name}” could not be checked for malware just now. Please try again in a few minutes.`,
      { fields: { file: `“${name}” could not be checked for malware` }, headers: { "retry-after": "60" } },
    );
  }
  ctx.log.warn({ scanner, sha256 }, "upload refused by the scanner");
  return new AppError(422, "file_refused_by_scanner", `“${name}” was refused: ${verdict.reason}`, {
    fields: { file: `“${name}” was refused: ${verdict.reason}` },
  });
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

/**
 * Sends a stored file to someone file.access.ts already let through. The first segment is
 * verified before any header goes out, so a damaged small file is an error, never a download;
 * a damaged later segment ends the connection before the bad bytes are released.
 */
export async function sendStoredFile(ctx: AppContext, reply: FastifyReply, file: StoredFile) {
  const type = typeByMime(file.content_type);
  const sealed = await ctx.files.store.get(file.storage_key);
  if (!sealed || !type) {
    ctx.log.error({ attachmentId: file.id }, "an attachment's stored file is missing");
    throw new AppError(404, "not_found", "Not found");
  }
  const plain = decryptStream(ctx.files.key);
  sealed.on("error", (err) => plain.destroy(err));
  sealed.pipe(plain);
  const damaged = (err: unknown) => {
    ctx.log.error(
      { attachmentId: file.id, reason: err instanceof Error ? err.message : String(err) },
      "an attachment failed its integrity check and was not served",
    );
    return new AppError(
      500,
      "file_damaged",
      "This file could not be read back intact. It has been reported.",
    );
  };
  try {
    await new Promise<void>((resolve, reject) => {
      plain.once("readable", resolve);
      plain.once("error", reject);
    });
  } catch (err) {
    sealed.destroy();
    throw damaged(err);
  }
  plain.on("error", (err) => {
    if (err instanceof FileDamagedError) damaged(err);
  });
  const textual = type.mime.startsWith("text/");
  reply
    .header("content-type", textual ? `${type.mime}; charset=utf-8` : type.mime)
    .header("content-length", String(file.size_bytes))
    .header("content-disposition", contentDisposition(type.inline ? "inline" : "attachment", file.file_name))
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; sandbox; frame-ancestors 'none'")
    .header("cross-origin-resource-policy", "same-origin")
    .header("cache-control", "private, no-store");
  return reply.send(plain as Readable);
}

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyReply } from "fastify";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import type { ScanVerdict } from "../ports.ts";
import { decryptStream, encryptStream, FileDamagedError, sealedSize } from "./file.crypto.ts";
import { ContentInspector, checkFileName, contentDisposition, decideType, typeByMime } from "./file.sniff.ts";

// The core every stored file shares, whatever table records it (attachments, documents): an
// incoming body streamed, measured, sniffed, scanned and sealed; a sealed file served back with
// the safe headers. The callers decide the limits and who may read.

export interface SealedFile {
  name: string;
  contentType: string;
  typeLabel: string;
  size: number;
  sha256: string;
  storageKey: string;
  scanStatus: "clean" | "unscanned" | null;
}

/**
 * Streams one file into the store. The size is counted as the bytes arrive and the body is cut
 * off past `maxBytes`; nothing is buffered beyond a 64 KiB head kept for type detection. The
 * caller records the row and removes `storageKey` from the store if that fails.
 */
export async function sealIncoming(
  ctx: AppContext,
  input: {
    name: string | undefined;
    body: Readable;
    declaredLength: number | undefined;
    maxBytes: number;
    /** The refusal for a body past maxBytes (it names the limit the caller applies). */
    tooLarge: (name: string) => AppError;
  },
): Promise<SealedFile> {
  const { name, extension } = checkFileName(input.name);
  if (input.declaredLength !== undefined && input.declaredLength > input.maxBytes) {
    throw input.tooLarge(name);
  }
  const { files } = ctx;
  const inspector = new ContentInspector(extension);
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > input.maxBytes) return cb(input.tooLarge(name));
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
  // A body that failed or closed before we came to read it (a client gone, a form cut off).
  if (body.destroyed && !body.readableEnded) onClose();
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
    const storageKey = newId();
    await files.store.putFile(storageKey, temp, sealedSize(size));
    stored = true;
    return {
      name,
      contentType: type.mime,
      typeLabel: type.label,
      size,
      sha256,
      storageKey,
      scanStatus: files.scanner.name === "none" ? null : verdict.unscanned ? "unscanned" : "clean",
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

export interface SealedFileRef {
  id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  storage_key: string;
}

/**
 * Sends a stored file to someone the caller already let through. The first segment is verified
 * before any header goes out, so a damaged small file is an error, never a download; a damaged
 * later segment ends the connection before the bad bytes are released. `attachment` forces a
 * download even for a type a browser could show.
 */
export async function serveSealedFile(
  ctx: AppContext,
  reply: FastifyReply,
  file: SealedFileRef,
  opts: { attachment?: boolean } = {},
) {
  const type = typeByMime(file.content_type);
  const sealed = await ctx.files.store.get(file.storage_key);
  if (!sealed || !type) {
    ctx.log.error({ fileId: file.id }, "a stored file is missing");
    throw new AppError(404, "not_found", "Not found");
  }
  const plain = decryptStream(ctx.files.key);
  sealed.on("error", (err) => plain.destroy(err));
  sealed.pipe(plain);
  const damaged = (err: unknown) => {
    ctx.log.error(
      { fileId: file.id, reason: err instanceof Error ? err.message : String(err) },
      "a stored file failed its integrity check and was not served",
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
  const disposition = type.inline && !opts.attachment ? "inline" : "attachment";
  reply
    .header("content-type", textual ? `${type.mime}; charset=utf-8` : type.mime)
    .header("content-length", String(file.size_bytes))
    .header("content-disposition", contentDisposition(disposition, file.file_name))
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; sandbox; frame-ancestors 'none'")
    .header("cross-origin-resource-policy", "same-origin")
    .header("cache-control", "private, no-store");
  return reply.send(plain as Readable);
}

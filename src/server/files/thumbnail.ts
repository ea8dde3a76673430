import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Worker } from "node:worker_threads";
import type { FastifyReply } from "fastify";
import type { AppContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { trackThread } from "../metrics/threads.ts";
import { decryptStream, encryptStream, sealedSize } from "./file.crypto.ts";

// Thumbnails of image files: made on the server from the stored (already sniffed) image, sealed
// and stored like the file itself, and served in place of the original wherever a chip shows a
// picture, so the original is never shown inline by a chip. Attachments get theirs when they
// are uploaded (file.service.ts), not on first view: the chip then knows whether a thumbnail
// exists, so an image that gets none (too large, damaged) shows the type badge, never a broken
// picture, and no page view waits on a decode. Documents call the same makeThumbnail.

/** The longest side of a thumbnail, in pixels. */
export const THUMBNAIL_MAX_PX = 256;
/** Larger images get no thumbnail: decoding one would take hundreds of MB (decompression bombs). */
export const THUMBNAIL_PIXEL_BUDGET = 40_000_000;
/** Larger files get no thumbnail: the whole file is read into memory to decode it. */
export const THUMBNAIL_SOURCE_MAX_BYTES = 32 * 1024 * 1024;
const WORKER_TIMEOUT_MS = 20_000;
/**
 * What jpeg-js may allocate for one decode. Image buffers live outside the worker's heap, so its
 * resourceLimits do not bound them: this does (a 12-megapixel phone photo needs about 180 MB).
 */
const JPEG_MEMORY_MB = 256;
/**
 * How long an upload's answer waits for its thumbnail. Most are ready well within it, so the
 * answer (and the chip drawn from it) already has one; past it the answer goes out and the
 * thumbnail is still recorded when done, so a busy decoding thread never holds an upload.
 */
const UPLOAD_WAIT_MS = 4_000;
/** Past this many images waiting for the one decoding thread, new ones get no thumbnail. */
const MAX_WAITING = 16;

/**
 * The image types jimp decodes, and what their thumbnail is: photos stay JPEG, the others become
 * PNG (transparency kept; a GIF's first frame). WebP (not decodable here) and SVG (markup, never
 * rasterised on the server) get none.
 */
const OUTPUT: Record<string, "image/png" | "image/jpeg"> = {
  "image/jpeg": "image/jpeg",
  "image/png": "image/png",
  "image/gif": "image/png",
};

export const canHaveThumbnail = (contentType: string) => contentType in OUTPUT;

/** What making a thumbnail needs of a stored file: an attachment's or a document version's row. */
export interface ThumbnailSource {
  id: string;
  content_type: string;
  size_bytes: number;
  storage_key: string;
}

/** An image's size as its header states it, before any pixel is decoded; null when unreadable. */
export function imageDimensions(b: Buffer, contentType: string): { width: number; height: number } | null {
  const size =
    contentType === "image/png" ? pngSize(b) : contentType === "image/jpeg" ? jpegSize(b) : gifSize(b);
  return size && size.width > 0 && size.height > 0 ? size : null;
}

function pngSize(b: Buffer) {
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString("latin1", 12, 16) !== "IHDR")
    return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function jpegSize(b: Buffer) {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1] as number;
    // Fill bytes, and markers that stand alone without a length.
    if (marker === 0xff) i += 1;
    else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) i += 2;
    else if (marker === 0xd9 || marker === 0xda) return null;
    else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    } else i += 2 + b.readUInt16BE(i + 2);
  }
  return null;
}

/** The larger of the screen and the first frame: the decoder allocates for both. */
function gifSize(b: Buffer) {
  if (b.length < 13 || b.toString("latin1", 0, 4) !== "GIF8") return null;
  const screen = { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  const packed = b[10] as number;
  let i = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  while (i < b.length) {
    if (b[i] === 0x2c) {
      if (i + 9 > b.length) return null;
      return {
        width: Math.max(screen.width, b.readUInt16LE(i + 5)),
        height: Math.max(screen.height, b.readUInt16LE(i + 7)),
      };
    }
    if (b[i] !== 0x21) return null;
    i += 2;
    while (i < b.length && b[i] !== 0) i += (b[i] as number) + 1;
    i += 1;
  }
  return null;
}

// One image at a time for the whole process, read and decoded in turn: each may hold a
// 40-megapixel bitmap, and an image waiting its turn holds nothing but its place.
let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;

/**
 * Takes a place in the queue, or null when it is full (the image then gets no thumbnail, and its
 * file is never read). The returned function gives the place back, once.
 */
export function reserveThumbnailSlot(): (() => void) | null {
  if (waiting >= MAX_WAITING) return null;
  waiting++;
  let given = false;
  return () => {
    if (!given) waiting--;
    given = true;
  };
}

/** Runs `work` when the images ahead of it are done, then gives back its reserved place. */
function inTurn<T>(release: () => void, work: () => Promise<T>): Promise<T> {
  const job = queue.then(work);
  queue = job.catch(() => {}).finally(release);
  return job;
}

type Scaled = { data: Uint8Array; width: number; height: number };

/** `bytes` must own its whole ArrayBuffer: it is moved to the decoding thread, not copied. */
function scaleInWorker(bytes: Uint8Array, out: "image/png" | "image/jpeg"): Promise<Scaled> {
  return new Promise<Scaled>((resolve, reject) => {
    const worker = new Worker(new URL("./thumbnail.worker.ts", import.meta.url), {
      workerData: {
        bytes,
        out,
        max: THUMBNAIL_MAX_PX,
        megapixels: THUMBNAIL_PIXEL_BUDGET / 1e6,
        jpegMemoryMb: JPEG_MEMORY_MB,
      },
      transferList: [bytes.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    trackThread("thumbnail", worker);
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error("the image took too long to decode"));
    }, WORKER_TIMEOUT_MS);
    worker.once("message", (m: ({ ok: true } & Scaled) | { ok: false; error: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (m.ok) resolve(m);
      else reject(new Error(m.error));
    });
    worker.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    worker.once("exit", () => {
      clearTimeout(timer);
      reject(new Error("the decoding thread stopped"));
    });
  });
}

async function readSealed(ctx: AppContext, key: string): Promise<Buffer | null> {
  const sealed = await ctx.files.store.get(key);
  if (!sealed) return null;
  const chunks: Buffer[] = [];
  await pipeline(sealed, decryptStream(ctx.files.key), async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) chunks.push(c);
  });
  return Buffer.concat(chunks);
}

/**
 * A stored image's bytes, decrypted into one buffer of its recorded size that nothing else
 * shares (so it can be moved to the decoding thread); null when missing or not that size.
 */
async function readSource(ctx: AppContext, file: ThumbnailSource): Promise<Uint8Array | null> {
  const sealed = await ctx.files.store.get(file.storage_key);
  if (!sealed) return null;
  const bytes = new Uint8Array(Number(file.size_bytes));
  let at = 0;
  await pipeline(sealed, decryptStream(ctx.files.key), async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) {
      if (at + c.length > bytes.length) throw new Error("the stored file is larger than recorded");
      bytes.set(c, at);
      at += c.length;
    }
  });
  return at === bytes.length ? bytes : null;
}

async function storeSealed(ctx: AppContext, bytes: Uint8Array): Promise<string> {
  const key = newId();
  const temp = path.join(ctx.files.tempDir, newId());
  try {
    await pipeline(
      Readable.from([Buffer.from(bytes)]),
      encryptStream(ctx.files.key),
      fs.createWriteStream(temp, { mode: 0o600 }),
    );
    await ctx.files.store.putFile(key, temp, sealedSize(bytes.byteLength));
  } finally {
    await fs.promises.rm(temp, { force: true });
  }
  return key;
}

/**
 * Makes a stored image's thumbnail, seals and stores it, and hands its storage key to `save`,
 * which records it on the row (an attachment's or a document version's) and answers whether it
 * did. Returns the key, or null when the file gets none: not a decodable raster image, over the
 * pixel budget, damaged, or not recorded (its object is then removed); also null when the queue
 * is full (nothing is read), or when it is not ready within UPLOAD_WAIT_MS (it is then recorded
 * when done). Never throws: a missing thumbnail only means the chip shows the type badge.
 */
export async function makeThumbnail(
  ctx: AppContext,
  file: ThumbnailSource,
  save: (thumbKey: string) => Promise<boolean>,
): Promise<string | null> {
  const out = OUTPUT[file.content_type];
  if (!out || Number(file.size_bytes) > THUMBNAIL_SOURCE_MAX_BYTES) return null;
  // The place is taken before anything is read: a full queue costs neither memory nor a read.
  const release = reserveThumbnailSlot();
  if (!release) {
    ctx.log.info({ fileId: file.id }, "no thumbnail: too many images waiting");
    return null;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      ctx.log.info({ fileId: file.id }, "the thumbnail is still being made; the upload answers without it");
      resolve(null);
    }, UPLOAD_WAIT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([thumbnailInTurn(ctx, file, out, save, release), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads, checks and scales the image in its turn, then stores and records the thumbnail. */
async function thumbnailInTurn(
  ctx: AppContext,
  file: ThumbnailSource,
  out: "image/png" | "image/jpeg",
  save: (thumbKey: string) => Promise<boolean>,
  release: () => void,
): Promise<string | null> {
  try {
    const scaled = await inTurn(release, async () => {
      const bytes = await readSource(ctx, file);
      if (!bytes) return null;
      const size = imageDimensions(Buffer.from(bytes.buffer, 0, bytes.byteLength), file.content_type);
      if (!size || size.width * size.height > THUMBNAIL_PIXEL_BUDGET) {
        ctx.log.info(
          { fileId: file.id, size },
          "no thumbnail: the image's stated size is unreadable or too large",
        );
        return null;
      }
      return scaleInWorker(bytes, out);
    });
    if (!scaled) return null;
    const key = await storeSealed(ctx, scaled.data);
    let saved = false;
    try {
      saved = await save(key);
    } finally {
      if (!saved) await ctx.files.store.delete(key).catch(() => {});
    }
    return saved ? key : null;
  } catch (err) {
    ctx.log.warn(
      { fileId: file.id, reason: err instanceof Error ? err.message : String(err) },
      "no thumbnail could be made",
    );
    return null;
  }
}

/**
 * Sends a thumbnail to someone the download's own access check already let through; a file
 * without one is a 404. Thumbnails are small, so they are read and checked whole before sending.
 */
export async function sendThumbnail(
  ctx: AppContext,
  reply: FastifyReply,
  file: { id: string; thumb_key?: string | null | undefined },
) {
  if (!file.thumb_key) throw notFound("This file has no thumbnail.");
  let bytes: Buffer | null;
  try {
    bytes = await readSealed(ctx, file.thumb_key);
  } catch (err) {
    ctx.log.error(
      { fileId: file.id, reason: err instanceof Error ? err.message : String(err) },
      "a thumbnail failed its integrity check and was not served",
    );
    throw new AppError(
      500,
      "file_damaged",
      "This thumbnail could not be read back intact. It has been reported.",
    );
  }
  const type =
    bytes?.[0] === 0x89 ? "image/png" : bytes?.[0] === 0xff && bytes[1] === 0xd8 ? "image/jpeg" : null;
  if (!bytes || !type) {
    ctx.log.error({ fileId: file.id }, "a thumbnail's stored file is missing");
    throw notFound("This file has no thumbnail.");
  }
  return (
    reply
      .header("content-type", type)
      .header("content-length", String(bytes.length))
      .header("content-disposition", "inline")
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'; sandbox; frame-ancestors 'none'")
      .header("cross-origin-resource-policy", "same-origin")
      // Kept by this browser only, for a while: the same chips show on every view of a ticket.
      .header("cache-control", "private, max-age=3600")
      .send(bytes)
  );
}

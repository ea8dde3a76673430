import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import type { BrandAssetKind } from "../db/schema.portal.ts";
import { AppError } from "../errors.ts";
import { imageDimensions } from "../files/thumbnail.ts";
import { trackThread } from "../metrics/threads.ts";

// A brand image as uploaded (a logo for light pages, one for dark pages, the icon) made safe
// to serve to every visitor: its bytes are read up to a limit (a larger upload is refused as
// soon as it passes it, never held whole), its type is judged from its first bytes (never the
// name), its size in pixels from its header before anything is decoded (a small file declaring
// a huge image is refused), then it is decoded and written out afresh as PNG on a worker
// thread, scaled to fit. SVG is refused: markup may carry scripts.

export const BRAND_IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** Larger images are refused before decoding: a bitmap of this many pixels takes 100 MB. */
export const BRAND_IMAGE_PIXEL_BUDGET = 25_000_000;
/** The box a logo fits in (the header shows it 32 px high; this keeps it sharp on any screen). */
export const LOGO_BOX = { w: 512, h: 128 };
/** The icon is stored square at this size; the page and manifest sizes are made from it. */
export const ICON_SIZE = 512;
/** The icon sizes served: the tab, the apple-touch-icon, and the manifest's two. */
export const ICON_SIZES = [32, 180, 192, 512] as const;
export type IconSize = (typeof ICON_SIZES)[number];
const WORKER_TIMEOUT_MS = 20_000;

export interface BrandImage {
  contentType: "image/png";
  bytes: Buffer;
  width: number;
  height: number;
  sha256: string;
}

const refused = (code: string, message: string, status = 415) =>
  new AppError(status, code, message, { fields: { file: message } });

const tooLarge = () =>
  refused("image_too_large", `The image is larger than ${BRAND_IMAGE_MAX_BYTES / 1024 / 1024} MB.`, 413);

/** What the first bytes say the file is; null when none of the accepted kinds. */
export function sniffImage(
  head: Buffer,
): "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "svg" | null {
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a)
    return "image/png";
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
  if (head.length >= 6 && /^GIF8[79]a$/.test(head.toString("latin1", 0, 6))) return "image/gif";
  if (
    head.length >= 12 &&
    head.toString("latin1", 0, 4) === "RIFF" &&
    head.toString("latin1", 8, 12) === "WEBP"
  )
    return "image/webp";
  const text = head
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart()
    .slice(0, 512)
    .toLowerCase();
  if (text.startsWith("<svg") || (text.startsWith("<?xml") && text.includes("<svg"))) return "svg";
  return null;
}

/** How many bytes are needed to judge the type (and, for PNG and GIF, to read the size). */
const HEAD_BYTES = 64;

/**
 * Reads an upload, refusing it once it passes the limit or as soon as its first bytes show it
 * is not an accepted image (the rest is then never read).
 */
export async function readBrandUpload(stream: Readable, declaredLength?: number): Promise<Buffer> {
  if (declaredLength !== undefined && declaredLength > BRAND_IMAGE_MAX_BYTES) {
    stream.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let judged = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > BRAND_IMAGE_MAX_BYTES) throw tooLarge();
      chunks.push(chunk);
      if (!judged && total >= HEAD_BYTES) {
        judged = true;
        checkKind(Buffer.concat(chunks));
      }
    }
  } catch (err) {
    stream.destroy();
    throw err;
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length === 0) throw refused("empty_file", "The file is empty.", 400);
  checkKind(bytes);
  return bytes;
}

function checkKind(head: Buffer): "image/png" | "image/jpeg" | "image/gif" {
  const kind = sniffImage(head);
  if (kind === "svg") {
    throw refused(
      "svg_not_accepted",
      "SVG images are not accepted: they can carry scripts. Export it as PNG (or JPEG) and upload that.",
    );
  }
  if (kind === "image/webp") {
    throw refused("webp_not_accepted", "WebP images cannot be checked here yet. Upload a PNG, JPEG or GIF.");
  }
  if (!kind) throw refused("not_an_image", "This file is not a PNG, JPEG or GIF image.");
  return kind;
}

/** Decodes on a worker thread and writes a fresh PNG; one image at a time for the process. */
let queue: Promise<unknown> = Promise.resolve();

function reencode(bytes: Buffer, mode: "fit" | "square", box: { w: number; h: number }) {
  const copy = new Uint8Array(bytes); // owns its buffer, so it can be moved to the thread
  const run = () =>
    new Promise<{ data: Uint8Array; width: number; height: number }>((resolve, reject) => {
      const worker = new Worker(new URL("./brand-image.worker.ts", import.meta.url), {
        workerData: { bytes: copy, mode, box, megapixels: BRAND_IMAGE_PIXEL_BUDGET / 1e6 },
        transferList: [copy.buffer as ArrayBuffer],
        resourceLimits: { maxOldGenerationSizeMb: 256 },
      });
      trackThread("brand-image", worker);
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error("the image took too long to decode"));
      }, WORKER_TIMEOUT_MS);
      worker.once(
        "message",
        (m: { ok: true; data: Uint8Array; width: number; height: number } | { ok: false; error: string }) => {
          clearTimeout(timer);
          void worker.terminate();
          if (m.ok) resolve(m);
          else reject(new Error(m.error));
        },
      );
      worker.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      worker.once("exit", () => {
        clearTimeout(timer);
        reject(new Error("the decoding thread stopped"));
      });
    });
  const job = queue.then(run);
  queue = job.catch(() => {});
  return job;
}

const imageOf = (r: { data: Uint8Array; width: number; height: number }): BrandImage => {
  const bytes = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
  return {
    contentType: "image/png",
    bytes,
    width: r.width,
    height: r.height,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
};

/**
 * An uploaded image checked and re-encoded for its use: a logo fits LOGO_BOX, the icon becomes
 * an ICON_SIZE square. 415 for a file that is not a PNG, JPEG or GIF (or is SVG), 422 for one
 * whose header states more than BRAND_IMAGE_PIXEL_BUDGET pixels or that cannot be decoded.
 */
export async function prepareBrandImage(kind: BrandAssetKind, bytes: Buffer): Promise<BrandImage> {
  const type = checkKind(bytes);
  const size = imageDimensions(bytes, type);
  if (!size)
    throw refused("image_unreadable", "The image's size could not be read: the file may be damaged.", 422);
  // A 16-bit PNG decodes to twice the bytes a pixel: it counts twice against the budget.
  const sixteenBit = type === "image/png" && bytes.length > 24 && bytes[24] === 16;
  if (size.width * size.height * (sixteenBit ? 2 : 1) > BRAND_IMAGE_PIXEL_BUDGET) {
    throw refused(
      "image_too_many_pixels",
      `The image is ${size.width}×${size.height} pixels; at most ${BRAND_IMAGE_PIXEL_BUDGET / 1e6} megapixels are accepted.`,
      422,
    );
  }
  try {
    const out =
      kind === "favicon"
        ? await reencode(bytes, "square", { w: ICON_SIZE, h: ICON_SIZE })
        : await reencode(bytes, "fit", LOGO_BOX);
    return imageOf(out);
  } catch {
    throw refused("image_unreadable", "The image could not be decoded: the file may be damaged.", 422);
  }
}

/** One served size of a stored icon (already a safe PNG square). */
export async function iconAtSize(stored: Buffer, size: IconSize): Promise<Buffer> {
  const out = await reencode(stored, "square", { w: size, h: size });
  return Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}

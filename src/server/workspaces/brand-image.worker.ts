import { parentPort, workerData } from "node:worker_threads";
import { Jimp } from "jimp";

// Decodes one brand image and writes it out again as a fresh PNG, on its own thread (see
// brand-images.ts): only pixels cross from the upload to what is stored, so nothing else the
// file carried (metadata, trailing bytes, a second format hidden inside) survives. Logos fit a
// box, never enlarged; the icon becomes a square (transparent margins), or one of its sizes.

const { bytes, mode, box, megapixels } = workerData as {
  bytes: Uint8Array;
  mode: "fit" | "square";
  box: { w: number; h: number };
  megapixels: number;
};
const port = parentPort;
if (!port) throw new Error("brand-image.worker.ts runs as a worker thread");

try {
  const image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    "image/jpeg": { maxResolutionInMP: megapixels, maxMemoryUsageInMB: 256 },
  });
  if (mode === "fit") {
    if (image.bitmap.width > box.w || image.bitmap.height > box.h) image.scaleToFit({ w: box.w, h: box.h });
  } else {
    image.contain({ w: box.w, h: box.h });
  }
  const data = await image.getBuffer("image/png");
  port.postMessage({ ok: true, data, width: image.bitmap.width, height: image.bitmap.height });
} catch (err) {
  port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}

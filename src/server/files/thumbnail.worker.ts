import { parentPort, workerData } from "node:worker_threads";
import { Jimp } from "jimp";

// Decodes one image and scales it down, on its own thread (see thumbnail.ts): a large photo takes
// seconds of pure JavaScript, which must not stall every other request on the event loop.

const { bytes, out, max, megapixels, jpegMemoryMb } = workerData as {
  bytes: Uint8Array;
  out: "image/png" | "image/jpeg";
  max: number;
  megapixels: number;
  jpegMemoryMb: number;
};
const port = parentPort;
if (!port) throw new Error("thumbnail.worker.ts runs as a worker thread");

try {
  // jpeg-js checks its own limits too, a second guard behind the header check in thumbnail.ts.
  const image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    "image/jpeg": { maxResolutionInMP: megapixels, maxMemoryUsageInMB: jpegMemoryMb },
  });
  // Only ever smaller: a small image is re-encoded at its own size, never blown up.
  if (image.bitmap.width > max || image.bitmap.height > max) image.scaleToFit({ w: max, h: max });
  const data =
    out === "image/jpeg"
      ? await image.getBuffer("image/jpeg", { quality: 82 })
      : await image.getBuffer("image/png");
  port.postMessage({ ok: true, data, width: image.bitmap.width, height: image.bitmap.height });
} catch (err) {
  port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}

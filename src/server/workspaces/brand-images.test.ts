import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { Jimp } from "jimp";
import { AppError } from "../errors.ts";
import { imageDimensions } from "../files/thumbnail.ts";
import {
  BRAND_IMAGE_MAX_BYTES,
  ICON_SIZE,
  prepareBrandImage,
  readBrandUpload,
  sniffImage,
} from "./brand-images.ts";

const pngChunk = (type: string, data: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
};

/** A tiny file whose header declares width×height: decoding it would allocate gigabytes. */
function bombPng(width: number, height: number, bitDepth = 8): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlib.deflateSync(Buffer.alloc(1024))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

async function pngOf(w: number, h: number, color = 0x336699ff): Promise<Buffer> {
  const img = new Jimp({ width: w, height: h, color });
  return img.getBuffer("image/png");
}

const rejectsWith = async (p: Promise<unknown>, status: number, code: string) => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return true;
  });
};

describe("brand images", () => {
  it("judges the type from the bytes, never the name", () => {
    assert.equal(sniffImage(Buffer.from("<!doctype html><script>alert(1)</script>")), null);
    assert.equal(sniffImage(Buffer.from("\uFEFF  <svg xmlns='http://www.w3.org/2000/svg'>")), "svg");
    assert.equal(sniffImage(Buffer.from("<?xml version='1.0'?>\n<svg>")), "svg");
  });

  it("refuses HTML named logo.png", async () => {
    const html = Buffer.from(
      `<!doctype html><html><body><script>alert(document.cookie)</script>${" ".repeat(200)}`,
    );
    await rejectsWith(readBrandUpload(Readable.from([html])), 415, "not_an_image");
    await rejectsWith(prepareBrandImage("logo_light", html), 415, "not_an_image");
  });

  it("refuses an SVG with a script, with a message saying why and what to do", async () => {
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>`,
    );
    await assert.rejects(readBrandUpload(Readable.from([svg])), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, "svg_not_accepted");
      assert.match(err.message, /PNG/);
      return true;
    });
  });

  it("refuses a 50 MB upload once it passes the limit, without reading the rest", async () => {
    const chunk = Buffer.alloc(64 * 1024);
    const png = await pngOf(4, 4);
    png.copy(chunk); // a real PNG header first, so only the size stops it
    let read = 0;
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < (50 * 1024 * 1024) / chunk.length; i++) {
          read += chunk.length;
          yield chunk;
        }
      })(),
    );
    await rejectsWith(readBrandUpload(body), 413, "image_too_large");
    assert.ok(read <= BRAND_IMAGE_MAX_BYTES + 2 * chunk.length, `read ${read} bytes`);
    // A declared length past the limit is refused before a byte is read.
    const declared = Readable.from([chunk]);
    await rejectsWith(readBrandUpload(declared, 50 * 1024 * 1024), 413, "image_too_large");
  });

  it("refuses non-images as soon as the first bytes show it", async () => {
    let read = 0;
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 1000; i++) {
          read += 1024;
          yield Buffer.alloc(1024, 0x41);
        }
      })(),
    );
    await rejectsWith(readBrandUpload(body), 415, "not_an_image");
    assert.ok(read <= 4096, `read ${read} bytes`);
  });

  it("refuses a decompression bomb from its header, before decoding", async () => {
    const bomb = bombPng(30000, 30000);
    assert.ok(bomb.length < 2000);
    assert.deepEqual(imageDimensions(bomb, "image/png"), { width: 30000, height: 30000 });
    await rejectsWith(prepareBrandImage("logo_light", bomb), 422, "image_too_many_pixels");
    // 16 bits a channel decode to twice the bytes: 4000×4000 (16 megapixels) counts as 32.
    await rejectsWith(prepareBrandImage("logo_light", bombPng(4000, 4000, 16)), 422, "image_too_many_pixels");
  });

  it("refuses WebP (not decodable here) and damaged files clearly", async () => {
    const webp = Buffer.concat([Buffer.from("RIFF\0\0\0\0WEBPVP8 "), Buffer.alloc(100)]);
    await rejectsWith(prepareBrandImage("logo_light", webp), 415, "webp_not_accepted");
    const cut = (await pngOf(20, 20)).subarray(0, 40);
    await rejectsWith(prepareBrandImage("logo_light", cut), 422, "image_unreadable");
  });

  it("re-encodes a logo as a fresh PNG that fits the box, never enlarged, its text chunks gone", async () => {
    const plain = await pngOf(2000, 400);
    const iend = plain.length - 12;
    const big = Buffer.concat([
      plain.subarray(0, iend),
      pngChunk("tEXt", Buffer.from("Comment\0<script>alert(1)</script>", "latin1")),
      plain.subarray(iend),
    ]);
    assert.ok(big.includes("<script>"));
    const logo = await prepareBrandImage("logo_light", big);
    assert.equal(logo.contentType, "image/png");
    assert.deepEqual([logo.width, logo.height], [512, 102]);
    assert.ok(!logo.bytes.includes("<script>"));
    assert.equal(sniffImage(logo.bytes), "image/png");
    assert.match(logo.sha256, /^[0-9a-f]{64}$/);
    const small = await prepareBrandImage("logo_dark", await pngOf(100, 40));
    assert.deepEqual([small.width, small.height], [100, 40]);
  });

  it("makes the icon a square of the stored size, from a JPEG too", async () => {
    const jpeg = await new Jimp({ width: 300, height: 200, color: 0xff0000ff }).getBuffer("image/jpeg");
    const icon = await prepareBrandImage("favicon", jpeg);
    assert.deepEqual([icon.width, icon.height], [ICON_SIZE, ICON_SIZE]);
    assert.equal(sniffImage(icon.bytes), "image/png");
  });
});

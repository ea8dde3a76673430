import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, test } from "node:test";
import {
  decryptStream,
  encryptStream,
  FileDamagedError,
  loadMasterKey,
  masterKeyFrom,
  sealedSize,
} from "./file.crypto.ts";

const master = masterKeyFrom(randomBytes(32));
const SEG = 64 * 1024;

async function seal(plain: Buffer, chunk = 7777) {
  const parts: Buffer[] = [];
  for (let i = 0; i < plain.length; i += chunk) parts.push(plain.subarray(i, i + chunk));
  return buffer(Readable.from(parts).pipe(encryptStream(master)));
}
const unseal = (sealed: Buffer, key = master) => buffer(Readable.from([sealed]).pipe(decryptStream(key)));

describe("sealed files (AES-256-GCM in authenticated segments)", () => {
  test("round-trip at every segment boundary, with the size known in advance", async () => {
    for (const n of [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 200_003]) {
      const plain = randomBytes(n);
      const sealed = await seal(plain);
      assert.equal(sealed.length, sealedSize(n), `sealed size for ${n}`);
      assert.deepEqual(await unseal(sealed), plain, `round trip of ${n} bytes`);
    }
  });

  test("the same plaintext seals differently each time and does not appear in the output", async () => {
    const plain = Buffer.from("a very recognisable plaintext ".repeat(100));
    const a = await seal(plain);
    const b = await seal(plain);
    assert.notDeepEqual(a, b);
    assert.equal(a.indexOf("recognisable"), -1);
  });

  test("a flipped bit, a cut, a dropped or swapped segment, or another key is refused", async () => {
    const plain = randomBytes(3 * SEG + 10);
    const sealed = await seal(plain);
    const header = 31;
    const seg = SEG + 16;
    const flipped = Buffer.from(sealed);
    flipped[header + seg + 5] = (flipped[header + seg + 5] as number) ^ 1;
    const swapped = Buffer.concat([
      sealed.subarray(0, header),
      sealed.subarray(header + seg, header + 2 * seg),
      sealed.subarray(header, header + seg),
      sealed.subarray(header + 2 * seg),
    ]);
    const dropped = Buffer.concat([sealed.subarray(0, header + seg), sealed.subarray(header + 2 * seg)]);
    const cutAtSegment = sealed.subarray(0, header + 2 * seg);
    const cases: [string, Buffer, typeof master][] = [
      ["flipped bit", flipped, master],
      ["swapped segments", swapped, master],
      ["dropped segment", dropped, master],
      ["cut at a segment boundary", cutAtSegment, master],
      ["cut in the header", sealed.subarray(0, 10), master],
      ["another key", sealed, masterKeyFrom(randomBytes(32))],
    ];
    for (const [why, bytes, key] of cases) {
      await assert.rejects(unseal(bytes, key), FileDamagedError, why);
    }
  });

  test("the key is generated once into DATA_DIR, readable by its owner only", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-key-"));
    try {
      const a = loadMasterKey(dir, undefined);
      const b = loadMasterKey(dir, undefined);
      assert.deepEqual(a.key, b.key);
      assert.equal(fs.statSync(path.join(dir, "file-encryption.key")).mode & 0o777, 0o600);
      const given = randomBytes(32);
      assert.deepEqual(loadMasterKey(dir, given).key, given, "FILE_ENCRYPTION_KEY wins");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { parseKey } from "../lib/encryption-key.ts";
import type { MasterKey } from "../ports.ts";

// Files are sealed with AES-256-GCM before they reach any store. A file is cut into 64 KiB
// segments, each sealed on its own (the STREAM construction): nothing is released before its
// segment's tag checks, and the segment number and a last-segment flag sit in the nonce, so
// segments cannot be reordered, dropped or cut off unnoticed. Each file has its own key, derived
// from the master key and a random salt in the file's header.
//
// Layout: "PTF1" | key id (4) | salt (16) | nonce prefix (7) | segments (ciphertext + 16-byte tag)

const MAGIC = Buffer.from("PTF1");
const SEGMENT = 64 * 1024;
const TAG = 16;
const HEADER = MAGIC.length + 4 + 16 + 7;
export const KEY_FILE = "file-encryption.key";

export class FileDamagedError extends Error {}

export function masterKeyFrom(key: Buffer): MasterKey {
  if (key.length !== 32) throw new Error("the file encryption key must be 32 bytes");
  return { key, id: createHash("sha256").update(key).digest().subarray(0, 4) };
}

/**
 * The key from FILE_ENCRYPTION_KEY, else DATA_DIR/file-encryption.key when it exists; null when
 * neither is there. Creates nothing: for the operator's commands, which must not make a new key.
 */
export function readMasterKey(
  dataDir: string,
  fromEnv: Buffer | undefined,
): (MasterKey & { source: string }) | null {
  if (fromEnv) return { ...masterKeyFrom(fromEnv), source: "FILE_ENCRYPTION_KEY" };
  const file = path.join(dataDir, KEY_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const key = parseKey(text);
  if (!key) throw new Error(`${file} does not hold a 32-byte key (64 hex characters)`);
  return { ...masterKeyFrom(key), source: file };
}

/**
 * The key as readMasterKey finds it, else DATA_DIR/file-encryption.key created on first start
 * (readable by the owner only). Losing it loses every file: the README says how to back it up.
 */
export function loadMasterKey(dataDir: string, fromEnv: Buffer | undefined): MasterKey & { source: string } {
  const existing = readMasterKey(dataDir, fromEnv);
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // "wx": two processes starting at once cannot both write a key.
    fs.writeFileSync(path.join(dataDir, KEY_FILE), `${randomBytes(32).toString("hex")}\n`, {
      flag: "wx",
      mode: 0o600,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const created = readMasterKey(dataDir, undefined);
  if (!created) throw new Error(`${path.join(dataDir, KEY_FILE)} could not be created`);
  return created;
}

/**
 * Throws unless `head`, a sealed file's first bytes (8 or more), names the key with id `keyId`
 * (hex): a file of another key, or no sealed file at all, is told apart without decrypting it.
 * `what` names the file in the error.
 */
export function checkSealedUnder(head: Buffer, keyId: string, what: string): void {
  if (head.length < 8 || !head.subarray(0, 4).equals(MAGIC))
    throw new FileDamagedError(`${what} is not a sealed file`);
  const id = head.subarray(4, 8).toString("hex");
  if (id !== keyId) throw new FileDamagedError(`${what} is sealed under the key with id ${id}, not ${keyId}`);
}

function fileKey(master: MasterKey, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", master.key, salt, "portico file v1", 32));
}

function nonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function seal(key: Buffer, n: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv("aes-256-gcm", key, n);
  const out = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  return out;
}

function open(key: Buffer, n: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < TAG) throw new FileDamagedError("a segment is cut short");
  const d = createDecipheriv("aes-256-gcm", key, n);
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    throw new FileDamagedError("a segment failed authentication");
  }
}

/** Plaintext in, sealed file out. */
export function encryptStream(master: MasterKey): Transform {
  const salt = randomBytes(16);
  const prefix = randomBytes(7);
  const key = fileKey(master, salt);
  // One segment's plaintext, copied in as it arrives: memory stays at one segment per file.
  const segment = Buffer.allocUnsafe(SEGMENT);
  let filled = 0;
  let counter = 0;
  let headerSent = false;
  const header = (): Buffer[] => {
    if (headerSent) return [];
    headerSent = true;
    return [Buffer.concat([MAGIC, master.id, salt, prefix]) as Buffer];
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      const out = header();
      let offset = 0;
      while (offset < chunk.length) {
        // A full segment is sealed only once more data is known to follow, so the last is flagged.
        if (filled === SEGMENT) {
          out.push(seal(key, nonce(prefix, counter++, false), segment));
          filled = 0;
        }
        const n = chunk.copy(segment, filled, offset, Math.min(chunk.length, offset + SEGMENT - filled));
        filled += n;
        offset += n;
      }
      cb(null, out.length ? Buffer.concat(out) : undefined);
    },
    flush(cb: TransformCallback) {
      const out = header();
      out.push(seal(key, nonce(prefix, counter++, true), segment.subarray(0, filled)));
      cb(null, Buffer.concat(out));
    },
  });
}

/** Sealed file in, plaintext out; a damaged, cut or foreign file errors with FileDamagedError. */
export function decryptStream(master: MasterKey): Transform {
  let buf: Buffer = Buffer.alloc(0);
  let key: Buffer | undefined;
  let prefix: Buffer | undefined;
  let counter = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        if (!key) {
          if (buf.length < HEADER) return cb();
          if (!buf.subarray(0, 4).equals(MAGIC)) throw new FileDamagedError("not a sealed file");
          if (!buf.subarray(4, 8).equals(master.id)) {
            throw new FileDamagedError("sealed under a different encryption key");
          }
          key = fileKey(master, buf.subarray(8, 24));
          prefix = Buffer.from(buf.subarray(24, HEADER));
          buf = buf.subarray(HEADER);
        }
        const out: Buffer[] = [];
        // Only a segment followed by more data can be a middle one.
        while (buf.length > SEGMENT + TAG) {
          out.push(open(key, nonce(prefix as Buffer, counter++, false), buf.subarray(0, SEGMENT + TAG)));
          buf = buf.subarray(SEGMENT + TAG);
        }
        cb(null, out.length ? Buffer.concat(out) : undefined);
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (!key || !prefix) throw new FileDamagedError("the file is cut short");
        cb(null, open(key, nonce(prefix, counter++, true), buf));
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

/** How many bytes a sealed file of `plainSize` bytes takes. */
export function sealedSize(plainSize: number): number {
  const segments = Math.max(1, Math.ceil(plainSize / SEGMENT));
  return HEADER + plainSize + segments * TAG;
}

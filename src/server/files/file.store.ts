import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Config, S3Settings } from "../config.ts";
import type { FileStore } from "../ports.ts";

// Where sealed files live. Stores only ever see ciphertext: encryption happens before `put`
// (file.service.ts). An upload is sealed into a temporary file first and handed to the store
// only once it has passed every check, so a refused file never reaches a store at all.

// The S3 client is loaded when an S3 store is made: several MB of heap a local store never needs.
const require = createRequire(import.meta.url);
type S3Sdk = typeof import("@aws-sdk/client-s3");

const KEY = /^[0-9a-f-]{36}$/;
function checkKey(key: string) {
  if (!KEY.test(key)) throw new Error(`not a storage key: ${key}`);
}

/** Where LocalFileStore keeps `key`, relative to its root ("ab/<key>"): backups use the same layout. */
export function localStorePath(key: string): string {
  checkKey(key);
  return `${key.slice(-2)}/${key}`;
}

/** DATA_DIR/files/ab/<key>: the embedded default. */
export class LocalFileStore implements FileStore {
  readonly kind = "local" as const;
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  #path(key: string) {
    return path.join(this.#root, localStorePath(key));
  }

  async putFile(key: string, tempFile: string): Promise<void> {
    const target = this.#path(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    // The temporary folder is inside DATA_DIR, on the same file system: a rename is atomic.
    await fs.promises.rename(tempFile, target);
  }

  async get(key: string): Promise<Readable | null> {
    const handle = await fs.promises.open(this.#path(key), "r").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    return handle ? handle.createReadStream() : null;
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.#path(key), { force: true });
  }
}

/** Any S3-compatible object store (AWS, MinIO, Ceph, Garage, R2 …). */
export class S3FileStore implements FileStore {
  readonly kind = "s3" as const;
  readonly #sdk: S3Sdk;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(s: S3Settings) {
    this.#sdk = require("@aws-sdk/client-s3") as S3Sdk;
    this.#client = new this.#sdk.S3Client({
      region: s.region,
      forcePathStyle: s.forcePathStyle,
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      ...(s.accessKeyId && s.secretAccessKey
        ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } }
        : {}),
      // The body is sent with its length and the integrity of each file is checked by its own
      // GCM tags; extra checksum headers are left to stores that ask for them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    this.#bucket = s.bucket;
    this.#prefix = s.prefix;
  }

  #key(key: string) {
    checkKey(key);
    return `${this.#prefix}${key}`;
  }

  async putFile(key: string, tempFile: string, size: number): Promise<void> {
    try {
      await this.#client.send(
        new this.#sdk.PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(key),
          Body: fs.createReadStream(tempFile),
          ContentLength: size,
          ContentType: "application/octet-stream",
        }),
      );
    } finally {
      await fs.promises.rm(tempFile, { force: true });
    }
  }

  async get(key: string): Promise<Readable | null> {
    try {
      const r = await this.#client.send(
        new this.#sdk.GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }),
      );
      return r.Body instanceof Readable ? r.Body : Readable.fromWeb(r.Body?.transformToWebStream() as never);
    } catch (err) {
      if (err instanceof this.#sdk.NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new this.#sdk.DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
  }

  destroy() {
    this.#client.destroy();
  }
}

export function createFileStore(config: Config): FileStore {
  return config.s3 ? new S3FileStore(config.s3) : new LocalFileStore(path.join(config.dataDir, "files"));
}

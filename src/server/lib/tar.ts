import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";

// A minimal tar (POSIX ustar) writer and reader for backups: regular files only, written and read
// strictly in order through one file handle. A few dozen lines cover what the backup needs, and
// the reader is strict in ways a general library is not: it refuses every entry kind but a plain
// file, and any non-zero byte in padding or after the end marker, so a single changed byte
// anywhere in an archive is caught (headers by their checksum, contents by the manifest's hashes).
// GNU tar and bsdtar read the archives (`tar -tvf`); sizes past 8 GiB use the base-256 form both
// understand.

const BLOCK = 512;
const CHUNK = 1024 * 1024;
const ZEROS = Buffer.alloc(BLOCK * 2);

export class TarError extends Error {}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, "0")}\0`, offset, length, "ascii");
}

function sizeField(buf: Buffer, value: number): void {
  if (value < 8 ** 11) {
    octal(buf, 124, 12, value);
    return;
  }
  // Base-256: the first byte's top bit set, the number big-endian in the rest.
  buf[124] = 0x80;
  buf.writeBigUInt64BE(BigInt(value), 128);
}

function header(name: string, size: number, mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  const bytes = Buffer.from(name, "utf8");
  if (bytes.length > 100) throw new TarError(`name too long for the archive: ${name}`);
  bytes.copy(h, 0);
  // Extracted by hand, each entry is its owner's only: the archive holds the key.
  octal(h, 100, 8, 0o600);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  sizeField(h, size);
  octal(h, 136, 12, Math.floor(mtime.getTime() / 1000));
  h.fill(0x20, 148, 156);
  h.write("0", 156, "ascii");
  h.write("ustar\u000000", 257, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

export interface Written {
  size: number;
  sha256: string;
}

/** Appends entries to an archive open for writing at its start. */
export class TarWriter {
  readonly #out: FileHandle;
  #position = 0;

  constructor(out: FileHandle) {
    this.#out = out;
  }

  async #write(buf: Buffer): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.#out.write(buf, done, buf.length - done, this.#position);
      done += bytesWritten;
      this.#position += bytesWritten;
    }
  }

  /** An entry from a buffer. */
  async addBuffer(name: string, data: Buffer, opts: { mtime?: Date } = {}): Promise<Written> {
    await this.#write(header(name, data.length, opts.mtime ?? new Date()));
    await this.#write(data);
    await this.#pad(data.length);
    return { size: data.length, sha256: createHash("sha256").update(data).digest("hex") };
  }

  /**
   * An entry of exactly `size` bytes read from `source` (an open file that does not change);
   * `check` sees each chunk as it passes, and may throw to refuse the file.
   */
  async addFile(
    name: string,
    source: FileHandle,
    size: number,
    opts: {
      mtime?: Date;
      onBytes?: (n: number) => void;
      check?: (chunk: Buffer) => void;
    } = {},
  ): Promise<Written> {
    await this.#write(header(name, size, opts.mtime ?? new Date()));
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
    let copied = 0;
    while (copied < size) {
      const { bytesRead } = await source.read(buf, 0, Math.min(buf.length, size - copied), copied);
      if (bytesRead === 0) throw new TarError(`${name} is shorter than its stated ${size} bytes`);
      const chunk = buf.subarray(0, bytesRead);
      opts.check?.(chunk);
      hash.update(chunk);
      await this.#write(chunk);
      copied += bytesRead;
      opts.onBytes?.(bytesRead);
    }
    await this.#pad(size);
    return { size, sha256: hash.digest("hex") };
  }

  async #pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.#write(ZEROS.subarray(0, BLOCK - rest));
  }

  /** The end marker: two zero blocks. */
  async finish(): Promise<void> {
    await this.#write(ZEROS);
  }
}

function parseOctal(field: Buffer, what: string): number {
  if (field[0] !== undefined && field[0] & 0x80) {
    if (field[0] !== 0x80 || field.readUInt32BE(0) !== 0x80000000) throw new TarError(`${what} out of range`);
    return Number(field.readBigUInt64BE(4));
  }
  const text = field.toString("ascii").replace(/[\0 ]+$/, "");
  if (!/^[0-7]+$/.test(text)) throw new TarError(`${what} is not a number`);
  return Number.parseInt(text, 8);
}

export interface TarEntry {
  name: string;
  size: number;
}

/**
 * Reads an archive entry by entry. `onEntry` receives each entry's header and a reader that
 * yields its content in chunks; content not read is skipped.
 */
export async function readTar(
  input: FileHandle,
  onEntry: (entry: TarEntry, content: () => AsyncGenerator<Buffer>) => Promise<void>,
): Promise<void> {
  const { size: total } = await input.stat();
  const block = Buffer.alloc(BLOCK);
  let position = 0;
  const readExactly = async (buf: Buffer, at: number) => {
    const { bytesRead } = await input.read(buf, 0, buf.length, at);
    if (bytesRead !== buf.length) throw new TarError("the archive is cut short");
  };
  for (;;) {
    if (position + BLOCK > total) throw new TarError("the archive is cut short: no end marker");
    await readExactly(block, position);
    if (block.every((b) => b === 0)) break;
    const stored = parseOctal(block.subarray(148, 156), "a header checksum");
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    if (sum !== stored) throw new TarError(`a header does not match its checksum (at byte ${position})`);
    if (block.subarray(257, 263).toString("latin1") !== "ustar\0") throw new TarError("not a ustar archive");
    const type = block.toString("latin1", 156, 157);
    const name = block.toString("utf8", 0, 100).replace(/\0+$/, "");
    if (type !== "0" && type !== "\0") throw new TarError(`${name}: only plain files are expected`);
    if (block[345] !== 0) throw new TarError(`${name}: long names are not expected`);
    const size = parseOctal(block.subarray(124, 136), "a size");
    // The mode is not used (restore sets its own), but must be a number like every field.
    parseOctal(block.subarray(100, 108), "a mode");
    const start = position + BLOCK;
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (start + padded > total) throw new TarError(`${name} is cut short`);
    async function* content(): AsyncGenerator<Buffer> {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
      let read = 0;
      while (read < size) {
        const n = Math.min(buf.length, size - read);
        await readExactly(buf.subarray(0, n), start + read);
        read += n;
        yield buf.subarray(0, n);
      }
    }
    await onEntry({ name, size }, content);
    if (padded > size) {
      const pad = Buffer.alloc(padded - size);
      await readExactly(pad, start + size);
      if (pad.some((b) => b !== 0)) throw new TarError(`${name}: its padding is not zero`);
    }
    position = start + padded;
  }
  // The end marker is two zero blocks; what follows (a tape's record padding) must be zero too.
  const rest = Buffer.alloc(Math.min(total - position, CHUNK));
  for (let at = position; at < total; at += rest.length) {
    const part = rest.subarray(0, Math.min(rest.length, total - at));
    await readExactly(part, at);
    if (part.some((b) => b !== 0)) throw new TarError("bytes follow the end of the archive");
  }
  if (total - position < BLOCK * 2) throw new TarError("the archive is cut short: no end marker");
}

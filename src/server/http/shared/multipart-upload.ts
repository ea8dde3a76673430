import { type Readable, Transform, type TransformCallback } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";

// A page's form with one file, without JavaScript: multipart/form-data read as a stream. The
// text fields come first (the form puts its file input last); they are read into a small head,
// and the file's bytes are handed on as a stream, never held whole. Anything after the file part
// is ignored.

const HEAD_MAX = 64 * 1024;

export interface MultipartFile {
  name: string;
  stream: Readable;
}

const files = new WeakMap<FastifyRequest, MultipartFile>();

const malformed = () =>
  new AppError(400, "invalid_form", "The form could not be read. Reload the page and try again.");

/** The file of a multipart page post, once its parser ran (the body holds its text fields). */
export function multipartFileOf(req: FastifyRequest): MultipartFile | undefined {
  return files.get(req);
}

/** Reads multipart/form-data in this plugin: `req.body` the text fields, the file by multipartFileOf. */
export function multipartUploads(app: FastifyInstance) {
  app.addContentTypeParser("multipart/form-data", (req, payload, done) => {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers["content-type"] ?? "");
    const value = boundary?.[1] ?? boundary?.[2];
    if (!value || value.length > 200) return done(malformed(), undefined);
    readHead(payload, Buffer.from(`\r\n--${value}`)).then(
      ({ fields, file }) => {
        if (file) files.set(req, file);
        done(null, fields);
      },
      (err: Error) => done(err, undefined),
    );
  });
}

function parseHeaders(raw: string) {
  const disposition = /^content-disposition:(.*)$/im.exec(raw)?.[1] ?? "";
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
  return { name, filename };
}

function readHead(
  payload: Readable,
  delimiter: Buffer,
): Promise<{ fields: Record<string, string>; file: MultipartFile | null }> {
  return new Promise((resolve, reject) => {
    // The body starts with the delimiter less its leading line break.
    let buf = Buffer.from("\r\n");
    const fields: Record<string, string> = {};
    let pos = 0;
    const finish = (result: { fields: Record<string, string>; file: MultipartFile | null } | Error) => {
      payload.off("data", onData);
      payload.off("end", onEnd);
      payload.off("error", onError);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    // Parses what the head holds; true once it is done (the file reached, or the body ended).
    const step = (ended: boolean): boolean => {
      for (;;) {
        const at = buf.indexOf(delimiter, pos);
        if (at < 0) break;
        const after = at + delimiter.length;
        if (buf.length < after + 2) break;
        if (buf.subarray(after, after + 2).toString() === "--") {
          finish({ fields, file: null });
          return true;
        }
        const headerEnd = buf.indexOf("\r\n\r\n", after);
        if (headerEnd < 0) break;
        const { name, filename } = parseHeaders(buf.subarray(after + 2, headerEnd).toString("utf8"));
        const start = headerEnd + 4;
        if (filename !== undefined) {
          const rest = buf.subarray(start);
          payload.pause();
          const stream = new UntilDelimiter(delimiter);
          payload.off("data", onData);
          payload.off("end", onEnd);
          payload.off("error", onError);
          payload.on("error", (err) => stream.destroy(err));
          stream.write(rest);
          payload.pipe(stream);
          resolve({ fields, file: filename ? { name: filename, stream } : null });
          return true;
        }
        const next = buf.indexOf(delimiter, start);
        if (next < 0) break;
        if (name && !(name in fields)) fields[name] = buf.subarray(start, next).toString("utf8");
        pos = next;
      }
      if (ended) {
        finish(malformed());
        return true;
      }
      if (buf.length > HEAD_MAX) {
        finish(new AppError(413, "form_too_large", "The form's fields are too long."));
        return true;
      }
      return false;
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      step(false);
    };
    const onEnd = () => step(true);
    const onError = (err: Error) => finish(err);
    payload.on("data", onData);
    payload.on("end", onEnd);
    payload.on("error", onError);
  });
}

/** The file part's bytes: everything up to the next delimiter, holding back what could begin it. */
class UntilDelimiter extends Transform {
  private tail = Buffer.alloc(0);
  private done = false;
  private readonly delimiter: Buffer;
  constructor(delimiter: Buffer) {
    super();
    this.delimiter = delimiter;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    if (this.done) return cb();
    const buf = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const at = buf.indexOf(this.delimiter);
    if (at >= 0) {
      this.done = true;
      this.tail = Buffer.alloc(0);
      if (at > 0) this.push(buf.subarray(0, at));
      return cb();
    }
    const keep = Math.min(buf.length, this.delimiter.length - 1);
    if (buf.length > keep) this.push(buf.subarray(0, buf.length - keep));
    this.tail = Buffer.from(buf.subarray(buf.length - keep));
    cb();
  }
  override _flush(cb: TransformCallback) {
    if (!this.done) return cb(new AppError(400, "upload_incomplete", "The upload was interrupted."));
    cb();
  }
}

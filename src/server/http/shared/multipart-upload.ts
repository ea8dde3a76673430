import { PassThrough, pipeline, type Readable } from "node:stream";
import busboy from "busboy";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";

// A page's form with one file, without JavaScript: multipart/form-data read by busboy as a
// stream. The text fields come first (the form puts its file input last) and become `req.body`;
// the file's bytes are handed on as a stream, never held whole. Anything after the file part is
// drained. A body cut off by the client ends the file with `upload_incomplete`; a file the
// handler never read to its end (a refusal before it, a failed CSRF check) ends with the answer,
// and so does the connection, so the rest of the body is not read.

const FIELD_MAX = 64 * 1024;

export interface MultipartFile {
  name: string;
  stream: Readable;
  /** The name of the file input it came from. */
  field: string;
  /**
   * Settles once the whole body was read: the text fields after the file (added to `req.body`)
   * are there only after the file's stream was consumed.
   */
  finished: Promise<void>;
}

const files = new WeakMap<FastifyRequest, MultipartFile>();

const malformed = () =>
  new AppError(400, "invalid_form", "The form could not be read. Reload the page and try again.");
const tooLarge = () => new AppError(413, "form_too_large", "The form's fields are too long.");
const incomplete = () => new AppError(400, "upload_incomplete", "The upload was interrupted.");

/** The file of a multipart page post, once its parser ran (the body holds its text fields). */
export function multipartFileOf(req: FastifyRequest): MultipartFile | undefined {
  return files.get(req);
}

/**
 * Reads multipart/form-data in this plugin: `req.body` the text fields, the file by multipartFileOf.
 * `files` is how many file inputs the form may hold (an input left empty is a part too); only the
 * first chosen file is handed on, any other is drained. `fields` and `textBytes` bound the text
 * (how many values, their bytes in all) of a larger form; with `lists` a name given several times
 * (checkboxes of one question) is a list, as a urlencoded body reads, else its first value counts.
 */
export function multipartUploads(
  app: FastifyInstance,
  opts: { files?: number; fields?: number; textBytes?: number; lists?: boolean } = {},
) {
  const fieldsMax = opts.fields ?? 50;
  const textMax = opts.textBytes ?? Number.POSITIVE_INFINITY;
  app.addContentTypeParser("multipart/form-data", (req, payload, done) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers send file names in UTF-8.
        defParamCharset: "utf8",
        limits: {
          fieldSize: FIELD_MAX,
          fields: fieldsMax,
          parts: fieldsMax + (opts.files ?? 1) + 10,
          files: opts.files ?? 1,
        },
      });
    } catch {
      return done(malformed(), undefined);
    }
    const fields: Record<string, string | string[]> = {};
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let settled = false;
    let textBytes = 0;
    let handed: PassThrough | null = null;
    const settle = (err: AppError | null, file?: MultipartFile) => {
      if (settled) return;
      settled = true;
      if (file) files.set(req, file);
      done(err, err ? undefined : fields);
    };
    parser.on("field", (name, value, info) => {
      textBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.valueTruncated || textBytes > textMax) return settle(tooLarge());
      const had = fields[name];
      if (had === undefined) fields[name] = value;
      else if (opts.lists) fields[name] = [had, value].flat();
    });
    parser.on("file", (field, stream, info) => {
      // Busboy's own error (a body cut off) reaches the handler as ours, on the stream it reads.
      stream.on("error", () => handed?.destroy(incomplete()));
      // No file chosen: browsers send an empty part without a name.
      if (settled || !info.filename) {
        stream.resume();
        return;
      }
      const out = new PassThrough();
      out.on("error", () => {}); // its reader sees it; never an uncaught error
      handed = out;
      stream.pipe(out);
      settle(null, { name: info.filename, stream: out, field, finished });
    });
    parser.on("fieldsLimit", () => settle(tooLarge()));
    parser.on("partsLimit", () => settle(tooLarge()));
    parser.on("close", () => {
      settle(null);
      finish();
    });
    pipeline(payload, parser, (err) => {
      if (!err) return;
      settle(malformed());
      handed?.destroy(incomplete());
      finish();
    });
  });

  // A file the handler did not read to its end: the answer closes the connection.
  app.addHook("onSend", async (req, reply) => {
    const f = files.get(req);
    if (f && !f.stream.readableEnded) reply.header("connection", "close");
  });
  app.addHook("onResponse", async (req) => {
    const f = files.get(req);
    if (f && !f.stream.readableEnded) {
      f.stream.destroy();
      req.raw.destroy();
    }
  });
}

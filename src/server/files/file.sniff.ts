import { fileTypeFromBuffer } from "file-type";
import { AppError } from "../errors.ts";

// What a file is, judged from its bytes; never from the name or the client's Content-Type. The
// name's extension must then agree with the content. Binary formats are recognised by
// `file-type`; text, CSV and SVG by the rules below, since they have no magic number.

export interface AllowedType {
  mime: string;
  label: string;
  /** The chip's badge: the real type in a word (a CSV reads "CSV", never "XLS"). */
  badge: string;
  extensions: string[];
  /** Raster images are the only files a browser may show inline. */
  inline: boolean;
  icon: "image" | "pdf" | "text" | "sheet" | "doc";
}

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const ALLOWED_TYPES: AllowedType[] = [
  {
    mime: "image/jpeg",
    label: "JPEG image",
    badge: "JPEG",
    extensions: ["jpg", "jpeg"],
    inline: true,
    icon: "image",
  },
  { mime: "image/png", label: "PNG image", badge: "PNG", extensions: ["png"], inline: true, icon: "image" },
  { mime: "image/gif", label: "GIF image", badge: "GIF", extensions: ["gif"], inline: true, icon: "image" },
  {
    mime: "image/webp",
    label: "WebP image",
    badge: "WebP",
    extensions: ["webp"],
    inline: true,
    icon: "image",
  },
  {
    mime: "image/svg+xml",
    label: "SVG image",
    badge: "SVG",
    extensions: ["svg"],
    inline: false,
    icon: "image",
  },
  { mime: "application/pdf", label: "PDF", badge: "PDF", extensions: ["pdf"], inline: false, icon: "pdf" },
  {
    mime: "text/plain",
    label: "text file",
    badge: "Text",
    extensions: ["txt", "log"],
    inline: false,
    icon: "text",
  },
  { mime: "text/csv", label: "CSV file", badge: "CSV", extensions: ["csv"], inline: false, icon: "sheet" },
  {
    mime: "application/msword",
    label: "Word document",
    badge: "Word",
    extensions: ["doc"],
    inline: false,
    icon: "doc",
  },
  { mime: DOCX, label: "Word document", badge: "Word", extensions: ["docx"], inline: false, icon: "doc" },
  {
    mime: "application/vnd.ms-excel",
    label: "Excel workbook",
    badge: "Excel",
    extensions: ["xls"],
    inline: false,
    icon: "sheet",
  },
  { mime: XLSX, label: "Excel workbook", badge: "Excel", extensions: ["xlsx"], inline: false, icon: "sheet" },
];

export const ALLOWED_EXTENSIONS = ALLOWED_TYPES.flatMap((t) => t.extensions);
export const ALLOWED_SUMMARY = "images (JPEG, PNG, GIF, WebP, SVG), PDF, text, CSV, Word and Excel";

export function typeByMime(mime: string): AllowedType | undefined {
  return ALLOWED_TYPES.find((t) => t.mime === mime);
}

const fileError = (status: number, code: string, message: string) =>
  new AppError(status, code, message, { fields: { file: message } });

// ---------------------------------------------------------------------------------------------
// Names

// C0 and C1 controls, and the bidirectional overrides that make "gpj.exe" read as "exe.jpg".
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * A file name as a refusal may show it: control and direction characters (which could make the
 * message itself read wrongly) become U+FFFD, and a long name is cut to its first 60 characters.
 */
export function shownName(name: string): string {
  const safe = name.replace(new RegExp(CONTROL.source, "gu"), "\uFFFD");
  const chars = [...safe];
  return chars.length > 60 ? `${chars.slice(0, 60).join("")}…` : safe;
}

/** The file name to keep, or a 400 naming what is wrong with it. Nothing is silently rewritten. */
export function checkFileName(raw: string | undefined): { name: string; extension: string } {
  const name = (raw ?? "").normalize("NFC").trim();
  const bad = (why: string) => {
    const message = `“${shownName(name)}”: ${why}`;
    return new AppError(400, "invalid_file_name", message, { fields: { name: message } });
  };
  if (!name)
    throw new AppError(400, "invalid_file_name", "The file needs a name.", {
      fields: { name: "The file needs a name." },
    });
  if ([...name].length > 200) throw bad("the name is longer than 200 characters.");
  if (CONTROL.test(name)) throw bad("the name contains control characters.");
  if (/[/\\]/.test(name)) throw bad("the name must not contain folders (/ or \\).");
  if (name.startsWith(".")) throw bad("the name must not start with a dot.");
  if (name.includes('"')) throw bad("the name must not contain double quotes.");
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  if (!ALLOWED_EXTENSIONS.includes(extension)) {
    throw fileError(
      415,
      "file_type_not_allowed",
      `“${name}” is not a type we accept. You can attach ${ALLOWED_SUMMARY}.`,
    );
  }
  return { name, extension };
}

/** Content-Disposition with a plain-ASCII fallback and the exact name as RFC 8187 UTF-8. */
export function contentDisposition(kind: "attachment" | "inline", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

// ---------------------------------------------------------------------------------------------
// Content

const HEAD_BYTES = 64 * 1024;
const OVERLAP = 64;

// Markup a browser would run. In an SVG any of these is refused; in a raster image or a PDF
// the document markers reveal a polyglot (a file that is an image to one parser and a page
// to another).
const ACTIVE_SVG = [
  /<script/,
  /<foreignobject/,
  /<iframe/,
  /<embed/,
  /<object/,
  /<!entity/,
  /<handler/,
  /javascript:/,
  /vbscript:/,
  /data:text\/html/,
  /[\s"'/]on[a-z]{3,}\s*=/,
];
const POLYGLOT_TAGS = ["script", "html", "body", "iframe", "svg"].map((t) => Buffer.from(t));
const JAVASCRIPT = Buffer.from("javascript");

/** Whether `word` (lower-case ASCII) is at `at`, in any case. */
function matchesAt(buf: Buffer, at: number, word: Buffer): boolean {
  if (at + word.length > buf.length) return false;
  for (let k = 0; k < word.length; k++) {
    let b = buf[at + k] as number;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (b !== word[k]) return false;
  }
  return true;
}

/** What may follow a tag name: white space, ">" or "/" (or the end of what has arrived so far). */
const isTagEnd = (b: number | undefined) =>
  b === undefined ||
  b === 0x20 ||
  b === 0x09 ||
  b === 0x0a ||
  b === 0x0d ||
  b === 0x0c ||
  b === 0x3e ||
  b === 0x2f;
const POLYGLOT_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp", "pdf"];

/** Tab, LF, FF, CR and ESC (coloured logs) are text; any other control byte is not. */
function hasControlBytes(chunk: Buffer): boolean {
  for (const b of chunk) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f)
      return true;
  }
  return false;
}

/**
 * Watches a file's bytes as they stream past: keeps the first 64 KiB for type detection, checks
 * whether the whole is text, and notes markup that would run in a browser.
 */
export class ContentInspector {
  readonly #svg: boolean;
  readonly #polyglot: boolean;
  #carry = Buffer.alloc(0);
  #head: Buffer[] = [];
  #headLength = 0;
  #isText = true;
  #tail = "";
  readonly svgHits = new Set<string>();
  readonly polyglotHits = new Set<string>();

  /** The extension says what the file claims to be; only the markup scans that claim needs run. */
  constructor(extension: string) {
    this.#svg = extension === "svg";
    this.#polyglot = POLYGLOT_EXTENSIONS.includes(extension);
  }

  push(chunk: Buffer) {
    if (this.#headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.#headLength);
      this.#head.push(part);
      this.#headLength += part.length;
    }
    // Text is any encoding without control bytes: UTF-8, and also the Windows-1252 or Latin-1
    // CSV files spreadsheets still export. UTF-16 (NUL bytes) and binary formats are not text.
    if (this.#isText && hasControlBytes(chunk)) this.#isText = false;
    if (this.#svg) {
      const s = this.#tail + chunk.toString("latin1").toLowerCase();
      for (const re of ACTIVE_SVG) if (re.test(s)) this.svgHits.add(re.source);
      this.#tail = s.slice(-OVERLAP);
    }
    if (this.#polyglot) this.#scanBytes(chunk);
  }

  /**
   * The polyglot markers. Native indexOf finds each "<" and ":", and only there are the bytes
   * compared (ignoring case), so a 10 MB image costs a few milliseconds and makes no strings.
   */
  #scanBytes(chunk: Buffer) {
    const view = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    for (let i = view.indexOf(0x3c); i !== -1; i = view.indexOf(0x3c, i + 1)) {
      for (const m of POLYGLOT_TAGS) {
        if (matchesAt(view, i + 1, m) && isTagEnd(view[i + 1 + m.length])) this.polyglotHits.add(`<${m}`);
      }
    }
    for (let i = view.indexOf(0x3a); i !== -1; i = view.indexOf(0x3a, i + 1)) {
      if (i >= JAVASCRIPT.length && matchesAt(view, i - JAVASCRIPT.length, JAVASCRIPT)) {
        this.polyglotHits.add("javascript:");
      }
    }
    // The last bytes lead the next chunk, so a marker split between two chunks is still found.
    this.#carry = Buffer.from(view.subarray(Math.max(0, view.length - OVERLAP)));
  }

  get head(): Buffer {
    return Buffer.concat(this.#head);
  }

  get isText(): boolean {
    return this.#isText;
  }
}

/** What the bytes are, as a type on the allowlist; anything else is refused naming the file. */
export async function decideType(
  name: string,
  extension: string,
  seen: ContentInspector,
): Promise<AllowedType> {
  const head = seen.head;
  const detected = await fileTypeFromBuffer(head);
  let mime: string | undefined = detected?.mime;
  let label = detected ? `${detected.ext.toUpperCase()} (${detected.mime})` : "";

  if (!detected || detected.mime === "application/xml") {
    if (!seen.isText) {
      mime = undefined;
      label = "an unrecognised binary format";
    } else {
      const start = head
        .toString("utf8")
        .replace(/^\uFEFF/, "")
        .trimStart()
        .slice(0, 4096)
        .toLowerCase();
      const markup = start.replace(/^(<\?xml[^>]*>\s*|<!--[\s\S]*?-->\s*)*/, "");
      if (/^<(!doctype\s+svg|svg[\s>])/.test(markup)) {
        mime = "image/svg+xml";
      } else if (/^<(!doctype\s+html|html|head|body|script|iframe|meta|a\s|div|p[\s>])/.test(markup)) {
        mime = "text/html";
        label = "an HTML page";
      } else if (start.startsWith("#!")) {
        mime = "text/x-script";
        label = "a script";
      } else {
        mime = extension === "csv" ? "text/csv" : "text/plain";
      }
    }
  } else if (detected.mime === "application/x-cfb") {
    // Word 97 and Excel 97 share one container; the extension says which it should be.
    mime =
      extension === "doc"
        ? "application/msword"
        : extension === "xls"
          ? "application/vnd.ms-excel"
          : undefined;
    label = "an Office 97 document";
  }

  const type = mime ? typeByMime(mime) : undefined;
  if (!type) {
    throw fileError(
      415,
      "file_type_not_allowed",
      `“${name}” is ${label || "a type we do not accept"}. You can attach ${ALLOWED_SUMMARY}.`,
    );
  }
  if (!type.extensions.includes(extension)) {
    throw fileError(
      415,
      "file_type_mismatch",
      `“${name}” is named .${extension} but its content is a ${type.label}. Rename it or attach the right file.`,
    );
  }
  if (type.mime === "image/svg+xml" && seen.svgHits.size) {
    throw fileError(
      415,
      "file_unsafe_content",
      `“${name}” contains scripts or other active content, which SVG images may not carry.`,
    );
  }
  if ((type.inline || type.mime === "application/pdf") && seen.polyglotHits.size) {
    throw fileError(
      415,
      "file_unsafe_content",
      `“${name}” also contains web page or script markup hidden in the file, so it was refused.`,
    );
  }
  return type;
}

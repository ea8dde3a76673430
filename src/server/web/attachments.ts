import { ACCEPT_ATTRIBUTE, formatBytes, MAX_FILE_BYTES } from "../../shared/files.ts";
import type { AttachmentView } from "../files/file.access.ts";
import { typeByMime } from "../files/file.sniff.ts";
import { type Translator, translatorFor } from "../i18n/translator.ts";
import { type Html, html } from "./html.ts";

/** The agents' app speaks English; a customer's page passes its reader's translator. */
const ENGLISH = translatorFor("en");

// Attachment chips under a message, and the file field of every form that takes files. The
// field is enhanced by files.js (drag and drop, upload with progress, refusals explained before
// sending); without JavaScript it stays hidden and the form sends its text alone.

/** The chip's badge names the file's real type, as its bytes were judged at upload. */
export const badgeFor = (f: Pick<AttachmentView, "contentType">) =>
  typeByMime(f.contentType)?.badge ?? "File";

/** The thumbnail's address: the download's, followed by /thumbnail (before any query). */
export function thumbnailHref(download: string): string {
  const q = download.indexOf("?");
  return q === -1 ? `${download}/thumbnail` : `${download.slice(0, q)}/thumbnail${download.slice(q)}`;
}

/**
 * The chips for a message's files; `href` gives each one's download address. An image with a
 * thumbnail shows it (decorative: the name beside it says what it is); anything else its badge.
 */
export function attachmentChips(
  files: AttachmentView[],
  href: (f: AttachmentView) => string,
  t: Translator = ENGLISH,
): Html {
  if (!files.length) return html``;
  return html`<ul class="attachments" aria-label="${t.t("submit:files.attachments")}">${files.map(
    (f) => html`<li><a class="chip" href="${href(f)}" download="${f.name}">
  ${
    f.thumbnail
      ? html`<img class="chip-thumb" src="${thumbnailHref(href(f))}" alt="" width="48" height="48" loading="lazy" decoding="async">`
      : html`<span class="file-icon icon-${f.icon}" aria-hidden="true">${badgeFor(f)}</span>`
  }
  <span class="chip-text"><span class="chip-name">${f.name}</span>
  <span class="chip-meta">${formatBytes(f.size)} · ${f.typeLabel}${f.unscanned ? html` · <span class="chip-warning">${t.t("submit:files.unscanned")}</span>` : ""} · <span class="chip-action">${t.t("submit:files.download")}</span></span></span>
</a></li>`,
  )}</ul>`;
}

export interface FileFieldOptions {
  /** Where files.js sends each file. */
  uploadUrl: string;
  maxFiles: number;
  /** The CSRF token for the agents' API; the portal's upload needs none. */
  csrf?: string;
  label?: string;
  /** The reader's language (a customer's page); English otherwise. */
  t?: Translator;
}

/** What files.js says, in a customer page's language: {name}, {max} and {count} filled in there. */
function scriptWords(t: Translator): string {
  const words: Record<string, string> = {};
  for (const key of SCRIPT_WORDS)
    words[key] = t.t(`submit:files.script.${key}`, { name: "{name}", max: "{max}", count: "{count}" });
  return JSON.stringify(words);
}
const SCRIPT_WORDS = [
  "uploadingName",
  "remove",
  "removeName",
  "removed",
  "notAccepted",
  "empty",
  "tooLarge",
  "tooMany",
  "uploading",
  "ready",
  "readyName",
  "failed",
  "offline",
  "wait",
] as const;

/** The file field: hidden until files.js takes it over. */
export function fileField(o: FileFieldOptions): Html {
  const mb = MAX_FILE_BYTES / 1024 / 1024;
  const t = o.t ?? ENGLISH;
  return html`<div class="field files" data-files hidden data-upload="${o.uploadUrl}" data-max-files="${o.maxFiles}" data-max-bytes="${MAX_FILE_BYTES}" data-accept="${ACCEPT_ATTRIBUTE}"${o.csrf ? html` data-csrf="${o.csrf}"` : ""}${o.t ? html` data-messages="${scriptWords(o.t)}"` : ""}>
  <label for="files-input">${o.label ?? t.t("submit:files.attach")} <span class="optional">${t.t("submit:optional")}</span></label>
  <p class="hint" id="files-hint">${t.t("submit:files.hint", { count: o.maxFiles, mb })}</p>
  <div class="dropzone" data-dropzone>
    <input type="file" id="files-input" multiple accept="${ACCEPT_ATTRIBUTE}" aria-describedby="files-hint files-status">
    <span class="dropzone-text" aria-hidden="true">${t.t("submit:files.drop")} <span class="linkish">${t.t("submit:files.choose")}</span></span>
  </div>
  <ul class="file-list" data-file-list></ul>
  <p class="visually-hidden" id="files-status" aria-live="polite" data-files-status></p>
</div>
<noscript><p class="hint">${t.t("submit:files.noscript")}</p></noscript>`;
}

/**
 * A file's picture beside its name, as in a chip: its thumbnail (decorative: the name says what it
 * is) when one was made, otherwise the badge naming its real type. Used by the document lists.
 */
export function fileVisual(f: { contentType: string; thumbnail: boolean }, thumbnailSrc: string): Html {
  const type = typeByMime(f.contentType);
  return f.thumbnail
    ? html`<img class="chip-thumb" src="${thumbnailSrc}" alt="" width="48" height="48" loading="lazy" decoding="async">`
    : html`<span class="file-icon icon-${type?.icon ?? "doc"}" aria-hidden="true">${type?.badge ?? "File"}</span>`;
}

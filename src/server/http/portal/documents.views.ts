import { ACCEPT_ATTRIBUTE, formatBytes } from "../../../shared/files.ts";
import type { DocumentList, DocumentView, PortalDocumentsSummary } from "../../documents/document.schemas.ts";
import { isNewTo } from "../../documents/portal-documents.ts";
import type { FieldErrors } from "../../errors.ts";
import { fileVisual } from "../../web/attachments.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { customerSaid } from "../shared/customer.layout.ts";
import type { Reader } from "./reader.ts";

/** The upload without a file: a catalogue key, said in the customer's language as drawn. */
export const NO_FILE = "work:documents.chooseFile";
const said = (r: Reader, m: string | undefined) => (m === NO_FILE ? r.t(NO_FILE) : m && customerSaid(r, m));

// The portal's document views: the home's section, and the document store with its upload form
// (a plain multipart form: it works without JavaScript).

const base = (ws: Workspace) => `/portal/${ws.slug}/documents`;
const downloadHref = (ws: Workspace, id: string, version?: number) =>
  `${base(ws)}/${id}/download${version ? `?version=${version}` : ""}`;
/** Versioned, so a new version's picture is never an old one kept by the browser. */
const thumbnailHref = (ws: Workspace, id: string, version: number) =>
  `${base(ws)}/${id}/thumbnail?version=${version}`;
const newBadge = (r: Reader) => html` <span class="badge badge-new">${r.t("work:documents.new")}</span>`;
const fromLabel = (ws: Workspace, r: Reader, d: { source: string }) =>
  d.source === "team"
    ? r.t("work:documents.fromTeam", { team: ws.brand_name ?? ws.name })
    : r.t("work:documents.fromCompany");

export function documentsHomeSection(ws: Workspace, s: PortalDocumentsSummary, r: Reader): Html {
  return html`<section aria-labelledby="documents-title" data-slot="documents">
  <h2 id="documents-title">${r.t("work:documents.title")}</h2>
  ${s.newCount ? html`<p class="meta"><strong>${r.t("work:documents.newSince", { count: s.newCount })}</strong></p>` : ""}
  ${
    s.latest.length
      ? html`<ul class="document-list">${s.latest.map(
          (d) => html`<li class="document-file">
  ${fileVisual(d, thumbnailHref(ws, d.id, d.version))}
  <div class="document-text"><a href="${downloadHref(ws, d.id)}">${bdi(d.title)}</a>${d.isNew ? newBadge(r) : ""}
  <p class="meta">${d.typeLabel}, ${formatBytes(d.size)}${d.folder ? html` · ${bdi(d.folder)}` : ""} · ${fromLabel(ws, r, d)} · ${r.when(d.updatedAt)}</p></div>
</li>`,
        )}</ul>`
      : html`<p class="meta">${r.t("work:documents.noneShared")}</p>`
  }
  <p class="secondary-actions"><a href="${base(ws)}">${r.t("work:documents.all")}</a></p>
</section>`;
}

export interface DocumentsPageOptions {
  csrfToken: string;
  seenAt: string | null;
  errors?: FieldErrors | undefined;
  notice?: string | undefined;
  /** The folder the upload form starts with (a task's upload: Onboarding). */
  folder?: string | undefined;
  /** The document whose new-version form failed, to show its error there. */
  failedId?: string | undefined;
}

function fileError(r: Reader, errors: FieldErrors | undefined, id: string): Html {
  const m = said(r, errors?.file);
  return m
    ? html`<p class="field-error" id="${id}-error"><span class="visually-hidden">${r.t("work:error")}</span> ${m}</p>`
    : html``;
}

const invalid = (errors: FieldErrors | undefined, id: string) =>
  errors?.file
    ? html` aria-invalid="true" aria-describedby="${id}-hint ${id}-error"`
    : html` aria-describedby="${id}-hint"`;

function uploadForm(ws: Workspace, r: Reader, list: DocumentList, o: DocumentsPageOptions): Html {
  const errors = o.failedId ? undefined : o.errors;
  const optional = html` <span class="optional">${r.t("work:optional")}</span>`;
  return html`<section aria-labelledby="upload-title" class="document-upload">
  <h2 id="upload-title">${r.t("work:documents.upload")}</h2>
  <form method="post" action="${base(ws)}" enctype="multipart/form-data">
    <input type="hidden" name="_csrf" value="${o.csrfToken}">
    <div class="field"><label for="doc-title">${r.t("work:documents.docTitle")}${optional}</label>
      <input id="doc-title" name="title" maxlength="200"></div>
    <div class="field"><label for="doc-folder">${r.t("work:documents.folder")}${optional}</label>
      <input id="doc-folder" name="folder" maxlength="80" list="doc-folders" value="${o.folder ?? ""}">
      <datalist id="doc-folders">${list.folders.filter(Boolean).map((f) => html`<option value="${f}">`)}</datalist></div>
    <div class="field"><label for="doc-file">${r.t("work:documents.file")}</label>
      <p class="hint" id="doc-file-hint">${r.t("work:documents.fileHint", { max: formatBytes(list.maxBytes), left: formatBytes(Math.max(0, list.quotaBytes - list.usedBytes)) })}</p>
      ${fileError(r, errors, "doc-file")}
      <input type="file" id="doc-file" name="file" required accept="${ACCEPT_ATTRIBUTE}"${invalid(errors, "doc-file")}></div>
    <button type="submit">${r.t("work:documents.uploadButton")}</button>
  </form>
</section>`;
}

function versionForm(ws: Workspace, r: Reader, d: DocumentView, o: DocumentsPageOptions): Html {
  const id = `v-${d.id}`;
  const errors = o.failedId === d.id ? o.errors : undefined;
  return html`<details${errors ? " open" : ""}><summary>${r.t("work:documents.newVersion")}</summary>
  <form method="post" action="${base(ws)}/${d.id}/versions" enctype="multipart/form-data">
    <input type="hidden" name="_csrf" value="${o.csrfToken}">
    <p class="hint" id="${id}-hint">${r.t("work:documents.newVersionHint")}</p>
    ${fileError(r, errors, id)}
    <label for="${id}" class="visually-hidden">${r.t("work:documents.newVersionOf", { title: d.title })}</label>
    <input type="file" id="${id}" name="file" required accept="${ACCEPT_ATTRIBUTE}"${invalid(errors, id)}>
    <button type="submit">${r.t("work:documents.uploadVersion")}</button>
  </form>
</details>`;
}

function documentItem(ws: Workspace, r: Reader, d: DocumentView, o: DocumentsPageOptions): Html {
  const isNew = isNewTo(d, o.seenAt);
  return html`<li id="doc-${d.id}">
  <div class="document-file">${fileVisual(d, thumbnailHref(ws, d.id, d.version))}
  <div class="document-text"><a href="${downloadHref(ws, d.id)}" download>${bdi(d.title)}</a>${isNew ? newBadge(r) : ""}
  <p class="meta">${d.typeLabel}, ${formatBytes(d.size)} · ${r.t("work:documents.version", { version: d.version })} · ${fromLabel(ws, r, d)} · ${r.when(d.updatedAt)}${d.tags.length ? html` · ${d.tags.map((t) => html`<span class="tag">${bdi(t)}</span> `)}` : ""}</p></div></div>
  ${
    d.versions.length > 1
      ? html`<details><summary>${r.t("work:documents.versions", { count: d.versions.length })}</summary><ol class="version-list" reversed>${d.versions.map(
          (v) =>
            html`<li><a href="${downloadHref(ws, d.id, v.version)}" download>${bdi(v.fileName)}</a> <span class="meta">${formatBytes(v.size)} · ${bdi(v.uploadedBy === "You" ? r.t("overview:who.you") : v.uploadedBy)} · ${r.when(v.createdAt)}</span></li>`,
        )}</ol></details>`
      : ""
  }
  ${d.source === "customer" ? versionForm(ws, r, d, o) : ""}
</li>`;
}

export function documentsMain(ws: Workspace, list: DocumentList, o: DocumentsPageOptions, r: Reader): Html {
  const folders = [...new Set(list.documents.map((d) => d.folder))].sort();
  return html`<h1>${r.t("work:documents.title")}</h1>
${o.errors ? html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary"><h2>${r.t("work:documents.notUploaded")}</h2><ul><li><a href="#${o.failedId ? `v-${o.failedId}` : "doc-file"}">${said(r, o.errors.file ?? Object.values(o.errors)[0])}</a></li></ul></div>` : ""}
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ""}
<p class="meta">${r.parts("work:documents.lede", { team: bdi(ws.brand_name ?? ws.name) })}</p>
${
  list.documents.length
    ? folders.map(
        (f, i) => html`<section aria-labelledby="folder-${i}" class="document-folder">
  <h2 id="folder-${i}">${f ? bdi(f) : r.t("work:documents.unfiled")}</h2>
  <ul class="document-list">${list.documents.filter((d) => d.folder === f).map((d) => documentItem(ws, r, d, o))}</ul>
</section>`,
      )
    : html`<p class="meta">${r.t("work:documents.none")}</p>`
}
${uploadForm(ws, r, list, o)}`;
}

export function documentsUnavailableMain(_ws: Workspace, r: Reader): Html {
  return html`<h1>${r.t("work:documents.title")}</h1>
<p>${r.t("work:documents.unavailable")}</p>`;
}

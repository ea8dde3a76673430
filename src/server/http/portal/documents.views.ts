import { ACCEPT_ATTRIBUTE, formatBytes } from "../../../shared/files.ts";
import type { DocumentList, DocumentView, PortalDocumentsSummary } from "../../documents/document.schemas.ts";
import { isNewTo } from "../../documents/portal-documents.ts";
import type { FieldErrors } from "../../errors.ts";
import { fileVisual } from "../../web/attachments.ts";
import { when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The portal's document views: the home's section, and the document store with its upload form
// (a plain multipart form: it works without JavaScript).

const base = (ws: Workspace) => `/portal/${ws.slug}/documents`;
const downloadHref = (ws: Workspace, id: string, version?: number) =>
  `${base(ws)}/${id}/download${version ? `?version=${version}` : ""}`;
/** Versioned, so a new version's picture is never an old one kept by the browser. */
const thumbnailHref = (ws: Workspace, id: string, version: number) =>
  `${base(ws)}/${id}/thumbnail?version=${version}`;
const newBadge = html` <span class="badge badge-new">New</span>`;
const fromLabel = (ws: Workspace, d: { source: string }) =>
  d.source === "team" ? `From ${ws.brand_name ?? ws.name}` : "From your company";

export function documentsHomeSection(ws: Workspace, s: PortalDocumentsSummary): Html {
  return html`<section aria-labelledby="documents-title" data-slot="documents">
  <h2 id="documents-title">Documents</h2>
  ${s.newCount ? html`<p class="meta"><strong>${s.newCount} new since your last visit</strong></p>` : ""}
  ${
    s.latest.length
      ? html`<ul class="document-list">${s.latest.map(
          (d) => html`<li class="document-file">
  ${fileVisual(d, thumbnailHref(ws, d.id, d.version))}
  <div class="document-text"><a href="${downloadHref(ws, d.id)}">${bdi(d.title)}</a>${d.isNew ? newBadge : ""}
  <p class="meta">${d.typeLabel}, ${formatBytes(d.size)}${d.folder ? html` · ${bdi(d.folder)}` : ""} · ${fromLabel(ws, d)} · ${when(d.updatedAt)}</p></div>
</li>`,
        )}</ul>`
      : html`<p class="meta">No documents shared yet.</p>`
  }
  <p class="secondary-actions"><a href="${base(ws)}">All documents</a></p>
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

function fileError(errors: FieldErrors | undefined, id: string): Html {
  const m = errors?.file;
  return m
    ? html`<p class="field-error" id="${id}-error"><span class="visually-hidden">Error:</span> ${m}</p>`
    : html``;
}

const invalid = (errors: FieldErrors | undefined, id: string) =>
  errors?.file
    ? html` aria-invalid="true" aria-describedby="${id}-hint ${id}-error"`
    : html` aria-describedby="${id}-hint"`;

function uploadForm(ws: Workspace, list: DocumentList, o: DocumentsPageOptions): Html {
  const errors = o.failedId ? undefined : o.errors;
  return html`<section aria-labelledby="upload-title" class="document-upload">
  <h2 id="upload-title">Upload a document</h2>
  <form method="post" action="${base(ws)}" enctype="multipart/form-data">
    <input type="hidden" name="_csrf" value="${o.csrfToken}">
    <div class="field"><label for="doc-title">Title <span class="optional">(optional)</span></label>
      <input id="doc-title" name="title" maxlength="200"></div>
    <div class="field"><label for="doc-folder">Folder <span class="optional">(optional)</span></label>
      <input id="doc-folder" name="folder" maxlength="80" list="doc-folders" value="${o.folder ?? ""}">
      <datalist id="doc-folders">${list.folders.filter(Boolean).map((f) => html`<option value="${f}">`)}</datalist></div>
    <div class="field"><label for="doc-file">File</label>
      <p class="hint" id="doc-file-hint">Up to ${formatBytes(list.maxBytes)}: images, PDF, text, CSV, Word or Excel. Your company has ${formatBytes(Math.max(0, list.quotaBytes - list.usedBytes))} left.</p>
      ${fileError(errors, "doc-file")}
      <input type="file" id="doc-file" name="file" required accept="${ACCEPT_ATTRIBUTE}"${invalid(errors, "doc-file")}></div>
    <button type="submit">Upload</button>
  </form>
</section>`;
}

function versionForm(ws: Workspace, d: DocumentView, o: DocumentsPageOptions): Html {
  const id = `v-${d.id}`;
  const errors = o.failedId === d.id ? o.errors : undefined;
  return html`<details${errors ? " open" : ""}><summary>Upload a new version</summary>
  <form method="post" action="${base(ws)}/${d.id}/versions" enctype="multipart/form-data">
    <input type="hidden" name="_csrf" value="${o.csrfToken}">
    <p class="hint" id="${id}-hint">It becomes the current version; earlier ones stay below.</p>
    ${fileError(errors, id)}
    <label for="${id}" class="visually-hidden">New version of ${d.title}</label>
    <input type="file" id="${id}" name="file" required accept="${ACCEPT_ATTRIBUTE}"${invalid(errors, id)}>
    <button type="submit">Upload version</button>
  </form>
</details>`;
}

function documentItem(ws: Workspace, d: DocumentView, o: DocumentsPageOptions): Html {
  const isNew = isNewTo(d, o.seenAt);
  return html`<li id="doc-${d.id}">
  <div class="document-file">${fileVisual(d, thumbnailHref(ws, d.id, d.version))}
  <div class="document-text"><a href="${downloadHref(ws, d.id)}" download>${bdi(d.title)}</a>${isNew ? newBadge : ""}
  <p class="meta">${d.typeLabel}, ${formatBytes(d.size)} · version ${d.version} · ${fromLabel(ws, d)} · ${when(d.updatedAt)}${d.tags.length ? html` · ${d.tags.map((t) => html`<span class="tag">${bdi(t)}</span> `)}` : ""}</p></div></div>
  ${
    d.versions.length > 1
      ? html`<details><summary>${d.versions.length} versions</summary><ol class="version-list" reversed>${d.versions.map(
          (v) =>
            html`<li><a href="${downloadHref(ws, d.id, v.version)}" download>${bdi(v.fileName)}</a> <span class="meta">${formatBytes(v.size)} · ${bdi(v.uploadedBy)} · ${when(v.createdAt)}</span></li>`,
        )}</ol></details>`
      : ""
  }
  ${d.source === "customer" ? versionForm(ws, d, o) : ""}
</li>`;
}

export function documentsMain(ws: Workspace, list: DocumentList, o: DocumentsPageOptions): Html {
  const folders = [...new Set(list.documents.map((d) => d.folder))].sort();
  return html`<h1>Documents</h1>
${o.errors ? html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary"><h2>The file was not uploaded</h2><ul><li><a href="#${o.failedId ? `v-${o.failedId}` : "doc-file"}">${o.errors.file ?? Object.values(o.errors)[0]}</a></li></ul></div>` : ""}
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ""}
<p class="meta">Your company's files and what ${bdi(ws.brand_name ?? ws.name)} shares with you. Every upload and download is recorded.</p>
${
  list.documents.length
    ? folders.map(
        (f, i) => html`<section aria-labelledby="folder-${i}" class="document-folder">
  <h2 id="folder-${i}">${f ? bdi(f) : "Unfiled"}</h2>
  <ul class="document-list">${list.documents.filter((d) => d.folder === f).map((d) => documentItem(ws, d, o))}</ul>
</section>`,
      )
    : html`<p class="meta">No documents yet.</p>`
}
${uploadForm(ws, list, o)}`;
}

export function documentsUnavailableMain(): Html {
  return html`<h1>Documents</h1>
<p>Documents are shared with a company. Your account is not part of one yet: ask the team to add you to your company.</p>`;
}

import type { FastifyRequest } from "fastify";
import { ACCEPT_ATTRIBUTE, formatBytes } from "../../../shared/files.ts";
import type { DocumentList, DocumentView } from "../../documents/document.schemas.ts";
import type { FieldErrors } from "../../errors.ts";
import { fileVisual } from "../../web/attachments.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// /app/companies/:id/documents: the company's documents with their folders and tags, uploading
// a deliverable (a draft or published at once), publishing, new versions with who and when,
// refiling and deleting. Uploads are multipart forms read as a stream (no JavaScript needed).

const LABELS: Labels = { file: "File", title: "Title", folder: "Folder", tags: "Tags" };

export interface DocumentsPageState {
  notice?: string | undefined;
  errors?: FieldErrors | undefined;
  message?: string | undefined;
  /** The document whose form failed; none: the upload form. */
  failedId?: string | undefined;
  filter: { folder?: string | undefined; tag?: string | undefined };
}

const base = (companyId: string) => `/app/companies/${companyId}/documents`;

function filters(companyId: string, list: DocumentList, f: DocumentsPageState["filter"]): Html {
  const link = (label: Html | string, q: Record<string, string>, current: boolean) =>
    html`<li><a href="${base(companyId)}${Object.keys(q).length ? `?${new URLSearchParams(q)}` : ""}"${current ? html` aria-current="true"` : ""}>${label}</a></li>`;
  return html`<nav class="filters document-filters" aria-label="Filter documents">
  <ul>${link("All", {}, f.folder === undefined && !f.tag)}${list.folders.map((folder) =>
    link(folder ? bdi(folder) : "Unfiled", { folder }, f.folder === folder),
  )}</ul>
  ${list.tags.length ? html`<ul aria-label="Tags">${list.tags.map((tag) => link(html`#${bdi(tag)}`, { tag }, f.tag === tag))}</ul>` : ""}
</nav>`;
}

function uploadForm(
  req: FastifyRequest,
  companyId: string,
  list: DocumentList,
  st: DocumentsPageState,
): Html {
  const errors = st.failedId ? undefined : st.errors;
  return html`<section class="card" aria-labelledby="upload-title">
  <h2 id="upload-title">Upload a deliverable</h2>
  ${st.failedId ? "" : errorSummary(LABELS, errors, errors ? undefined : st.message)}
  <form method="post" action="${base(companyId)}" enctype="multipart/form-data">
    ${csrfField(req)}
    <div class="field"><label for="title">Title <span class="optional">(optional: the file's name)</span></label>
      <input id="title" name="title" maxlength="200"></div>
    <div class="field"><label for="folder">Folder <span class="optional">(optional)</span></label>
      <input id="folder" name="folder" maxlength="80" list="folders" value="${st.filter.folder ?? ""}">
      <datalist id="folders">${list.folders.filter(Boolean).map((f) => html`<option value="${f}">`)}</datalist></div>
    <div class="field"><label for="tags">Tags <span class="optional">(optional, comma-separated)</span></label>
      <input id="tags" name="tags" maxlength="500"${describedBy(errors, "tags")}>${fieldError(LABELS, errors, "tags")}</div>
    <div class="field document-publish"><input type="checkbox" id="publish" name="publish" value="true">
      <label for="publish">Publish now (otherwise a draft the company's contacts do not see)</label></div>
    <div class="field"><label for="file">File</label>
      <p class="hint" id="file-hint">Up to ${formatBytes(list.maxBytes)}. The company uses ${formatBytes(list.usedBytes)} of ${formatBytes(list.quotaBytes)}.</p>
      <input type="file" id="file" name="file" required accept="${ACCEPT_ATTRIBUTE}"${describedBy(errors, "file", "file-hint")}>
      ${fieldError(LABELS, errors, "file")}</div>
    <button type="submit" class="primary">Upload</button>
  </form>
</section>`;
}

function documentItem(req: FastifyRequest, companyId: string, d: DocumentView, st: DocumentsPageState): Html {
  const url = `${base(companyId)}/${d.id}`;
  const errors = st.failedId === d.id ? st.errors : undefined;
  const fid = (f: string) => `${f}-${d.id}`;
  return html`<li class="card document" id="doc-${d.id}">
  <div class="document-file">${fileVisual(d, `${url}/thumbnail?version=${d.version}`)}<div class="document-text">
  <h2 class="document-title"><a href="${url}/download">${bdi(d.title)}</a> ${d.status === "draft" ? html`<span class="tag">Draft</span>` : html`<span class="tag">Published</span>`}</h2>
  <p class="meta">${d.source === "team" ? "Deliverable" : "Uploaded by the company"} · ${d.typeLabel}, ${formatBytes(d.size)} · version ${d.version} · ${d.folder ? bdi(d.folder) : "Unfiled"}${d.tags.map((t) => html` <span class="tag">#${bdi(t)}</span>`)} · updated ${when(d.updatedAt)}</p></div></div>
  ${st.failedId === d.id ? errorSummary(LABELS, errors, errors ? undefined : st.message) : ""}
  <details${st.failedId === d.id ? " open" : ""}><summary>Versions (${d.versions.length})</summary>
    <ol class="version-list" reversed>${d.versions.map(
      (v) =>
        html`<li><a href="${url}/download?version=${v.version}">${bdi(v.fileName)}</a> <span class="meta">${formatBytes(v.size)} · ${bdi(v.uploadedBy)} · ${when(v.createdAt)}</span></li>`,
    )}</ol>
    <form method="post" action="${url}/versions" enctype="multipart/form-data">
      ${csrfField(req)}
      <label for="${fid("file")}">New version</label>
      <input type="file" id="${fid("file")}" name="file" required accept="${ACCEPT_ATTRIBUTE}">
      <button type="submit">Upload version</button>
    </form>
  </details>
  <details><summary>Rename, move or tag</summary>
    <form method="post" action="${url}/edit">
      ${csrfField(req)}
      <div class="field"><label for="${fid("title")}">Title</label><input id="${fid("title")}" name="title" required maxlength="200" value="${d.title}"></div>
      <div class="field"><label for="${fid("folder")}">Folder</label><input id="${fid("folder")}" name="folder" maxlength="80" value="${d.folder}"></div>
      <div class="field"><label for="${fid("tags")}">Tags (comma-separated)</label><input id="${fid("tags")}" name="tags" maxlength="500" value="${d.tags.join(", ")}"></div>
      <button type="submit">Save</button>
    </form>
  </details>
  <div class="actions">
    ${d.status === "draft" ? html`<form method="post" action="${url}/publish">${csrfField(req)}<button type="submit" class="primary">Publish</button></form>` : ""}
    <form method="post" action="${url}/delete">${csrfField(req)}<button type="submit" class="danger">Delete</button></form>
  </div>
</li>`;
}

export function companyDocumentsMain(
  req: FastifyRequest,
  company: { id: string; name: string },
  list: DocumentList,
  st: DocumentsPageState,
): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/companies">Companies</a> <span aria-hidden="true">/</span> <a href="/app/companies/${company.id}">${bdi(company.name)}</a> <span aria-hidden="true">/</span> <span aria-current="page">Documents</span></nav>
<h1>Documents of ${bdi(company.name)}</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${filters(company.id, list, st.filter)}
${
  list.documents.length
    ? html`<ul class="document-cards">${list.documents.map((d) => documentItem(req, company.id, d, st))}</ul>`
    : html`<p class="meta">No documents${st.filter.folder !== undefined || st.filter.tag ? " here" : " yet"}.</p>`
}
${uploadForm(req, company.id, list, st)}`;
}

import type { FastifyRequest } from "fastify";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "../../contacts/import.csv.ts";
import type { ImportView } from "../../contacts/import.schemas.ts";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { APP_LABELS, csrfField } from "./layout.ts";

const LABELS = { ...APP_LABELS, csv: "The file", fileName: "The file's name" };

// Importing contacts (admins): the file (chosen, or its text pasted without JavaScript), the
// preview with each row's problems, the progress while it runs, and what it did.

const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  firstName: "First name",
  lastName: "Last name",
  email: "Email",
  company: "Company",
  domain: "Domain",
  phone: "Phone",
};

const crumbs = (here: Html | string) =>
  html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/contacts">Contacts</a> <span aria-hidden="true">/</span> ${here}</nav>`;

const n = (v: number) => v.toLocaleString("en-GB");
const plural = (v: number, one: string, many: string) => `${n(v)} ${v === 1 ? one : many}`;

export interface UploadState {
  fileName?: string;
  csv?: string;
  errors?: FieldErrors;
  message?: string;
}

export function importUploadMain(req: FastifyRequest, recent: ImportView[], st: UploadState = {}): Html {
  const mb = MAX_IMPORT_BYTES / 1024 / 1024;
  return html`${crumbs(html`<span aria-current="page">Import</span>`)}
<h1>Import contacts</h1>
<p>Bring your customers over from another help desk or a spreadsheet: a CSV file whose first row names the columns.
We read <strong>Email</strong> (required), <strong>Name</strong> (or First name and Last name), <strong>Company</strong> (or Organization),
<strong>Domain</strong> and <strong>Phone</strong>, in any case, as Zendesk, Freshdesk and Help Scout export them; other columns are ignored.</p>
<p class="hint">You see what will happen before anything is imported. Contacts are matched by email, so importing a file again adds no one twice, and an empty cell never clears what a contact has. Up to ${mb} MB and ${n(MAX_IMPORT_ROWS)} rows.</p>
${errorSummary(LABELS, st.errors, st.message)}
<form method="post" action="/app/contacts/import" novalidate data-import-upload data-once>
  ${csrfField(req)}
  <input type="hidden" name="fileName" value="${st.fileName ?? "pasted.csv"}" data-import-name>
  <div class="field" data-import-file hidden>
    <label for="import-file">CSV file</label>
    <input type="file" id="import-file" accept=".csv,text/csv,text/plain" aria-describedby="import-file-hint">
    <p class="hint" id="import-file-hint" data-import-file-status>Choose a file, or paste its text below.</p>
  </div>
  <div class="field">
    <label for="csv">The file's text</label>
    <p class="hint" id="csv-hint">Open the file in a text editor, copy everything and paste it here.</p>
    <textarea id="csv" name="csv" rows="10" class="mono" spellcheck="false"${describedBy(st.errors, "csv", "csv-hint")}>${st.csv ?? ""}</textarea>
    ${fieldError(LABELS, st.errors, "csv")}
  </div>
  <button type="submit" class="primary">Check the file</button>
</form>
${recent.length ? recentImports(recent) : ""}`;
}

function recentImports(recent: ImportView[]): Html {
  return html`<h2>Recent imports</h2>
<table class="list"><thead><tr><th scope="col">File</th><th scope="col">Result</th><th scope="col">Started</th></tr></thead>
<tbody>${recent.map(
    (r) =>
      html`<tr><td><a href="/app/contacts/import/${r.id}">${bdi(r.fileName)}</a></td><td>${resultLine(r)}</td><td>${when(r.createdAt)}</td></tr>`,
  )}</tbody></table>`;
}

function resultLine(r: ImportView): string {
  if (r.status === "running") return "Importing…";
  if (r.status === "failed") return "Failed: nothing was imported";
  const c = r.counts;
  return `${plural(c.newContacts, "contact", "contacts")} added, ${n(c.updatedContacts)} updated, ${plural(c.newCompanies, "company", "companies")} added${c.skippedRows ? `, ${plural(c.skippedRows, "row", "rows")} skipped` : ""}`;
}

function countsList(v: ImportView, future: boolean): Html {
  const c = v.counts;
  // [count, one (will, did), many (will, did)]: "1 new company", "2 new companies".
  const line = (count: number, one: [string, string], many: [string, string]) =>
    html`<li><strong>${n(count)}</strong> ${(count === 1 ? one : many)[future ? 0 : 1]}</li>`;
  return html`<ul class="import-counts">
  ${line(c.newContacts, ["new contact", "contact added"], ["new contacts", "contacts added"])}
  ${line(c.updatedContacts, ["contact to update", "contact updated"], ["contacts to update", "contacts updated"])}
  ${line(c.unchangedContacts, ["already up to date", "was already up to date"], ["already up to date", "were already up to date"])}
  ${line(c.newCompanies, ["new company", "company added"], ["new companies", "companies added"])}
  ${line(c.newDomains, ["company domain to add", "company domain added"], ["company domains to add", "company domains added"])}
  ${c.errorRows ? line(c.errorRows, ["row with errors", "row with errors skipped"], ["rows with errors", "rows with errors skipped"]) : ""}
</ul>`;
}

function errorsTable(v: ImportView): Html {
  if (!v.errors.length) return html``;
  const more = v.counts.errorRows > new Set(v.errors.map((e) => e.row)).size;
  return html`<h2 id="row-errors">Rows with errors</h2>
<div class="table-scroll"><table class="list import-table"><thead><tr><th scope="col">Row</th><th scope="col">Column</th><th scope="col">Problem</th></tr></thead>
<tbody>${v.errors.map(
    (e) =>
      html`<tr><td>${rowNumber(e.row)}</td><td>${FIELD_LABELS[e.field] ?? e.field}</td><td>${e.message}</td></tr>`,
  )}</tbody></table></div>
${more ? html`<p class="hint">Only the first ${n(v.errors.length)} problems are listed.</p>` : ""}`;
}

/** On a phone the table's rows are cards without the header: the number says what it is. */
const rowNumber = (row: number) => html`<span class="phone-only">Row </span>${row}`;

const ACTIONS = { create: "New", update: "Update", unchanged: "No change" } as const;

function previewTable(v: ImportView): Html {
  if (!v.preview.length) return html``;
  return html`<h2>The first rows as they will be imported</h2>
<p class="hint">Columns read: ${v.columns.map((c, i) => html`${i ? ", " : ""}${bdi(c.header || "(no name)")} → ${c.field ? (FIELD_LABELS[c.field] ?? c.field) : "ignored"}`)}.</p>
<div class="table-scroll"><table class="list import-table"><thead><tr><th scope="col">Row</th><th scope="col">Contact</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Company</th><th scope="col">Domains</th><th scope="col">Phone</th></tr></thead>
<tbody>${v.preview.map(
    (r) =>
      html`<tr><td>${rowNumber(r.row)}</td><td>${ACTIONS[r.action]}</td><td>${bdi(r.name)}</td><td class="email">${r.email}</td><td>${bdi(r.company)}</td><td>${r.domains.join(", ")}</td><td>${r.phone}</td></tr>`,
  )}</tbody></table></div>`;
}

export function importMain(req: FastifyRequest, v: ImportView, refusal?: string): Html {
  const head = html`${crumbs(html`<a href="/app/contacts/import">Import</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(v.fileName)}</span>`)}
<h1>Import of ${bdi(v.fileName)}</h1>`;
  const bar = (hidden: boolean) =>
    html`<div class="import-progress" data-import-progress="${v.id}"${hidden ? html` hidden` : ""}>
  <label for="import-bar">Importing ${plural(v.counts.totalRows - v.counts.errorRows, "row", "rows")}…</label>
  <progress id="import-bar" max="${Math.max(1, v.counts.totalRows - v.counts.errorRows)}" value="${v.processedRows}">${v.processedRows}</progress>
  <p class="hint" aria-live="polite" data-import-progress-text>${n(v.processedRows)} done. Nothing is saved until every row is in.</p>
</div>`;

  if (v.status === "previewed") {
    const hasErrors = v.counts.errorRows > 0;
    return html`${head}
<p>${plural(v.counts.totalRows, "row", "rows")} read; nothing is imported yet.</p>
${refusal ? html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary"><h2>${refusal}</h2></div>` : ""}
${countsList(v, true)}
${errorsTable(v)}
${previewTable(v)}
<form method="post" action="/app/contacts/import/${v.id}/commit" data-import-commit data-once>
  ${csrfField(req)}
  ${
    hasErrors
      ? html`<p>By default a file with errors is not imported at all: correct it and check it again. Or import only the rows without errors:</p>
  <div class="field"><label><input type="checkbox" name="skipInvalidRows" value="on" class="inline-check"> Import the ${plural(v.counts.totalRows - v.counts.errorRows, "valid row", "valid rows")}, skip the ${plural(v.counts.errorRows, "row", "rows")} with errors</label></div>`
      : ""
  }
  <button type="submit" class="primary">Import</button>
  <a class="button" href="/app/contacts/import">Choose another file</a>
</form>
${bar(true)}`;
  }
  if (v.status === "running") {
    return html`${head}
${bar(false)}
<p><a href="/app/contacts/import/${v.id}">Refresh</a> to see how far it is.</p>`;
  }
  if (v.status === "failed") {
    return html`${head}
<div class="notice warning" role="alert"><p><strong>The import failed.</strong></p><p>${v.failure ?? "Nothing was imported."}</p></div>
<p><a href="/app/contacts/import">Import a file</a></p>`;
  }
  return html`${head}
<div class="notice success" role="status"><p><strong>Imported</strong>${v.finishedAt ? html` ${when(v.finishedAt)}` : ""}.</p></div>
${countsList(v, false)}
${errorsTable(v)}
<p><a href="/app/contacts">See the contacts</a> · <a href="/app/contacts/import">Import another file</a></p>`;
}

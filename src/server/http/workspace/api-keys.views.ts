import type { FastifyRequest } from "fastify";
import { API_KEY_NAME_MAX, type ApiKeyView } from "../../apikeys/api-key.schemas.ts";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// /app/settings/api-keys: an admin's API keys (active and revoked), the form that makes one, the
// new token shown once with its Copy button, and the page that confirms a revocation.

const LABELS: Labels = { name: "Name", scope: "Access" };
const SCOPE_LABELS = { read: "Read only", write: "Read and write" } as const;

const crumbs = (here: string) =>
  html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/settings">Settings</a> <span aria-hidden="true">/</span> ${
    here === "API keys"
      ? html`<span aria-current="page">API keys</span>`
      : html`<a href="/app/settings/api-keys">API keys</a> <span aria-hidden="true">/</span> <span aria-current="page">${here}</span>`
  }</nav>`;

export interface ApiKeyFormValues {
  name: string;
  scope: string;
}

/** The token just made, shown this once. */
function newTokenPanel(key: ApiKeyView, token: string): Html {
  return html`<section class="card" aria-labelledby="new-key-title" id="new-key">
  <h2 id="new-key-title" tabindex="-1">Your new key: ${bdi(key.name)}</h2>
  <p class="notice warning" role="alert"><strong>Copy it now: it is shown only once.</strong> Portico keeps only a fingerprint of it, so nobody can show it again. If it is lost, revoke it and create another.</p>
  <div class="field">
    <label for="new-key-token">API key (${SCOPE_LABELS[key.scope]})</label>
    <div class="copy-row">
      <input id="new-key-token" type="text" readonly value="${token}" spellcheck="false" autocomplete="off">
      <button type="button" data-copy="new-key-token">Copy</button>
    </div>
  </div>
  <p class="visually-hidden" aria-live="polite" data-copy-status></p>
</section>`;
}

function keyRow(k: ApiKeyView): Html {
  return html`<tr${k.revokedAt ? html` class="revoked"` : ""}>
  <td class="key-name">${bdi(k.name)}</td>
  <td data-label="Access">${SCOPE_LABELS[k.scope]}</td>
  <td data-label="Key"><code>${k.prefix}…</code></td>
  <td data-label="Created by">${k.createdBy ? bdi(k.createdBy.name) : ""}</td>
  <td data-label="Created">${when(k.createdAt)}</td>
  <td data-label="Last used">${k.lastUsedAt ? when(k.lastUsedAt) : "Never"}</td>
  <td>${
    k.revokedAt
      ? html`<span class="meta">Revoked ${when(k.revokedAt)}${k.revokedBy ? html` by ${bdi(k.revokedBy.name)}` : ""}</span>`
      : html`<a href="/app/settings/api-keys/${k.id}/revoke">Revoke<span class="visually-hidden"> ${bdi(k.name)}</span></a>`
  }</td>
</tr>`;
}

export function apiKeysMain(
  req: FastifyRequest,
  keys: ApiKeyView[],
  opts: {
    values?: ApiKeyFormValues;
    errors?: FieldErrors | undefined;
    created?: { key: ApiKeyView; token: string };
    notice?: string | undefined;
  },
): Html {
  const v = opts.values ?? { name: "", scope: "read" };
  const { errors } = opts;
  return html`${crumbs("API keys")}
<h1>API keys</h1>
<p class="meta">A key lets another tool use the workspace API (<code>/api/workspace</code>) with <code>Authorization: Bearer ptk_…</code>. It acts as the admin who created it, with an agent's powers only: it can work on tickets and contacts, never change settings, agents or keys, and it stops working when that admin is deactivated. <a href="/api/docs">API documentation</a></p>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${opts.created ? newTokenPanel(opts.created.key, opts.created.token) : ""}
${errorSummary(LABELS, errors)}
<section class="card" aria-labelledby="create-key-title">
  <h2 id="create-key-title">Create a key</h2>
  <form method="post" action="/app/settings/api-keys" novalidate>
    ${csrfField(req)}
    <div class="field">
      <label for="name">Name</label>
      <p class="hint" id="name-hint">What uses it, so you know which to revoke later: "Reporting", "Chatbot".</p>
      <input id="name" name="name" type="text" required maxlength="${API_KEY_NAME_MAX}" value="${v.name}"${describedBy(errors, "name", "name-hint")}>
      ${fieldError(LABELS, errors, "name")}
    </div>
    <fieldset id="scope">
      <legend>Access</legend>
      <label class="check"><input type="radio" name="scope" value="read"${v.scope !== "write" ? html` checked` : ""}> Read only: GET requests, nothing changes</label>
      <label class="check"><input type="radio" name="scope" value="write"${v.scope === "write" ? html` checked` : ""}> Read and write: also reply, add notes, change tickets</label>
      ${fieldError(LABELS, errors, "scope")}
    </fieldset>
    <button type="submit" class="primary">Create key</button>
  </form>
</section>
<section aria-labelledby="keys-title">
  <h2 id="keys-title">Keys</h2>
  ${
    keys.length
      ? html`<div class="table-wrap"><table class="list api-keys-table">
<thead><tr><th scope="col">Name</th><th scope="col">Access</th><th scope="col">Key</th><th scope="col">Created by</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">State</span></th></tr></thead>
<tbody>${keys.map(keyRow)}</tbody></table></div>`
      : html`<p class="empty">No API keys yet.</p>`
  }
</section>`;
}

export function revokeConfirmMain(req: FastifyRequest, key: ApiKeyView): Html {
  return html`${crumbs("Revoke")}
<h1>Revoke the key ${bdi(key.name)}?</h1>
<section class="card">
  <p>Whatever uses <code>${key.prefix}…</code> is refused from its next request. This cannot be undone: to connect the tool again, create a new key.</p>
  <form method="post" action="/app/settings/api-keys/${key.id}/revoke">
    ${csrfField(req)}
    <button type="submit" class="danger">Revoke key</button>
    <a class="button" href="/app/settings/api-keys">Cancel</a>
  </form>
</section>`;
}

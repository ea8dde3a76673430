import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError, type Labels } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import {
  DOCUMENT_FILE_MB_MAX,
  DOCUMENT_QUOTA_MB_MAX,
  type DocumentLimits,
  documentLimitsOf,
} from "../../workspaces/document-limits.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { csrfField } from "./layout.ts";

// Settings → Documents: the limits on what companies and the team upload to company documents.

export interface DocumentLimitsState {
  values?: Record<keyof DocumentLimits, string>;
  errors?: FieldErrors;
}

const LABELS: Labels = { maxFileMb: "Largest file", companyQuotaMb: "One company's total" };

export function documentLimitsSection(
  req: FastifyRequest,
  ws: Workspace,
  isAdmin: boolean,
  st: DocumentLimitsState = {},
): Html {
  const now = documentLimitsOf(ws);
  const v = st.values ?? { maxFileMb: String(now.maxFileMb), companyQuotaMb: String(now.companyQuotaMb) };
  const dis = isAdmin ? html`` : html` disabled`;
  return html`<section class="card" aria-labelledby="document-limits-title" id="documents">
  <h2 id="document-limits-title">Documents</h2>
  <p class="hint">Limits on the documents companies and your team upload. A change holds for the next upload; documents already stored stay.${isAdmin ? "" : " Only admins change them."}</p>
  ${errorSummary(LABELS, st.errors)}
  <form method="post" action="/app/settings/documents" novalidate>
    ${csrfField(req)}
    <div class="field">
      <label for="maxFileMb">Largest file (MB)</label>
      <input id="maxFileMb" name="maxFileMb" type="number" inputmode="numeric" min="1" max="${DOCUMENT_FILE_MB_MAX}" required value="${v.maxFileMb}"${describedBy(st.errors, "maxFileMb")}${dis}>
      ${fieldError(LABELS, st.errors, "maxFileMb")}
    </div>
    <div class="field">
      <label for="companyQuotaMb">One company's total (MB)</label>
      <p class="hint" id="companyQuotaMb-hint">Every version counts; deleted documents do not.</p>
      <input id="companyQuotaMb" name="companyQuotaMb" type="number" inputmode="numeric" min="1" max="${DOCUMENT_QUOTA_MB_MAX}" required value="${v.companyQuotaMb}"${describedBy(st.errors, "companyQuotaMb", "companyQuotaMb-hint")}${dis}>
      ${fieldError(LABELS, st.errors, "companyQuotaMb")}
    </div>
    ${isAdmin ? html`<button type="submit">Save document limits</button>` : ""}
  </form>
</section>`;
}

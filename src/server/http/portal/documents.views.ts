import type { PortalDocumentsSummary } from "../../documents/document.schemas.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The portal's document views: the home's section, the document store, one document.

export function documentsHomeSection(_ws: Workspace, _s: PortalDocumentsSummary): Html {
  return html`<section aria-labelledby="documents-title" data-slot="documents">
  <h2 id="documents-title">Documents</h2>
  <p class="meta">No documents shared yet.</p>
</section>`;
}

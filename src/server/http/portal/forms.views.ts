import type { FormDue } from "../../forms/form.schemas.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The portal's form views: the home's section, filling a form, the copy of what was sent.

export function formsHomeSection(_ws: Workspace, _due: FormDue[]): Html {
  return html`<section aria-labelledby="forms-title" data-slot="forms">
  <h2 id="forms-title">Forms to complete</h2>
  <p class="meta">No forms to complete.</p>
</section>`;
}

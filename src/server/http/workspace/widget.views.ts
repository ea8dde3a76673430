import type { FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { verifiedDomainOf } from "../../workspaces/portal-settings.ts";
import { portalUrl } from "../../workspaces/portal-url.ts";
import { WIDGET_LABEL_MAX, type WidgetSettings, widgetSettingsOf } from "../../workspaces/widget-settings.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { csrfField } from "./layout.ts";

const LABELS = { widgetLabel: "Button label" };

// Settings → Share → Floating widget: the one script line to paste (with a Copy button), the
// CSP entries a strict site adds, and the form for on/off, the launcher's corner and label.
// Agents may look; only admins change it.

/** The form as sent, with its errors, when it is shown again. */
export interface WidgetFormState {
  values: { enabled: boolean; position: string; label: string };
  /** By the form's field (widgetLabel), not the API's. */
  errors: FieldErrors;
}

/** Where the loader is served: the custom domain once verified, else this server's portal path. */
export function widgetScriptUrl(ctx: AppContext, req: FastifyRequest, ws: Workspace): string {
  if (verifiedDomainOf(ws)) return portalUrl(ctx.config, ws, "/widget.js");
  const origin = ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
  return `${origin}/portal/${ws.slug}/widget.js`;
}

export function widgetSection(
  ctx: AppContext,
  req: FastifyRequest,
  ws: Workspace,
  isAdmin: boolean,
  st: WidgetFormState | undefined,
): Html {
  const saved: WidgetSettings = widgetSettingsOf(ws);
  const v = st?.values ?? saved;
  const errors = st?.errors;
  const src = widgetScriptUrl(ctx, req, ws);
  const origin = new URL(src).origin;
  const line = `<script src="${src}" async></script>`;
  const csp = `script-src ${origin}; frame-src ${origin}`;
  const dis = isAdmin ? html`` : html` disabled`;
  return html`<div class="widget-settings" id="widget">
  <h3 id="widget-title">Floating widget</h3>
  <p class="hint">A help button on every page of your site. It opens a panel in your brand: your help articles, the request form with attachments, and the customer's recent requests on that browser. Nothing but the small button script loads until it is opened.</p>
  <p class="hint">${saved.enabled ? "The widget is on." : html`<strong>The widget is off:</strong> the script answers “not found” and no button shows.`}</p>
  <div class="field">
    <label for="widget-line">Paste this line before <code>&lt;/body&gt;</code> on your site</label>
    <p class="hint" id="widget-line-hint">Add <code>data-label="…"</code> or <code>data-position="left"</code> to the tag to change one page. The panel shows on the sites allowed to embed the form (above).</p>
    <div class="copy-row">
      <textarea id="widget-line" readonly rows="3" aria-describedby="widget-line-hint">${line}</textarea>
      <button type="button" data-copy="widget-line">Copy line</button>
    </div>
  </div>
  <div class="field">
    <label for="widget-csp">A site with a strict Content-Security-Policy adds</label>
    <div class="copy-row">
      <textarea id="widget-csp" readonly rows="2">${csp}</textarea>
      <button type="button" data-copy="widget-csp">Copy entries</button>
    </div>
  </div>
  <form method="post" action="/app/settings/widget" novalidate aria-labelledby="widget-title">
    ${csrfField(req)}
    ${isAdmin ? "" : html`<p class="hint">Only admins change the widget.</p>`}
    ${errorSummary(LABELS, errors)}
    <div class="field">
      <label><input type="checkbox" class="inline-check" name="enabled" value="true"${v.enabled ? html` checked` : ""}${dis}> Show the widget on sites that paste the line</label>
    </div>
    <fieldset>
      <legend>Where the button sits</legend>
      <label><input type="radio" name="position" value="right"${v.position !== "left" ? html` checked` : ""}${dis}> Bottom right</label>
      <label><input type="radio" name="position" value="left"${v.position === "left" ? html` checked` : ""}${dis}> Bottom left</label>
    </fieldset>
    <div class="field">
      <label for="widgetLabel">Button label</label>
      <p class="hint" id="widgetLabel-hint">Up to ${WIDGET_LABEL_MAX} characters, like “Help” or “Questions?”.</p>
      <input id="widgetLabel" name="label" type="text" maxlength="${WIDGET_LABEL_MAX}" value="${v.label}"${dis}${describedBy(errors, "widgetLabel", "widgetLabel-hint")}>
      ${fieldError(LABELS, errors, "widgetLabel")}
    </div>
    ${isAdmin ? html`<button type="submit">Save widget</button>` : ""}
  </form>
</div>`;
}

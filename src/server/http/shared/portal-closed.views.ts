import type { Translator } from "../../i18n/translator.ts";
import { type Html, html } from "../../web/html.ts";
import { brandingOf, type Workspace } from "../../workspaces/workspace.branding.ts";

// What a customer reads while the workspace has turned its portal off (portal-closed.ts), and
// what the Settings → Portal preview shows of it.

export function closedMain(t: Translator, ws: Workspace): Html {
  const email = brandingOf(ws).supportEmail;
  return html`<h1>${t.t("home:closed.heading")}</h1>
<p>${t.t("home:closed.text")}</p>
${email ? html`<p>${t.th("home:closed.email", { email })}</p>` : ""}`;
}

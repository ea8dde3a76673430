import type { FieldErrors } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { describedBy } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { signInPath } from "../portal/portal-entry.ts";
import { customerErrorSummary, customerFieldError } from "../shared/customer.layout.ts";

// "Lost your link?": the form asking for an email address, the one answer it always gets, and on
// a portal that needs sign-in the way to sign in instead (tracking links work only signed in there).

export function lostLinkForm(
  ws: Workspace,
  t: Translator,
  email: string,
  errors?: FieldErrors,
  message?: string,
): Html {
  return html`<h1>${t.t("lostlink:title")}</h1>
<p class="lede">${t.t("lostlink:lede")}</p>
${customerErrorSummary(t, errors, message)}
<form method="post" action="/portal/${ws.slug}/lost-link" novalidate data-portal-form>
  <div class="field">
    <label for="email">${t.t("lostlink:email")}</label>
    <input id="email" name="email" type="email" autocomplete="email" required value="${email}"${describedBy(errors, "email")}>
    ${customerFieldError(t, errors, "email")}
  </div>
  <button type="submit" class="primary">${t.t("lostlink:send")}</button>
</form>
<p class="secondary-actions"><a href="/portal/${ws.slug}/submit">${t.t("lostlink:submit")}</a></p>`;
}

export function lostLinkSent(ws: Workspace, t: Translator): Html {
  return html`<div class="confirmation" role="status">
  <h1>${t.t("lostlink:sentTitle")}</h1>
  <p>${t.t("lostlink:answer")}</p>
</div>
<p class="actions"><a class="button" href="/portal/${ws.slug}/submit">${t.t("lostlink:submit")}</a></p>`;
}

export function lostLinkSignIn(ws: Workspace, t: Translator): Html {
  return html`<h1>${t.t("lostlink:signInTitle")}</h1>
<p class="lede">${t.t("lostlink:signInLede")}</p>
<p class="actions"><a class="button primary" href="${signInPath(ws.slug, `/portal/${ws.slug}/home`)}">${t.t("lostlink:signIn")}</a></p>`;
}

import type { FieldErrors } from "../../errors.ts";
import { describedBy } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { signInPath } from "../portal/portal-entry.ts";
import { customerErrorSummary, customerFieldError } from "../shared/customer.layout.ts";

// "Lost your link?": the form asking for an email address, the one answer it always gets, and on
// a portal that needs sign-in the way to sign in instead (tracking links work only signed in there).

export const LOST_LINK_ANSWER =
  "If that address has open requests with us, we have sent it an email with a fresh link to each. It can take a few minutes to arrive; check your spam folder too.";

export function lostLinkForm(ws: Workspace, email: string, errors?: FieldErrors, message?: string): Html {
  return html`<h1>Email me my requests</h1>
<p class="lede">Lost the link to a request? Give the email address you wrote from: we will send it a fresh link to each of its open requests.</p>
${customerErrorSummary(errors, message)}
<form method="post" action="/portal/${ws.slug}/lost-link" novalidate data-portal-form>
  <div class="field">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" required value="${email}"${describedBy(errors, "email")}>
    ${customerFieldError(errors, "email")}
  </div>
  <button type="submit" class="primary">Email me my requests</button>
</form>
<p class="secondary-actions"><a href="/portal/${ws.slug}/submit">Submit a request</a></p>`;
}

export function lostLinkSent(ws: Workspace): Html {
  return html`<div class="confirmation" role="status">
  <h1>Check your email</h1>
  <p>${LOST_LINK_ANSWER}</p>
</div>
<p class="actions"><a class="button" href="/portal/${ws.slug}/submit">Submit a request</a></p>`;
}

export function lostLinkSignIn(ws: Workspace): Html {
  return html`<h1>Your requests are in your account</h1>
<p class="lede">On this portal you follow your requests signed in: sign in with the email address you wrote from to see all of them.</p>
<p class="actions"><a class="button primary" href="${signInPath(ws.slug, `/portal/${ws.slug}/home`)}">Sign in</a></p>`;
}

import type { FastifyRequest } from "fastify";
import type { PortalAccessView } from "../../contacts/portal-access.ts";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, when } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { appErrorSummary, appFieldError, csrfField } from "./layout.ts";

// The contact page's "Portal access" block: what the contact may reach on the signed-in portal,
// and their invitation. Its own section, beside the others of the page.

const LEVELS: [PortalAccessView["access"], string][] = [
  ["none", "No access"],
  ["own", "Their own requests"],
  ["company", "Everything of their company (manager)"],
];

export const PORTAL_ACCESS_NOTICES: Record<string, string> = {
  access: "Portal access saved.",
  revoked: "Portal access withdrawn: the contact is signed out everywhere.",
  invited: "Invitation sent. The link to choose a password is valid for 7 days.",
};

export function portalAccessBlock(
  req: FastifyRequest,
  contactId: string,
  v: PortalAccessView,
  st: { errors?: FieldErrors | undefined; notice?: string | undefined } = {},
): Html {
  const status = v.hasAccount
    ? html`Has an account${v.lastSignInAt ? html`; last signed in ${when(v.lastSignInAt)}` : ""}.`
    : v.invitation
      ? html`Invited ${when(v.invitation.sentAt)}; the link works until ${when(v.invitation.expiresAt)}.`
      : "No account yet.";
  return html`<section class="card" aria-labelledby="portal-access-title" id="portal-access">
  <h2 id="portal-access-title">Portal access</h2>
  ${st.notice ? html`<p class="notice" role="status">${st.notice}</p>` : ""}
  ${appErrorSummary(st.errors)}
  <p>${status}</p>
  <form method="post" action="/app/contacts/${contactId}/portal-access" novalidate>
    ${csrfField(req)}
    <div class="field">
      <label for="access">What they may see on the portal</label>
      <select id="access" name="access"${describedBy(st.errors, "access")}>${LEVELS.map(
        ([value, label]) =>
          html`<option value="${value}"${v.access === value ? html` selected` : ""}>${label}</option>`,
      )}</select>
      ${appFieldError(st.errors, "access")}
    </div>
    <button type="submit">Save</button>
  </form>
  <form method="post" action="/app/contacts/${contactId}/portal-invitation">
    ${csrfField(req)}
    <button type="submit">${v.invitation || v.hasAccount ? "Resend invitation" : "Invite to the portal"}</button>
  </form>
</section>`;
}

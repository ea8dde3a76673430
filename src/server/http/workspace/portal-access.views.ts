import type { FastifyRequest } from "fastify";
import type { PortalAccessLevel } from "../../db/schema.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { csrfField } from "./layout.ts";

// Settings → Portal access: who can use the portal (seed 001), and whether customers see their
// request's agent. Agents may look; only admins change it.

const LEVELS: { value: PortalAccessLevel; label: string; explain: string }[] = [
  {
    value: "public",
    label: "Public",
    explain:
      "Anyone submits requests and follows them by the link we email, and reads the public help articles. Customers may also sign in to see all their requests in one place.",
  },
  {
    value: "account",
    label: "Account required",
    explain:
      "Submitting, following requests and the help articles need a signed-in customer. Customers register themselves and confirm their email address. Tracking links open a request only for a signed-in customer who may see it.",
  },
  {
    value: "invited",
    label: "Invited contacts only",
    explain:
      "Like “Account required”, but nobody registers themselves: only contacts your team gave portal access can sign in.",
  },
];

export function portalAccessSection(req: FastifyRequest, ws: Workspace, isAdmin: boolean): Html {
  const dis = isAdmin ? html`` : html` disabled`;
  return html`<section class="card" aria-labelledby="portal-access-title" id="portal-access">
  <h2 id="portal-access-title">Portal access</h2>
  ${isAdmin ? "" : html`<p class="hint">Only admins change who can use the portal.</p>`}
  <form method="post" action="/app/settings/portal-access" novalidate>
    ${csrfField(req)}
    <fieldset>
      <legend>Who can use the portal</legend>
      ${LEVELS.map(
        (l) => html`<div class="choice">
        <label><input type="radio" name="portalAccess" value="${l.value}" aria-describedby="portal-access-${l.value}-hint"${ws.portal_access === l.value ? html` checked` : ""}${dis}> ${l.label}</label>
        <p class="hint" id="portal-access-${l.value}-hint">${l.explain}</p>
      </div>`,
      )}
    </fieldset>
    <p class="hint">A change holds at once, for the pages, the API and the links already sent. Email to your support address keeps creating requests at every level: it is a channel your team answers.</p>
    <div class="field">
      <label><input type="checkbox" class="inline-check" name="showAssignee" value="true"${ws.show_assignee ? html` checked` : ""}${dis}> Show customers the name of the agent assigned</label>
    </div>
    ${isAdmin ? html`<button type="submit">Save portal access</button>` : ""}
  </form>
</section>`;
}

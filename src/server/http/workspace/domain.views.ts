import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import type { DomainStatus, Verification } from "../../workspaces/custom-domain.ts";
import { csrfField } from "./layout.ts";

// Settings → Domain: the portal's address (its slug) and its custom domain, with the two ways to
// prove the domain and its state. Agents see it; only admins change it.

export const DOMAIN_LABELS: Labels = { slug: "Portal address (slug)", domain: "Custom domain" };

export interface DomainPageState {
  notice?: string | undefined;
  errors?: FieldErrors | undefined;
  /** What was typed, shown again with its error. */
  typed?: { slug?: string; domain?: string };
  /** The last check's outcome, when it did not verify. */
  failed?: Verification["checks"] | undefined;
}

const STATE_TEXT = {
  none: "No custom domain",
  pending: "Pending verification",
  verified: "Verified",
} as const;

function slugSection(req: FastifyRequest, s: DomainStatus, isAdmin: boolean, st: DomainPageState): Html {
  const e = st.errors;
  const dis = isAdmin ? html`` : html` disabled`;
  return html`<section class="card" aria-labelledby="slug-title" id="slug">
  <h2 id="slug-title">Portal address</h2>
  <p>Customers find the portal at <a href="${s.portalUrl}">${s.portalUrl}</a>.</p>
  <form method="post" action="/app/settings/domain/slug" novalidate>
    ${csrfField(req)}
    <div class="field">
      <label for="slug-input">${DOMAIN_LABELS.slug}</label>
      <p class="hint" id="slug-hint">Changing it changes every link to your portal: links in emails already sent, bookmarks and pages that link to it. Old links keep working: they redirect to the new address.</p>
      <input id="slug-input" name="slug" type="text" required maxlength="40" pattern="[a-z0-9][a-z0-9\\-]*" autocomplete="off" spellcheck="false" value="${st.typed?.slug ?? s.slug}"${describedBy(e, "slug", "slug-hint")}${dis}>
      ${fieldError(DOMAIN_LABELS, e, "slug")}
    </div>
    ${isAdmin ? html`<button type="submit">Change the address</button>` : ""}
  </form>
</section>`;
}

function proofs(s: DomainStatus): Html {
  if (s.state !== "pending" || !s.domain) return html``;
  return html`<h3>Prove the domain</h3>
  <p>Do one of these, then choose <strong>Check now</strong>.</p>
  <ol class="steps domain-proofs">
    <li><strong>Point the name at this server</strong> (a CNAME or A/AAAA record for <code>${s.domain}</code>). Portico then answers <code>${s.httpUrl}</code> with the token itself, which proves the name reaches this server: the same thing serving the portal there needs.</li>
    <li><strong>Or publish a TXT record</strong>: name <code>${s.txtName}</code>, value <code class="token">${s.txtValue}</code>. This proves control of the domain's DNS before you move the name.</li>
  </ol>`;
}

function failure(checks: Verification["checks"] | undefined): Html {
  if (!checks) return html``;
  return html`<div class="notice error" role="alert"><p><strong>Not verified yet.</strong></p><ul>
    <li>HTTP: ${checks.http.detail}</li>
    <li>DNS: ${checks.dns.detail}</li>
  </ul></div>`;
}

function domainSection(req: FastifyRequest, s: DomainStatus, isAdmin: boolean, st: DomainPageState): Html {
  const e = st.errors;
  const dis = isAdmin ? html`` : html` disabled`;
  const state =
    s.state === "verified" && s.verifiedAt
      ? html`${STATE_TEXT.verified} on ${when(s.verifiedAt)}`
      : html`${STATE_TEXT[s.state]}`;
  return html`<section class="card" aria-labelledby="domain-title" id="domain">
  <h2 id="domain-title">Custom domain</h2>
  <p>Serve the portal on your own host name, like <code>help.example.com</code>. Once it is verified, links in emails and the Share panel use it.</p>
  <p>State: <strong class="domain-state domain-${s.state}">${state}</strong>${s.domain ? html` · <code>${s.domain}</code>` : ""}</p>
  ${failure(st.failed)}
  <form method="post" action="/app/settings/domain" novalidate>
    ${csrfField(req)}
    <div class="field">
      <label for="domain-input">${DOMAIN_LABELS.domain}</label>
      <p class="hint" id="domain-hint">A host name, not an IP address. Setting a new one makes it pending until proved.</p>
      <input id="domain-input" name="domain" type="text" required maxlength="253" autocomplete="off" spellcheck="false" inputmode="url" value="${st.typed?.domain ?? s.domain ?? ""}"${describedBy(e, "domain", "domain-hint")}${dis}>
      ${fieldError(DOMAIN_LABELS, e, "domain")}
    </div>
    ${isAdmin ? html`<button type="submit">Save the domain</button>` : ""}
  </form>
  ${proofs(s)}
  ${
    isAdmin && s.domain
      ? html`<div class="actions">
    ${s.state === "pending" ? html`<form method="post" action="/app/settings/domain/verify">${csrfField(req)}<button type="submit">Check now</button></form>` : ""}
    <form method="post" action="/app/settings/domain/remove">${csrfField(req)}<button type="submit" class="secondary">Remove the domain</button></form>
  </div>`
      : ""
  }
</section>`;
}

export function domainMain(
  req: FastifyRequest,
  s: DomainStatus,
  isAdmin: boolean,
  st: DomainPageState = {},
): Html {
  return html`<h1>Domain</h1>
<p><a href="/app/settings">Back to settings</a></p>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${errorSummary(DOMAIN_LABELS, st.errors)}
${isAdmin ? "" : html`<p class="muted">Only admins change the portal's address.</p>`}
${slugSection(req, s, isAdmin, st)}
${domainSection(req, s, isAdmin, st)}`;
}

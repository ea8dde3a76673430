import type { FastifyRequest } from "fastify";
import { NAME_MAX } from "../../../shared/tickets.ts";
import type { AgentView } from "../../agents/agent.service.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import type { FieldErrors } from "../../errors.ts";
import { retentionOf } from "../../lifecycle/retention.ts";
import { describedBy, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { verifiedDomainOf } from "../../workspaces/portal-settings.ts";
import { portalUrl } from "../../workspaces/portal-url.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import {
  EMBED_ORIGIN_EXAMPLE,
  EMBED_ORIGINS_MAX,
  embedOriginsOf,
} from "../../workspaces/workspace.embedding.ts";
import { type DocumentLimitsState, documentLimitsSection } from "./document-limits.views.ts";
import { appErrorSummary, appFieldError, csrfField } from "./layout.ts";
import { type RetentionState, retentionSection } from "./lifecycle.views.ts";
import { portalAccessSection } from "./portal-access.views.ts";
import { type WidgetFormState, widgetSection } from "./widget.views.ts";

// Settings: sharing the portal, who may use it, documents, retention and the agents of the
// workspace (the branding has its own page: branding.views.ts). Agents may look; only admins change anything (the services decide).

/** The embedding form as sent: any site, or only the listed ones (one origin per line). */
export interface EmbeddingValues {
  embedding: "any" | "listed";
  allowedOrigins: string;
}

export interface SettingsState {
  embedding?: EmbeddingValues;
  embeddingErrors?: FieldErrors;
  widget?: WidgetFormState;
  agent?: { name: string; email: string; role: string };
  agentErrors?: FieldErrors;
  agentMessage?: string;
  /** Agents still to accept their invitation (no password yet). */
  pending?: ReadonlySet<string>;
  documents?: DocumentLimitsState;
  retention?: RetentionState;
  notice?: string;
  status?: number;
}

export const NOTICES: Record<string, string> = {
  embedding: "Saved: the sites allowed to embed the submit form are as shown under Share.",
  widget: "Floating widget saved. Sites show the change within a minute.",
  retention: "Data retention saved. It applies tonight at 03:00.",
  "portal-access": "Portal access saved. It holds now, for every page, the API and the links already sent.",
  documents: "Document limits saved. They hold for the next upload.",
  agent: "Agent added. They got an email with the address of this app; give them their password privately.",
  invited: "Invitation sent. The agent chooses a password from the link in their email (valid 7 days).",
  deactivated: "Agent deactivated and signed out.",
  reset: "Reset link sent. It works once, for an hour; their password stays until they use it.",
  reinvited: "Invitation sent again (valid 7 days). The earlier link no longer works.",
  activated: "Agent reactivated.",
  welcome: "Your workspace is ready. Brand the portal, add your agents, and share the link with customers.",
};

function origin(ctx: AppContext, req: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
}

/** Who may embed the form now, in words. */
function embeddingNow(origins: string[] | null): Html {
  if (origins === null) return html`Any site may embed the form (the default).`;
  if (origins.length === 0) return html`No site may embed the form: it opens only on its own address.`;
  return html`Only these sites may embed the form: ${origins.map((o, i) => html`${i ? ", " : ""}<code>${o}</code>`)}.`;
}

function embeddingForm(req: FastifyRequest, ws: Workspace, isAdmin: boolean, st: SettingsState): Html {
  const origins = embedOriginsOf(ws);
  const v = st.embedding ?? {
    embedding: origins === null ? "any" : "listed",
    allowedOrigins: (origins ?? []).join("\n"),
  };
  const errors = st.embeddingErrors;
  const dis = isAdmin ? html`` : html` disabled`;
  return html`<form method="post" action="/app/settings/embedding" novalidate class="embedding" aria-labelledby="embedding-title">
    ${csrfField(req)}
    <h3 id="embedding-title">Sites allowed to embed the form</h3>
    <p class="hint" id="embedding-now">${embeddingNow(origins)} Other pages of the portal can never be framed.</p>
    ${isAdmin ? "" : html`<p class="hint">Only admins change this.</p>`}
    ${appErrorSummary(errors)}
    <fieldset aria-describedby="embedding-now">
      <legend class="visually-hidden">Sites allowed to embed the form</legend>
      <label><input type="radio" name="embedding" value="any"${v.embedding === "any" ? html` checked` : ""}${dis}> Any site</label>
      <label><input type="radio" name="embedding" value="listed"${v.embedding === "listed" ? html` checked` : ""}${dis}> Only the sites listed below</label>
    </fieldset>
    <div class="field">
      <label for="allowedOrigins">Sites (one per line)</label>
      <p class="hint" id="allowedOrigins-hint">The https address of each site, without a path, like ${EMBED_ORIGIN_EXAMPLE}; https://*.example.com covers its subdomains. At most ${EMBED_ORIGINS_MAX}. With none listed, no site may embed the form.</p>
      <textarea id="allowedOrigins" name="allowedOrigins" rows="3" spellcheck="false"${dis}${describedBy(errors, "allowedOrigins", "allowedOrigins-hint")}>${v.allowedOrigins}</textarea>
      ${appFieldError(errors, "allowedOrigins")}
    </div>
    ${isAdmin ? html`<button type="submit">Save sites</button>` : ""}
  </form>`;
}

function shareSection(
  ctx: AppContext,
  req: FastifyRequest,
  ws: Workspace,
  isAdmin: boolean,
  st: SettingsState,
): Html {
  const home = verifiedDomainOf(ws) ? portalUrl(ctx.config, ws, "") : `${origin(ctx, req)}/portal/${ws.slug}`;
  const link = verifiedDomainOf(ws) ? portalUrl(ctx.config, ws, "/submit") : `${home}/submit`;
  // The script that sizes the frame to the form, from the form's own origin (a custom domain's too).
  const sizer = `${new URL(link).origin}/portal/embed.js`;
  const snippet = `<iframe
  src="${link}"
  data-portico-embed
  width="100%"
  height="780"
  style="border:0;max-width:640px;display:block;margin:auto"
  title="Support request form"
  loading="lazy"
></iframe>
<script src="${sizer}" async></script>`;
  const anchor = `<a href="${link}">Submit a Support Request</a>`;
  return html`<section class="card" aria-labelledby="share-title" id="share">
  <h2 id="share-title">Share the portal</h2>
  <p>Customers submit and follow requests here without an account. Most teams use all three ways.</p>
  <div class="field">
    <label for="share-link">Portal link</label>
    <div class="copy-row">
      <input id="share-link" type="text" readonly value="${home}">
      <button type="button" data-copy="share-link">Copy link</button>
    </div>
  </div>
  <div class="field">
    <label for="share-anchor">A link for your help or contact page</label>
    <div class="copy-row">
      <textarea id="share-anchor" readonly rows="2">${anchor}</textarea>
      <button type="button" data-copy="share-anchor">Copy HTML</button>
    </div>
  </div>
  <div class="field">
    <label for="share-iframe">Embed the form in your own site</label>
    <p class="hint" id="share-iframe-hint">Paste into a page of a site allowed below. The frame grows and shrinks with the form (the script line sizes it), and the form opens tracking links in a new tab.</p>
    <div class="copy-row">
      <textarea id="share-iframe" readonly rows="11" aria-describedby="share-iframe-hint">${snippet}</textarea>
      <button type="button" data-copy="share-iframe">Copy snippet</button>
    </div>
  </div>
  ${embeddingForm(req, ws, isAdmin, st)}
  ${widgetSection(ctx, req, ws, isAdmin, st.widget)}
  <p class="visually-hidden" aria-live="polite" data-copy-status></p>
  <p><a href="${link}" target="_blank" rel="noopener">Open the portal in a new tab</a></p>
</section>`;
}

/** An admin's one-time link for an agent: the invitation again while pending, else a reset link. */
const agentLinkButton = (req: FastifyRequest, g: AgentView, pending: boolean) =>
  pending
    ? html`<form method="post" action="/app/settings/agents/${g.id}/invitation">${csrfField(req)}<button type="submit" class="small">Resend invitation<span class="visually-hidden"> to ${bdi(g.name)}</span></button></form>`
    : html`<form method="post" action="/app/settings/agents/${g.id}/password-reset">${csrfField(req)}<button type="submit" class="small">Send a reset link<span class="visually-hidden"> to ${bdi(g.name)}</span></button></form>`;

function agentsSection(req: FastifyRequest, agents: AgentView[], isAdmin: boolean, st: SettingsState): Html {
  const s = req.session as SessionInfo;
  const errors = st.agentErrors;
  const a = st.agent ?? { name: "", email: "", role: "agent" };
  return html`<section class="card" aria-labelledby="agents-title" id="agents">
  <h2 id="agents-title">Agents</h2>
  <table class="list">
    <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Last sign-in</th>${isAdmin ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ""}</tr></thead>
    <tbody>${agents.map(
      (g) => html`<tr${g.active ? "" : html` class="inactive"`}>
      <td>${bdi(g.name)}${g.id === s.agent.id ? html` <span class="tag">You</span>` : ""}${g.active ? "" : html` <span class="tag">Deactivated</span>`}</td>
      <td class="email">${g.email}</td>
      <td>${g.role === "admin" ? "Admin" : "Agent"}</td>
      <td>${g.lastLoginAt ? when(g.lastLoginAt) : html`<span class="muted">Never</span>`}</td>
      ${
        isAdmin
          ? html`<td>${
              g.id === s.agent.id
                ? ""
                : html`<form method="post" action="/app/settings/agents/${g.id}/active">${csrfField(req)}<input type="hidden" name="active" value="${g.active ? "false" : "true"}"><button type="submit" class="small">${g.active ? "Deactivate" : "Reactivate"}<span class="visually-hidden"> ${bdi(g.name)}</span></button></form>${g.active ? agentLinkButton(req, g, st.pending?.has(g.id) ?? false) : ""}`
            }</td>`
          : ""
      }
    </tr>`,
    )}</tbody>
  </table>
  ${
    isAdmin
      ? html`<h3 id="add-agent-title">Add an agent</h3>
  ${appErrorSummary(errors, st.agentMessage)}
  <form method="post" action="/app/settings/agents" novalidate class="add-agent" aria-labelledby="add-agent-title">
    ${csrfField(req)}
    <div class="field"><label for="name">Name</label><input id="name" name="name" type="text" required maxlength="${NAME_MAX}" value="${a.name}"${describedBy(errors, "name")}>${appFieldError(errors, "name")}</div>
    <div class="field"><label for="email">Email</label><input id="email" name="email" type="email" required value="${a.email}"${describedBy(errors, "email")}>${appFieldError(errors, "email")}</div>
    <div class="field"><label for="role">Role</label><select id="role" name="role"><option value="agent"${a.role === "agent" ? html` selected` : ""}>Agent</option><option value="admin"${a.role === "admin" ? html` selected` : ""}>Admin</option></select></div>
    <div class="field"><label for="password">Password <span class="muted">(optional)</span></label><p class="hint" id="password-hint">Leave it empty and they get an email with a link to choose their own (valid 7 days). Or set one of at least 10 characters and share it privately.</p><input id="password" name="password" type="password" autocomplete="new-password"${describedBy(errors, "password", "password-hint")}>${appFieldError(errors, "password")}</div>
    <button type="submit">Add agent</button>
  </form>`
      : ""
  }
</section>`;
}

/** The settings page's main part: sharing, access, limits, retention and the agents. */
export function settingsMain(
  ctx: AppContext,
  req: FastifyRequest,
  ws: Workspace,
  agents: AgentView[],
  isAdmin: boolean,
  st: SettingsState,
): Html {
  return html`<h1>Settings</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
<nav class="toc" aria-label="Settings sections"><a href="/app/settings/branding">Branding</a> <a href="#share">Share</a> <a href="#portal-access">Portal access</a> <a href="#documents">Documents</a> <a href="#retention">Data retention</a> <a href="#agents">Agents</a> <a href="/app/settings/portal">Portal</a> <a href="/app/settings/surveys">Surveys</a> <a href="/app/settings/sla">SLAs</a> <a href="/app/settings/sentiment">Sentiment</a> <a href="/app/settings/emails">Emails</a> <a href="/app/settings/domain">Domain</a> <a href="/app/settings/assignment">Assignment</a> <a href="/app/settings/teams">Teams and workload</a>${isAdmin ? html` <a href="/app/settings/audit">Audit log</a> <a href="/app/settings/api-keys">API keys</a> <a href="/app/settings/webhooks">Webhooks</a>` : ""}</nav>
${shareSection(ctx, req, ws, isAdmin, st)}
${portalAccessSection(req, ws, isAdmin)}
${documentLimitsSection(req, ws, isAdmin, st.documents)}
${retentionSection(req, retentionOf(ws), isAdmin, st.retention)}
${agentsSection(req, agents, isAdmin, st)}`;
}

import type { Invitation } from "../../agents/agent.service.ts";
import { PASSWORD_MIN } from "../../auth/passwords.ts";
import type { FieldErrors } from "../../errors.ts";
import { describedBy } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { preSessionField } from "../shared/pre-session.ts";
import { appErrorSummary, appFieldError } from "./layout.ts";

// Signing in, and choosing a password from an invitation's link.

export function signInForm(
  values: { workspace?: string; email?: string; next?: string },
  opts: { csrf: string; askWorkspace: boolean; errors?: FieldErrors; message?: string; notice?: string },
): Html {
  const { errors } = opts;
  return html`<h1>Sign in</h1>
${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ""}
${appErrorSummary(errors, opts.message)}
<form method="post" action="/app/sign-in" novalidate class="card">
  ${preSessionField(opts.csrf)}
  <input type="hidden" name="next" value="${values.next ?? "/app"}">
  ${
    opts.askWorkspace
      ? html`<div class="field">
    <label for="workspace">Workspace</label>
    <p class="hint" id="workspace-hint">The name in your portal's address: /portal/<strong>workspace</strong>.</p>
    <input id="workspace" name="workspace" type="text" required autocapitalize="none" spellcheck="false" value="${values.workspace ?? ""}"${describedBy(errors, "workspace", "workspace-hint")}>
    ${appFieldError(errors, "workspace")}
  </div>`
      : html`<input type="hidden" name="workspace" value="${values.workspace ?? ""}">`
  }
  <div class="field">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" required autocomplete="username" value="${values.email ?? ""}"${describedBy(errors, "email")}>
    ${appFieldError(errors, "email")}
  </div>
  <div class="field">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required autocomplete="current-password"${describedBy(errors, "password")}>
    ${appFieldError(errors, "password")}
  </div>
  <button type="submit" class="primary">Sign in</button>
</form>`;
}

export function inviteMain(
  token: string,
  inv: Invitation,
  opts: { csrf: string; errors?: FieldErrors; message?: string },
): Html {
  const { errors } = opts;
  return html`<h1>Welcome, ${inv.agentName}</h1>
<p>Choose a password to sign in to ${bdi(inv.workspace.name)} as <strong>${inv.email}</strong>.</p>
${appErrorSummary(errors, opts.message)}
<form method="post" action="/app/invite" novalidate class="card">
  ${preSessionField(opts.csrf)}
  <input type="hidden" name="t" value="${token}">
  <div class="field"><label for="password">Password</label><p class="hint" id="password-hint">At least ${PASSWORD_MIN} characters, and not a common password.</p><input id="password" name="password" type="password" required autocomplete="new-password" minlength="${PASSWORD_MIN}"${describedBy(errors, "password", "password-hint")}>${appFieldError(errors, "password")}</div>
  <button type="submit">Save and sign in</button>
</form>`;
}

export const inviteGoneMain = (message: string) =>
  html`<h1>This link does not work any more</h1><p>${message}</p><p><a href="/app/sign-in">Sign in</a></p>`;

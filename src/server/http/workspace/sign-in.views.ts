import type { Invitation } from "../../agents/agent.service.ts";
import type { AgentReset } from "../../agents/agent-reset.ts";
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
</form>
<p><a href="/app/forgot">Forgot password?</a></p>`;
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

/** "Forgot password?": the address (and the workspace when there are several). */
export function forgotMain(
  values: { workspace?: string | undefined; email?: string },
  opts: { csrf: string; askWorkspace: boolean; errors?: FieldErrors; message?: string; sent?: boolean },
): Html {
  const { errors } = opts;
  if (opts.sent) {
    return html`<h1>Check your email</h1><p role="status">If that address belongs to an agent of the workspace, a link to choose a new password is on its way. It works once, for an hour.</p><p><a href="/app/sign-in">Back to sign-in</a></p>`;
  }
  return html`<h1>Reset your password</h1>
<p>We will email you a link to choose a new one.</p>
${appErrorSummary(errors, opts.message)}
<form method="post" action="/app/forgot" novalidate class="card">
  ${preSessionField(opts.csrf)}
  ${
    opts.askWorkspace
      ? html`<div class="field"><label for="workspace">Workspace</label><input id="workspace" name="workspace" type="text" required autocapitalize="none" spellcheck="false" value="${values.workspace ?? ""}"${describedBy(errors, "workspace")}>${appFieldError(errors, "workspace")}</div>`
      : html`<input type="hidden" name="workspace" value="${values.workspace ?? ""}">`
  }
  <div class="field"><label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="username" value="${values.email ?? ""}"${describedBy(errors, "email")}>${appFieldError(errors, "email")}</div>
  <button type="submit" class="primary">Send the link</button>
</form>
<p><a href="/app/sign-in">Back to sign-in</a></p>`;
}

export function resetMain(
  token: string,
  r: AgentReset,
  opts: { csrf: string; errors?: FieldErrors; message?: string },
): Html {
  const { errors } = opts;
  return html`<h1>Choose a new password</h1>
<p>For <strong>${r.email}</strong> in ${bdi(r.workspace.name)}. Every session you have will be signed out.</p>
${appErrorSummary(errors, opts.message)}
<form method="post" action="/app/reset/${token}" novalidate class="card">
  ${preSessionField(opts.csrf)}
  <input type="text" name="username" autocomplete="username" value="${r.email}" hidden>
  <div class="field"><label for="password">New password</label><p class="hint" id="password-hint">At least ${PASSWORD_MIN} characters, and not a common password.</p><input id="password" name="password" type="password" required autocomplete="new-password" minlength="${PASSWORD_MIN}"${describedBy(errors, "password", "password-hint")}>${appFieldError(errors, "password")}</div>
  <button type="submit">Save and sign in</button>
</form>`;
}

export const resetGoneMain = (message: string) =>
  html`<h1>This link does not work any more</h1><p>${message}</p><p><a href="/app/forgot">Ask for a new link</a> · <a href="/app/sign-in">Sign in</a></p>`;

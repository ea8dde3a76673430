import { PASSWORD_MIN } from "../../auth/passwords.ts";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError, type Labels } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { preSessionField } from "../shared/pre-session.ts";

// The portal's ways in, as pages: sign-in, the emailed links (magic link, reset, invitation,
// confirming a new account), and registration. Every form carries the pre-session token.

export const LABELS: Labels = {
  name: "Name",
  email: "Email",
  password: "Password",
  current: "Current password",
};

export const summary = (errors?: FieldErrors, message?: string) => errorSummary(LABELS, errors, message);
export const fieldErr = (errors: FieldErrors | undefined, f: string) => fieldError(LABELS, errors, f);

export interface FormState {
  csrf: string;
  errors?: FieldErrors | undefined;
  message?: string | undefined;
  notice?: string | undefined;
}

const notice = (text?: string) => (text ? html`<p class="notice success" role="status">${text}</p>` : "");

const emailField = (st: FormState, value: string | undefined, autocomplete = "username") =>
  html`<div class="field">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" required autocomplete="${autocomplete}" value="${value ?? ""}"${describedBy(st.errors, "email")}>
    ${fieldErr(st.errors, "email")}
  </div>`;

export const newPasswordField = (st: { errors?: FieldErrors | undefined }, label = "Password") =>
  html`<div class="field">
    <label for="password">${label}</label>
    <p class="hint" id="password-hint">At least ${PASSWORD_MIN} characters. A few unrelated words make a good one; avoid common passwords.</p>
    <input id="password" name="password" type="password" required autocomplete="new-password" minlength="${PASSWORD_MIN}"${describedBy(st.errors, "password", "password-hint")}>
    ${fieldErr(st.errors, "password")}
  </div>`;

export function signInMain(
  slug: string,
  values: { email?: string; next: string },
  st: FormState & { canRegister: boolean },
): Html {
  const next = values.next ? `?next=${encodeURIComponent(values.next)}` : "";
  return html`<h1>Sign in</h1>
${notice(st.notice)}
${summary(st.errors, st.message)}
<form method="post" action="/portal/${slug}/sign-in" novalidate>
  ${preSessionField(st.csrf)}
  <input type="hidden" name="next" value="${values.next}">
  ${emailField(st, values.email)}
  <div class="field">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required autocomplete="current-password"${describedBy(st.errors, "password")}>
    ${fieldErr(st.errors, "password")}
  </div>
  <button type="submit" class="primary">Sign in</button>
</form>
<ul class="secondary-actions">
  <li><a href="/portal/${slug}/magic-link${next}">Email me a sign-in link</a></li>
  <li><a href="/portal/${slug}/forgot">Forgot password?</a></li>
  ${st.canRegister ? html`<li><a href="/portal/${slug}/register">Create an account</a></li>` : ""}
</ul>`;
}

/** Asking for a link by email: a sign-in link, or a reset. */
export function requestLinkMain(
  slug: string,
  kind: "magic-link" | "forgot",
  values: { email?: string; next?: string },
  st: FormState,
): Html {
  const title = kind === "magic-link" ? "Email me a sign-in link" : "Reset your password";
  const lede =
    kind === "magic-link"
      ? "We will email you a link that signs you in. It works once, for 15 minutes."
      : "We will email you a link to choose a new password. It works once, for an hour.";
  return html`<h1>${title}</h1>
<p class="lede">${lede}</p>
${summary(st.errors, st.message)}
<form method="post" action="/portal/${slug}/${kind}" novalidate>
  ${preSessionField(st.csrf)}
  ${kind === "magic-link" ? html`<input type="hidden" name="next" value="${values.next ?? ""}">` : ""}
  ${emailField(st, values.email, "email")}
  <button type="submit" class="primary">Send the link</button>
</form>
<p class="secondary-actions"><a href="/portal/${slug}/sign-in">Back to sign-in</a></p>`;
}

export const checkEmailMain = (slug: string, message: string) =>
  html`<div class="confirmation" role="status"><h1>Check your email</h1><p>${message}</p><p>The link works once. If nothing arrives within a few minutes, check your spam folder or ask again.</p></div>
<p class="secondary-actions"><a href="/portal/${slug}/sign-in">Back to sign-in</a></p>`;

/** A magic link opened: a button, so a mail scanner's visit uses nothing. */
export function magicLinkMain(
  slug: string,
  token: string,
  who: { email: string },
  next: string,
  st: FormState,
) {
  return html`<h1>Sign in</h1>
<p>Sign in as <strong>${who.email}</strong>.</p>
${summary(st.errors, st.message)}
<form method="post" action="/portal/${slug}/link/${token}">
  ${preSessionField(st.csrf)}
  <input type="hidden" name="next" value="${next}">
  <button type="submit" class="primary">Sign in</button>
</form>`;
}

/** Choosing a password from a link: a reset, or an accepted invitation. */
export function choosePasswordMain(
  slug: string,
  kind: "reset" | "invitation",
  token: string,
  who: { name: string; email: string },
  st: FormState,
): Html {
  return html`<h1>${kind === "reset" ? "Choose a new password" : html`Welcome, ${bdi(who.name)}`}</h1>
<p>${kind === "reset" ? html`For <strong>${who.email}</strong>. Every other place you are signed in will be signed out.` : html`Choose a password to sign in to the support portal as <strong>${who.email}</strong>.`}</p>
${summary(st.errors, st.message)}
<form method="post" action="/portal/${slug}/${kind}/${token}" novalidate>
  ${preSessionField(st.csrf)}
  <input type="text" name="username" autocomplete="username" value="${who.email}" hidden>
  ${newPasswordField(st, kind === "reset" ? "New password" : "Password")}
  <button type="submit" class="primary">${kind === "reset" ? "Save and sign in" : "Accept and sign in"}</button>
</form>`;
}

export function registerMain(slug: string, values: { name?: string; email?: string }, st: FormState): Html {
  return html`<h1>Create an account</h1>
<p class="lede">See all your requests in one place. We will email you a link to confirm your address.</p>
${summary(st.errors, st.message)}
<form method="post" action="/portal/${slug}/register" novalidate>
  ${preSessionField(st.csrf)}
  <div class="field">
    <label for="name">Name</label>
    <input id="name" name="name" type="text" required autocomplete="name" value="${values.name ?? ""}"${describedBy(st.errors, "name")}>
    ${fieldErr(st.errors, "name")}
  </div>
  ${emailField(st, values.email, "email")}
  ${newPasswordField(st)}
  <button type="submit" class="primary">Create account</button>
</form>
<p class="secondary-actions">Have an account? <a href="/portal/${slug}/sign-in">Sign in</a></p>`;
}

export function verifyMain(slug: string, token: string, who: { email: string }, st: FormState): Html {
  return html`<h1>Confirm your email</h1>
<p>To finish creating your account for <strong>${who.email}</strong>, enter the password you chose.</p>
${summary(st.errors, st.message)}
<form method="post" action="/portal/${slug}/verify/${token}" novalidate>
  ${preSessionField(st.csrf)}
  <input type="text" name="username" autocomplete="username" value="${who.email}" hidden>
  <div class="field">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required autocomplete="current-password"${describedBy(st.errors, "password")}>
    ${fieldErr(st.errors, "password")}
  </div>
  <button type="submit" class="primary">Confirm and sign in</button>
</form>`;
}

export const linkGoneMain = (slug: string, message: string) =>
  html`<h1>This link does not work any more</h1><p>${message}</p>
<ul class="secondary-actions"><li><a href="/portal/${slug}/magic-link">Email me a new sign-in link</a></li><li><a href="/portal/${slug}/sign-in">Sign in</a></li></ul>`;

export const registrationClosedMain = (slug: string) =>
  html`<h1>Accounts are by invitation</h1><p>This portal is for customers the support team has invited. If you should have access, ask them to invite you.</p><p class="secondary-actions"><a href="/portal/${slug}/sign-in">Sign in</a></p>`;

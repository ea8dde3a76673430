import { PASSWORD_MIN } from "../../auth/passwords.ts";
import type { FieldErrors } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { describedBy, type Labels } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { customerErrorSummary, customerFieldError } from "../shared/customer.layout.ts";
import { preSessionField } from "../shared/pre-session.ts";

// The portal's ways in, as pages: sign-in, the emailed links (magic link, reset, invitation,
// confirming a new account), and registration. Every form carries the pre-session token.

/** The fields of the account forms, in the customer's words. */
export const labelsOf = (t: Translator): Labels => ({
  name: t.t("signin:field.name"),
  email: t.t("signin:field.email"),
  password: t.t("signin:field.password"),
  current: t.t("signin:field.current"),
  locale: t.t("account:preferences.language"),
  timeZone: t.t("account:preferences.timeZone"),
});

export const summary = (t: Translator, errors?: FieldErrors, message?: string) =>
  customerErrorSummary(
    t,
    errors,
    message ?? (errors ? t.t("signin:problems", { count: Object.keys(errors).length }) : undefined),
    labelsOf(t),
  );
export const fieldErr = (t: Translator, errors: FieldErrors | undefined, f: string) =>
  customerFieldError(t, errors, f, labelsOf(t));

export interface FormState {
  csrf: string;
  errors?: FieldErrors | undefined;
  message?: string | undefined;
  notice?: string | undefined;
}

const notice = (text?: string) => (text ? html`<p class="notice success" role="status">${text}</p>` : "");

const emailField = (t: Translator, st: FormState, value: string | undefined, autocomplete = "username") =>
  html`<div class="field">
    <label for="email">${t.t("signin:field.email")}</label>
    <input id="email" name="email" type="email" required autocomplete="${autocomplete}" value="${value ?? ""}"${describedBy(st.errors, "email")}>
    ${fieldErr(t, st.errors, "email")}
  </div>`;

const passwordField = (t: Translator, st: FormState) =>
  html`<div class="field">
    <label for="password">${t.t("signin:field.password")}</label>
    <input id="password" name="password" type="password" required autocomplete="current-password"${describedBy(st.errors, "password")}>
    ${fieldErr(t, st.errors, "password")}
  </div>`;

export const newPasswordField = (t: Translator, st: { errors?: FieldErrors | undefined }, label?: string) =>
  html`<div class="field">
    <label for="password">${label ?? t.t("signin:field.password")}</label>
    <p class="hint" id="password-hint">${t.t("signin:passwordHint", { min: PASSWORD_MIN })}</p>
    <input id="password" name="password" type="password" required autocomplete="new-password" minlength="${PASSWORD_MIN}"${describedBy(st.errors, "password", "password-hint")}>
    ${fieldErr(t, st.errors, "password")}
  </div>`;

export function signInMain(
  t: Translator,
  slug: string,
  values: { email?: string; next: string },
  st: FormState & { canRegister: boolean },
): Html {
  const next = values.next ? `?next=${encodeURIComponent(values.next)}` : "";
  return html`<h1>${t.t("signin:signIn.title")}</h1>
${notice(st.notice)}
${summary(t, st.errors, st.message)}
<form method="post" action="/portal/${slug}/sign-in" novalidate>
  ${preSessionField(st.csrf)}
  <input type="hidden" name="next" value="${values.next}">
  ${emailField(t, st, values.email)}
  ${passwordField(t, st)}
  <button type="submit" class="primary">${t.t("signin:signIn.button")}</button>
</form>
<ul class="secondary-actions">
  <li><a href="/portal/${slug}/magic-link${next}">${t.t("signin:magicLink.title")}</a></li>
  <li><a href="/portal/${slug}/forgot">${t.t("signin:signIn.forgot")}</a></li>
  ${st.canRegister ? html`<li><a href="/portal/${slug}/register">${t.t("signin:register.title")}</a></li>` : ""}
</ul>`;
}

/** Asking for a link by email: a sign-in link, or a reset. */
export function requestLinkMain(
  t: Translator,
  slug: string,
  kind: "magic-link" | "forgot",
  values: { email?: string; next?: string },
  st: FormState,
): Html {
  const key = kind === "magic-link" ? "magicLink" : "forgot";
  return html`<h1>${t.t(`signin:${key}.title`)}</h1>
<p class="lede">${t.t(`signin:${key}.lede`)}</p>
${summary(t, st.errors, st.message)}
<form method="post" action="/portal/${slug}/${kind}" novalidate>
  ${preSessionField(st.csrf)}
  ${kind === "magic-link" ? html`<input type="hidden" name="next" value="${values.next ?? ""}">` : ""}
  ${emailField(t, st, values.email, "email")}
  <button type="submit" class="primary">${t.t("signin:sendLink")}</button>
</form>
<p class="secondary-actions"><a href="/portal/${slug}/sign-in">${t.t("signin:backToSignIn")}</a></p>`;
}

export const checkEmailMain = (t: Translator, slug: string) =>
  html`<div class="confirmation" role="status"><h1>${t.t("signin:checkEmail.title")}</h1><p>${t.t("signin:checkEmail.sent")}</p><p>${t.t("signin:checkEmail.once")}</p></div>
<p class="secondary-actions"><a href="/portal/${slug}/sign-in">${t.t("signin:backToSignIn")}</a></p>`;

/** A magic link opened: a button, so a mail scanner's visit uses nothing. */
export function magicLinkMain(
  t: Translator,
  slug: string,
  token: string,
  who: { email: string },
  next: string,
  st: FormState,
) {
  return html`<h1>${t.t("signin:signIn.title")}</h1>
<p>${t.th("signin:magicLink.as", { email: who.email })}</p>
${summary(t, st.errors, st.message)}
<form method="post" action="/portal/${slug}/link/${token}">
  ${preSessionField(st.csrf)}
  <input type="hidden" name="next" value="${next}">
  <button type="submit" class="primary">${t.t("signin:signIn.button")}</button>
</form>`;
}

/** Choosing a password from a link: a reset, or an accepted invitation. */
export function choosePasswordMain(
  t: Translator,
  slug: string,
  kind: "reset" | "invitation",
  token: string,
  who: { name: string; email: string },
  st: FormState,
): Html {
  return html`<h1>${kind === "reset" ? t.t("signin:reset.title") : html`${t.t("signin:invitation.welcome")} ${bdi(who.name)}`}</h1>
<p>${kind === "reset" ? t.th("signin:reset.lede", { email: who.email }) : t.th("signin:invitation.lede", { email: who.email })}</p>
${summary(t, st.errors, st.message)}
<form method="post" action="/portal/${slug}/${kind}/${token}" novalidate>
  ${preSessionField(st.csrf)}
  <input type="text" name="username" autocomplete="username" value="${who.email}" hidden>
  ${newPasswordField(t, st, kind === "reset" ? t.t("signin:reset.newPassword") : undefined)}
  <button type="submit" class="primary">${kind === "reset" ? t.t("signin:reset.button") : t.t("signin:invitation.button")}</button>
</form>`;
}

export function registerMain(
  t: Translator,
  slug: string,
  values: { name?: string; email?: string },
  st: FormState,
): Html {
  return html`<h1>${t.t("signin:register.title")}</h1>
<p class="lede">${t.t("signin:register.lede")}</p>
${summary(t, st.errors, st.message)}
<form method="post" action="/portal/${slug}/register" novalidate>
  ${preSessionField(st.csrf)}
  <div class="field">
    <label for="name">${t.t("signin:field.name")}</label>
    <input id="name" name="name" type="text" required autocomplete="name" value="${values.name ?? ""}"${describedBy(st.errors, "name")}>
    ${fieldErr(t, st.errors, "name")}
  </div>
  ${emailField(t, st, values.email, "email")}
  ${newPasswordField(t, st)}
  <button type="submit" class="primary">${t.t("signin:register.button")}</button>
</form>
<p class="secondary-actions">${t.t("signin:register.haveAccount")} <a href="/portal/${slug}/sign-in">${t.t("signin:signIn.title")}</a></p>`;
}

export function verifyMain(
  t: Translator,
  slug: string,
  token: string,
  who: { email: string },
  st: FormState,
): Html {
  return html`<h1>${t.t("signin:verify.title")}</h1>
<p>${t.th("signin:verify.lede", { email: who.email })}</p>
${summary(t, st.errors, st.message)}
<form method="post" action="/portal/${slug}/verify/${token}" novalidate>
  ${preSessionField(st.csrf)}
  <input type="text" name="username" autocomplete="username" value="${who.email}" hidden>
  ${passwordField(t, st)}
  <button type="submit" class="primary">${t.t("signin:verify.button")}</button>
</form>`;
}

export const linkGoneMain = (t: Translator, slug: string) =>
  html`<h1>${t.t("signin:linkGone.title")}</h1><p>${t.t("signin:linkGone.text")}</p>
<ul class="secondary-actions"><li><a href="/portal/${slug}/magic-link">${t.t("signin:linkGone.newLink")}</a></li><li><a href="/portal/${slug}/sign-in">${t.t("signin:signIn.title")}</a></li></ul>`;

export const registrationClosedMain = (t: Translator, slug: string) =>
  html`<h1>${t.t("signin:closed.title")}</h1><p>${t.t("signin:closed.text")}</p><p class="secondary-actions"><a href="/portal/${slug}/sign-in">${t.t("signin:signIn.title")}</a></p>`;

import type { CustomerSessionView } from "../../auth/customer-sessions.ts";
import type { FieldErrors } from "../../errors.ts";
import { LOCALE_NAMES, LOCALES } from "../../i18n/locales.ts";
import { TIME_ZONES } from "../../i18n/time-zones.ts";
import type { Translator } from "../../i18n/translator.ts";
import { describedBy } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import type { Reader } from "./reader.ts";
import { fieldErr, newPasswordField, summary } from "./sign-in.views.ts";

// A signed-in customer's account page: their name, their language and time zone, their password,
// where they are signed in.

export interface AccountState {
  notice?: string | undefined;
  nameErrors?: FieldErrors | undefined;
  passwordErrors?: FieldErrors | undefined;
  preferenceErrors?: FieldErrors | undefined;
  message?: string | undefined;
}

export interface AccountMe {
  name: string;
  email: string;
  locale: string | null;
  timeZone: string | null;
}

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;
const selected = (on: boolean) => (on ? html` selected` : "");

function preferencesForm(
  slug: string,
  csrf: string,
  me: AccountMe,
  t: Translator,
  errors?: FieldErrors,
): Html {
  return html`<section aria-labelledby="preferences-title">
  <h2 id="preferences-title">${t.t("account:preferences.title")}</h2>
  ${summary(t, errors)}
  <form method="post" action="/portal/${slug}/account/preferences" novalidate>
    ${csrfField(csrf)}
    <div class="field">
      <label for="locale">${t.t("account:preferences.language")}</label>
      <select id="locale" name="locale"${describedBy(errors, "locale")}>
        <option value=""${selected(!me.locale)}>${t.t("account:preferences.browserLanguage")}</option>
        ${LOCALES.map((l) => html`<option value="${l}" lang="${l}"${selected(me.locale === l)}>${LOCALE_NAMES[l]}</option>`)}
      </select>
      ${fieldErr(t, errors, "locale")}
    </div>
    <div class="field">
      <label for="timeZone">${t.t("account:preferences.timeZone")}</label>
      <p class="hint" id="timeZone-hint">${t.t("account:preferences.timeZoneHint")}</p>
      <select id="timeZone" name="timeZone"${describedBy(errors, "timeZone", "timeZone-hint")}>
        <option value=""${selected(!me.timeZone)}>${t.t("account:preferences.browserZone")}</option>
        ${TIME_ZONES.map((z) => html`<option${selected(me.timeZone === z)}>${z}</option>`)}
      </select>
      ${fieldErr(t, errors, "timeZone")}
    </div>
    <button type="submit">${t.t("account:preferences.save")}</button>
  </form>
</section>`;
}

export function accountMain(
  slug: string,
  csrf: string,
  me: AccountMe,
  sessions: CustomerSessionView[],
  st: AccountState,
  t: Reader,
): Html {
  const others = sessions.filter((s) => !s.current);
  return html`<h1>${t.t("account:title")}</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${summary(t, undefined, st.message)}
<section aria-labelledby="profile-title">
  <h2 id="profile-title">${t.t("account:profile.title")}</h2>
  ${summary(t, st.nameErrors)}
  <form method="post" action="/portal/${slug}/account/name" novalidate>
    ${csrfField(csrf)}
    <div class="field">
      <label for="name">${t.t("account:profile.name")}</label>
      <input id="name" name="name" type="text" required autocomplete="name" value="${me.name}"${describedBy(st.nameErrors, "name")}>
      ${fieldErr(t, st.nameErrors, "name")}
    </div>
    <p class="meta">${t.th("account:profile.email", { email: me.email })}</p>
    <button type="submit">${t.t("account:profile.save")}</button>
  </form>
</section>
${preferencesForm(slug, csrf, me, t, st.preferenceErrors)}
<section aria-labelledby="password-title">
  <h2 id="password-title">${t.t("account:password.title")}</h2>
  ${summary(t, st.passwordErrors)}
  <form method="post" action="/portal/${slug}/account/password" novalidate>
    ${csrfField(csrf)}
    <input type="text" name="username" autocomplete="username" value="${me.email}" hidden>
    <div class="field">
      <label for="current">${t.t("account:password.current")}</label>
      <p class="hint" id="current-hint">${t.t("account:password.currentHint")}</p>
      <input id="current" name="current" type="password" autocomplete="current-password"${describedBy(st.passwordErrors, "current", "current-hint")}>
      ${fieldErr(t, st.passwordErrors, "current")}
    </div>
    ${newPasswordField(t, { errors: st.passwordErrors }, t.t("account:password.new"))}
    <button type="submit">${t.t("account:password.save")}</button>
  </form>
</section>
<section aria-labelledby="sessions-title">
  <h2 id="sessions-title">${t.t("account:sessions.title")}</h2>
  <ul class="sessions">${sessions.map(
    (s) =>
      html`<li>${s.current ? html`<strong>${t.t("account:sessions.thisBrowser")}</strong>` : t.t("account:sessions.other")} · ${t.t("account:sessions.signedIn")} ${t.when(s.createdAt)} · ${t.t("account:sessions.lastSeen")} ${t.when(s.lastSeenAt)}
    ${
      s.current
        ? ""
        : html`<form method="post" action="/portal/${slug}/account/sessions/${s.id}/revoke" class="inline">${csrfField(csrf)}<button type="submit">${t.th("account:sessions.revoke")}</button></form>`
    }</li>`,
  )}</ul>
  ${
    others.length
      ? html`<form method="post" action="/portal/${slug}/account/sessions/sign-out-others" class="inline">${csrfField(csrf)}<button type="submit">${t.t("account:sessions.signOutOthers")}</button></form>`
      : ""
  }
</section>
<section aria-labelledby="sign-out-title">
  <h2 id="sign-out-title">${t.t("account:signOut.title")}</h2>
  <form method="post" action="/portal/${slug}/sign-out" class="inline">${csrfField(csrf)}<button type="submit" class="primary">${t.t("account:signOut.button")}</button></form>
</section>`;
}

/** A signed-in form sent with a stale token: nothing changed, try again. */
export const expiredFormMain = (t: Translator): Html =>
  html`<h1>${t.t("account:expired.heading")}</h1><p>${t.t("account:expired.text")}</p>`;

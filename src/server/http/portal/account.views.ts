import type { CustomerSessionView } from "../../auth/customer-sessions.ts";
import type { FieldErrors } from "../../errors.ts";
import { describedBy, when } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { fieldErr, newPasswordField, summary } from "./sign-in.views.ts";

// A signed-in customer's account page: their name, their password, where they are signed in.

export interface AccountState {
  notice?: string | undefined;
  nameErrors?: FieldErrors | undefined;
  passwordErrors?: FieldErrors | undefined;
  message?: string | undefined;
}

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;

export function accountMain(
  slug: string,
  csrf: string,
  me: { name: string; email: string },
  sessions: CustomerSessionView[],
  st: AccountState,
): Html {
  const others = sessions.filter((s) => !s.current);
  return html`<h1>Your account</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${summary(undefined, st.message)}
<section aria-labelledby="profile-title">
  <h2 id="profile-title">Profile</h2>
  ${summary(st.nameErrors)}
  <form method="post" action="/portal/${slug}/account/name" novalidate>
    ${csrfField(csrf)}
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" type="text" required autocomplete="name" value="${me.name}"${describedBy(st.nameErrors, "name")}>
      ${fieldErr(st.nameErrors, "name")}
    </div>
    <p class="meta">Email: <strong>${me.email}</strong></p>
    <button type="submit">Save name</button>
  </form>
</section>
<section aria-labelledby="password-title">
  <h2 id="password-title">Password</h2>
  ${summary(st.passwordErrors)}
  <form method="post" action="/portal/${slug}/account/password" novalidate>
    ${csrfField(csrf)}
    <input type="text" name="username" autocomplete="username" value="${me.email}" hidden>
    <div class="field">
      <label for="current">Current password</label>
      <p class="hint" id="current-hint">Leave empty if you have never set one.</p>
      <input id="current" name="current" type="password" autocomplete="current-password"${describedBy(st.passwordErrors, "current", "current-hint")}>
      ${fieldErr(st.passwordErrors, "current")}
    </div>
    ${newPasswordField({ errors: st.passwordErrors }, "New password")}
    <button type="submit">Change password</button>
  </form>
</section>
<section aria-labelledby="sessions-title">
  <h2 id="sessions-title">Where you are signed in</h2>
  <ul class="sessions">${sessions.map(
    (
      s,
    ) => html`<li>${s.current ? html`<strong>This browser</strong>` : "Another browser or device"} · signed in ${when(s.createdAt)} · last seen ${when(s.lastSeenAt)}
    ${
      s.current
        ? ""
        : html`<form method="post" action="/portal/${slug}/account/sessions/${s.id}/revoke" class="inline">${csrfField(csrf)}<button type="submit">Sign out<span class="visually-hidden"> that session</span></button></form>`
    }</li>`,
  )}</ul>
  ${
    others.length
      ? html`<form method="post" action="/portal/${slug}/account/sessions/sign-out-others" class="inline">${csrfField(csrf)}<button type="submit">Sign out everywhere else</button></form>`
      : ""
  }
</section>
<section aria-labelledby="sign-out-title">
  <h2 id="sign-out-title">Sign out</h2>
  <form method="post" action="/portal/${slug}/sign-out" class="inline">${csrfField(csrf)}<button type="submit" class="primary">Sign out of this browser</button></form>
</section>`;
}

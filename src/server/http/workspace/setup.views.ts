import type { FieldErrors } from "../../errors.ts";
import { describedBy, errorSummary, fieldError } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { preSessionField } from "../shared/pre-session.ts";

// First run: the workspace and its first admin, in one form.

export interface SetupValues {
  name?: string;
  slug?: string;
  "admin.name"?: string;
  "admin.email"?: string;
}

/** The form's fields, top to bottom, by their labels: the error summary lists problems in this order. */
const LABELS: Record<string, string> = {
  name: "Company or team name",
  slug: "Portal address",
  "admin.name": "Your name",
  "admin.email": "Your email",
  "admin.password": "Password",
};
const FIELD_ORDER = Object.keys(LABELS);

export function inFormOrder(errors: FieldErrors): FieldErrors {
  const rank = (f: string) => (FIELD_ORDER.includes(f) ? FIELD_ORDER.indexOf(f) : FIELD_ORDER.length);
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
}

export function setupForm(csrf: string, values: SetupValues, errors?: FieldErrors, message?: string): Html {
  const input = (field: keyof SetupValues | "admin.password", attrs: Html, hint?: string) => {
    const id = field.replace(".", "-");
    return html`<div class="field">
    <label for="${id}">${LABELS[field]}</label>
    ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ""}
    <input id="${id}" name="${field}" ${attrs} value="${field === "admin.password" ? "" : (values[field] ?? "")}"${describedBy(errors, field, ...(hint ? [`${id}-hint`] : []))}>
    ${fieldError(LABELS, errors, field)}
  </div>`;
  };
  return html`<h1>Set up Portico</h1>
<p class="lede">Create your workspace and your own admin account. You can add agents and brand the portal next.</p>
${errorSummary(LABELS, errors, message)}
<form method="post" action="/setup" novalidate class="card">
  ${preSessionField(csrf)}
  <fieldset>
    <legend>Your workspace</legend>
    ${input("name", html`type="text" required autocomplete="organization" maxlength="120"`)}
    ${input("slug", html`type="text" required pattern="[a-z0-9-]{1,40}" maxlength="40" autocapitalize="none" spellcheck="false"`, "Lowercase letters, digits and hyphens: your customers' portal lives at /portal/this-name.")}
  </fieldset>
  <fieldset>
    <legend>Your admin account</legend>
    ${input("admin.name", html`type="text" required autocomplete="name" maxlength="120"`)}
    ${input("admin.email", html`type="email" required autocomplete="email"`)}
    ${input("admin.password", html`type="password" required autocomplete="new-password" minlength="10"`, "At least 10 characters, and not a common password.")}
  </fieldset>
  <button type="submit" class="primary">Create workspace</button>
</form>`;
}

export const notFoundMain = html`<h1>Page not found</h1><p><a href="/app">Go to the app</a></p>`;

import { MAX_FILES_SUBMIT } from "../../../shared/files.ts";
import { DEFAULT_TICKET_TYPE, DESCRIPTION_MAX, TICKET_TYPES } from "../../../shared/tickets.ts";
import { newToken } from "../../auth/tokens.ts";
import type { FieldErrors } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { fileField } from "../../web/attachments.ts";
import { describedBy } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import {
  customerErrorSummary as errorSummary,
  customerFieldError as fieldError,
  portalLayout,
} from "../shared/customer.layout.ts";
import { workspaceTranslator } from "../shared/locale.ts";

// The submit form (also framed on customers' own sites) and its confirmation. portal.js adds the
// live character count, inline checks before sending and the suggested articles.

export interface FormValues {
  name?: string;
  email?: string;
  subject?: string;
  description?: string;
  type?: string;
}

/** A signed-in customer, who submits as themselves: no name or email to type. */
export interface SignedInAs {
  name: string;
  email: string;
  csrf: string;
}

/** Name and email for a visitor; for a signed-in customer, who they submit as. */
function whoFields(
  t: Translator,
  errors: FieldErrors | undefined,
  values: FormValues,
  as: SignedInAs | undefined,
): Html {
  if (as) {
    return html`<input type="hidden" name="_csrf" value="${as.csrf}">
  <p class="submitting-as">${t.t("submit:submittingAs")} ${bdi(as.name)} <span class="meta">${as.email}</span></p>`;
  }
  return html`<div class="field">
    <label for="name">${t.t("submit:name")}</label>
    <input id="name" name="name" type="text" autocomplete="name" required value="${values.name ?? ""}"${describedBy(errors, "name")}>
    ${fieldError(t, errors, "name")}
  </div>
  <div class="field">
    <label for="email">${t.t("submit:email")}</label>
    <p class="hint" id="email-hint">${t.t("submit:emailHint")}</p>
    <input id="email" name="email" type="email" autocomplete="email" required value="${values.email ?? ""}"${describedBy(errors, "email", "email-hint")}>
    ${fieldError(t, errors, "email")}
  </div>`;
}

export const newFormIds = (): FormIds => ({ key: newToken(16), visit: newToken(16) });

/** A request type's name in the reader's language (the stored value stays the English one). */
export const typeLabel = (t: Translator, type: string) =>
  (TICKET_TYPES as readonly string[]).includes(type) ? t.t(`submit:types.${type}`) : type;

/** The form's one-time values: its idempotency key and the KB visit's id. */
export interface FormIds {
  key: string;
  visit: string;
}

export function submitForm(
  ws: Workspace,
  t: Translator,
  values: FormValues,
  errors?: FieldErrors,
  message?: string,
  embedded = false,
  as?: SignedInAs,
  extraFields: Html = html``,
  ids: FormIds = newFormIds(),
): Html {
  const description = values.description ?? "";
  const count = [...description].length;
  const target = embedded ? html` target="_blank" rel="noopener"` : html``;
  const number = new Intl.NumberFormat(t.locale);
  const optional = html`<span class="optional">${t.t("submit:optional")}</span>`;
  return html`<h1>${t.t("submit:title")}</h1>
<p class="lede">${t.t("submit:lede")}</p>
${errorSummary(t, errors, message)}
<form method="post" action="/portal/${ws.slug}/submit" novalidate data-portal-form data-once>
  <input type="hidden" name="idempotency_key" value="${ids.key}">
  <input type="hidden" name="kb_visit_id" value="${ids.visit}" data-kb-visit>
  ${whoFields(t, errors, values, as)}
  <div class="field">
    <label for="subject">${t.t("submit:subject")}</label>
    <input id="subject" name="subject" type="text" required value="${values.subject ?? ""}" data-max="200"${describedBy(errors, "subject")}>
    ${fieldError(t, errors, "subject")}
  </div>
  ${
    as
      ? html`<div class="similar" id="similar" role="region" aria-label="${t.t("submit:similar")}" aria-live="polite" data-similar="/api/portal/${ws.slug}/similar" data-requests="/portal/${ws.slug}/requests/"></div>`
      : ""
  }
  <div class="kb-suggest" id="kb-suggest" role="region" aria-label="${t.t("submit:suggestions")}" aria-live="polite" data-suggest="/api/public/portals/${ws.slug}/kb/suggestions" data-events="/api/public/portals/${ws.slug}/kb/events"></div>
  <div class="field">
    <label for="description">${t.t("submit:description")} ${optional}</label>
    <textarea id="description" name="description" rows="7" data-max="${DESCRIPTION_MAX}" data-count="description-count"${describedBy(errors, "description", "description-count")}>${description}</textarea>
    <p class="count${count > DESCRIPTION_MAX ? " over" : ""}" id="description-count">${t.t("submit:count", { count: number.format(count), max: number.format(DESCRIPTION_MAX) })}</p>
    ${fieldError(t, errors, "description")}
  </div>
  <div class="field">
    <label for="type">${t.t("submit:type")} ${optional}</label>
    <select id="type" name="type"${describedBy(errors, "type")}>
      ${TICKET_TYPES.map((type) => html`<option value="${type}"${(values.type ?? DEFAULT_TICKET_TYPE) === type ? html` selected` : ""}>${typeLabel(t, type)}</option>`)}
    </select>
    ${fieldError(t, errors, "type")}
  </div>
  ${extraFields}
  ${fileField({ uploadUrl: `/api/public/upload?portal=${ws.slug}`, maxFiles: MAX_FILES_SUBMIT, t })}
  ${fieldError(t, errors, "attachments")}
  <button type="submit" class="primary">${t.t("submit:send")}</button>
</form>
<p class="secondary-actions"><a href="/portal/${ws.slug}/kb"${target}>${t.t("submit:browse")}</a>${
    as ? "" : html` · <a href="/portal/${ws.slug}/lost-link"${target}>${t.t("submit:lostLink")}</a>`
  }</p>`;
}

/** Who a next request is from, kept from the last one: never in an address, only posted back. */
export interface Sender {
  name: string;
  email?: string;
}

/**
 * "Submit another": a form posting the sender back to /submit/another, which answers the submit
 * form filled in with them. Name and email stay out of the address (and so out of logs and
 * history) and nothing is stored: the page that shows the button already holds them.
 */
export function submitAnother(ws: Workspace, who: Sender | undefined, label: string, primary: boolean): Html {
  const cls = `button${primary ? " primary" : ""}`;
  if (!who) return html`<a class="${cls}" href="/portal/${ws.slug}/submit">${label}</a>`;
  return html`<form method="post" action="/portal/${ws.slug}/submit/another" class="inline-form">
    <input type="hidden" name="name" value="${who.name}">
    ${who.email ? html`<input type="hidden" name="email" value="${who.email}">` : ""}
    <button type="submit" class="${cls}">${label}</button>
  </form>`;
}

/**
 * After a submission: the reference and the way to the tracking page. A repeated submission (a
 * double click) is answered without a link: the one in the acknowledgement email opens it.
 */
export function receivedMain(
  ws: Workspace,
  t: Translator,
  result: { reference: string; trackingUrl: string | null },
  embedded: boolean,
  who?: Sender,
): Html {
  const target = embedded ? html` target="_blank" rel="noopener"` : html``;
  return html`<div class="confirmation" role="status" data-kb-visit-done>
  <h1>${t.t("submit:received.title")}</h1>
  <p>${t.t("submit:received.reference")}</p>
  <p class="big-reference">${result.reference}</p>
  <p>${result.trackingUrl ? t.t("submit:received.keepLink") : t.t("submit:received.linkSent")}</p>
</div>
<div class="actions">
  ${result.trackingUrl ? html`<a class="button primary" href="${result.trackingUrl}"${target}>${t.t("submit:received.track")}</a>` : ""}
  ${submitAnother(ws, who, t.t("submit:received.another"), !result.trackingUrl)}
</div>`;
}

/**
 * The submit page as the customer would see it with the given branding, for the settings
 * preview (framed in a sandbox that neither runs scripts nor submits forms).
 */
export function portalPreview(ws: Workspace, nonce: string): Html {
  const t = workspaceTranslator(ws);
  return portalLayout({
    ws,
    t,
    nonce,
    title: t.t("submit:preview"),
    main: submitForm(ws, t, {}),
    preview: true,
  });
}

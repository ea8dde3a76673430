import type { Translator } from "../../i18n/translator.ts";
import type { BannerIncident } from "../../incidents/incident.schemas.ts";
import { when } from "../../web/forms.ts";
import { type Html, html, multiline } from "../../web/html.ts";

// The portal's incident banner, on every customer page for the customers an open incident
// concerns: its status, the team's message, the products it affects, and "This affects me too"
// (a plain form) for a reader we know; a visitor reads it without the button.

export interface AffectsMeForm {
  /** Where the form posts, {id} filled in with the incident's id. */
  action: (id: string) => string;
  /** A signed-in customer's CSRF token (none for a token holder, whose link is the proof). */
  csrf: string | null;
  /** The page to come back to. */
  back: string;
}

function one(i: BannerIncident, t: Translator, form: AffectsMeForm | null): Html {
  const hint = `incident-hint-${i.id}`;
  return html`<section class="incident-banner incident-${i.status}" id="incident-${i.id}" aria-labelledby="incident-state-${i.id}">
  <p class="incident-head"><span class="incident-label" id="incident-state-${i.id}">${t.t("incidents:banner.label")}: <strong>${t.t(`incidents:banner.status.${i.status}`)}</strong></span>${
    i.products.length
      ? html` <span class="incident-products">${t.t("incidents:banner.products", { products: i.products.join(", ") })}</span>`
      : ""
  }</p>
  <p class="incident-message">${multiline(i.message)}</p>
  <p class="incident-meta">${t.t("incidents:banner.updated")} ${when(i.updatedAt, t.locale)}</p>
  ${
    i.joined
      ? html`<p class="incident-joined" role="status">${t.t("incidents:banner.joined")}</p>`
      : form
        ? html`<form method="post" action="${form.action(i.id)}" class="incident-form">
    ${form.csrf ? html`<input type="hidden" name="_csrf" value="${form.csrf}">` : ""}
    <input type="hidden" name="back" value="${form.back}">
    <button type="submit" aria-describedby="${hint}">${t.t("incidents:banner.affectsMe")}</button>
    <span class="incident-hint" id="${hint}">${t.t("incidents:banner.affectsMeHint")}</span>
  </form>`
        : ""
  }
</section>`;
}

export function incidentBanners(
  incidents: BannerIncident[],
  t: Translator,
  form: AffectsMeForm | null,
): Html {
  return html`${incidents.map((i) => one(i, t, form))}`;
}

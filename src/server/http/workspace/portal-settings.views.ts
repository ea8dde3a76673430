import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import { LOCALE_NAMES, LOCALES, type Locale } from "../../i18n/locales.ts";
import { TIME_ZONES } from "../../i18n/time-zones.ts";
import { translatorFor } from "../../i18n/translator.ts";
import { describedBy, errorSummary, fieldError, fieldId } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { type PortalBasics, TICKET_WORD_MAX, TICKET_WORD_PRESETS } from "../../workspaces/portal-basics.ts";
import { GENDERS, NAV_LABEL_MAX, NAV_PAGES, type NavPage } from "../../workspaces/portal-settings.ts";
import { csrfField } from "./layout.ts";

// Settings → Portal (/app/settings/portal): the portal on or off, its language and time zone,
// the navigation, the word for "ticket" per language; beside them the preview of the whole portal
// (home, an article, the submit form, a request) at phone or desktop width, light or dark, which
// app.js points at the form's unsaved values as the admin types and which shows what is saved
// without JavaScript.

/** The form as typed: strings, kept to show it again with its errors. */
export interface PortalFormValues {
  portalEnabled: boolean;
  defaultLocale: string;
  timeZone: string;
  nav: Record<NavPage, { show: boolean; label: string }>;
  words: Record<Locale, { one: string; other: string; gender: string }>;
}

export const PAGE_NAMES: Record<NavPage, string> = {
  home: "Home",
  requests: "Requests",
  kb: "Help articles",
  submit: "New request",
};
const LANGUAGE_NAMES: Record<Locale, string> = { en: "English", de: "German", fr: "French" };
const GENDER_NAMES = { female: "Feminine", male: "Masculine", neuter: "Neuter" } as const;
const WORD_PARTS = { one: "singular", other: "plural", gender: "gender" } as const;

/** Every field's name in the error summary and beside the field. */
export const PORTAL_FIELD_LABELS: Record<string, string> = {
  portalEnabled: "Portal",
  defaultLocale: "Default language",
  timeZone: "Time zone",
  ...Object.fromEntries(
    NAV_PAGES.flatMap((p) => [
      [`nav.${p}.label`, `${PAGE_NAMES[p]}: label`],
      [`nav.${p}.show`, `${PAGE_NAMES[p]}: shown`],
    ]),
  ),
  ...Object.fromEntries(
    LOCALES.flatMap((l) =>
      Object.entries(WORD_PARTS).map(([k, part]) => [
        `ticketWords.${l}.${k}`,
        `${LANGUAGE_NAMES[l]} ${part}`,
      ]),
    ),
  ),
};

export function portalFormValuesOf(b: PortalBasics): PortalFormValues {
  return {
    portalEnabled: b.portalEnabled,
    defaultLocale: b.defaultLocale,
    timeZone: b.timeZone,
    nav: Object.fromEntries(
      NAV_PAGES.map((p) => [p, { show: b.nav[p].show, label: b.nav[p].label ?? "" }]),
    ) as PortalFormValues["nav"],
    words: Object.fromEntries(
      LOCALES.map((l) => {
        const w = b.ticketWords[l];
        return [l, { one: w?.one ?? "", other: w?.other ?? "", gender: w?.gender ?? "" }];
      }),
    ) as PortalFormValues["words"],
  };
}

/** The preview's own choices: which width and palette, as the page's query says. */
export interface PreviewChoice {
  width: "phone" | "desktop";
  scheme: "light" | "dark";
}

export const PREVIEW_PAGES = [
  ["home", "Home"],
  ["article", "A help article"],
  ["submit", "The submit form"],
  ["request", "A request"],
] as const;

const field = (
  errors: FieldErrors | undefined,
  name: string,
  label: Html | string,
  control: Html,
  hint = "",
) =>
  html`<div class="field">
  <label for="${fieldId(name)}">${label}</label>
  ${hint ? html`<p class="hint" id="${fieldId(name)}-hint">${hint}</p>` : ""}
  ${control}
  ${fieldError(PORTAL_FIELD_LABELS, errors, name)}
</div>`;

function navFieldset(v: PortalFormValues, errors: FieldErrors | undefined, dis: Html): Html {
  const locale: Locale = (LOCALES as readonly string[]).includes(v.defaultLocale)
    ? (v.defaultLocale as Locale)
    : "en";
  const own = translatorFor(locale);
  const defaults: Record<NavPage, string> = {
    home: own.t("common:nav.home"),
    requests: own.t("common:nav.requests"),
    kb: own.t("common:nav.kb"),
    submit: own.t("common:nav.submit"),
  };
  return html`<fieldset class="portal-nav-settings">
  <legend>Navigation</legend>
  <p class="hint">Every customer page shows these in its header. A label you write here shows on pages in the portal’s default language (${LANGUAGE_NAMES[locale]}); pages in the other languages, and a blank label, use the wording shown in the field, translated. Hidden help articles also stop answering customers; the other pages stay reachable from emails and links.</p>
  ${NAV_PAGES.map((p) => {
    const label = `nav.${p}.label`;
    return html`<div class="nav-setting">
    <div class="check"><input type="checkbox" id="${fieldId(`nav.${p}.show`)}" name="nav.${p}.show" value="true"${v.nav[p].show ? html` checked` : ""}${dis}><label for="${fieldId(`nav.${p}.show`)}">Show ${PAGE_NAMES[p]}</label></div>
    ${field(
      errors,
      label,
      `${PAGE_NAMES[p]}: label`,
      html`<input type="text" id="${fieldId(label)}" name="${label}" value="${v.nav[p].label}" maxlength="${NAV_LABEL_MAX}" placeholder="${defaults[p]}"${dis}${describedBy(errors, label)}>`,
    )}
  </div>`;
  })}
</fieldset>`;
}

function wordsFieldset(v: PortalFormValues, errors: FieldErrors | undefined, dis: Html): Html {
  return html`<fieldset class="portal-words">
  <legend>The word for “ticket”</legend>
  <p class="hint">What customers read on every page and in every email. Leave a language blank for its usual word (Request, Anfrage, Demande). German and French words need their gender, so the words around them agree.</p>
  ${LOCALES.map((l) => {
    const w = v.words[l];
    const name = (k: string) => `ticketWords.${l}.${k}`;
    const presets = TICKET_WORD_PRESETS[l];
    return html`<div class="word-setting" data-word-locale="${l}">
    <h3>${LANGUAGE_NAMES[l]}</h3>
    <datalist id="presets-${l}">${presets.map((p) => html`<option value="${p.one}" data-other="${p.other}" data-gender="${p.gender ?? ""}"></option>`)}</datalist>
    <p class="hint" id="presets-${l}-hint">Suggestions: ${presets.map((p, i) => html`${i ? ", " : ""}${p.one}`)}.</p>
    <div class="word-row">
    ${field(
      errors,
      name("one"),
      "Singular",
      html`<input type="text" id="${fieldId(name("one"))}" name="${name("one")}" value="${w.one}" list="presets-${l}" maxlength="${TICKET_WORD_MAX}" data-word-one${dis}${describedBy(errors, name("one"), `presets-${l}-hint`)}>`,
    )}
    ${field(
      errors,
      name("other"),
      "Plural",
      html`<input type="text" id="${fieldId(name("other"))}" name="${name("other")}" value="${w.other}" maxlength="${TICKET_WORD_MAX}" data-word-other${dis}${describedBy(errors, name("other"))}>`,
    )}
    ${
      l === "en"
        ? ""
        : field(
            errors,
            name("gender"),
            "Gender",
            html`<select id="${fieldId(name("gender"))}" name="${name("gender")}" data-word-gender${dis}${describedBy(errors, name("gender"))}>
  <option value="">Choose…</option>
  ${GENDERS.map((g) => html`<option value="${g}"${w.gender === g ? html` selected` : ""}>${GENDER_NAMES[g]}</option>`)}
</select>`,
          )
    }
    </div>
  </div>`;
  })}
</fieldset>`;
}

function previewSection(choice: PreviewChoice): Html {
  const q = (c: Partial<PreviewChoice>) => {
    const next = { ...choice, ...c };
    return `?width=${next.width}&scheme=${next.scheme}#preview`;
  };
  const toggle = (label: string, href: string, on: boolean) =>
    html`<a class="button${on ? " primary" : ""}" href="${href}"${on ? html` aria-current="true"` : ""}>${label}</a>`;
  return html`<section class="card portal-preview" aria-labelledby="preview-title" id="preview" data-preview-width="${choice.width}" data-preview-scheme="${choice.scheme}">
  <h2 id="preview-title">Preview</h2>
  <p class="hint" id="portal-preview-hint">The whole portal with sample content, no customer's data. It follows the form as you type; without JavaScript it shows what is saved.</p>
  <div class="preview-toggles">
    <span role="group" aria-label="Width">${toggle("Phone (375 px)", q({ width: "phone" }), choice.width === "phone")} ${toggle("Desktop (1280 px)", q({ width: "desktop" }), choice.width === "desktop")}</span>
    <span role="group" aria-label="Colours">${toggle("Light", q({ scheme: "light" }), choice.scheme === "light")} ${toggle("Dark", q({ scheme: "dark" }), choice.scheme === "dark")}</span>
  </div>
  <div class="preview-frames">
  ${PREVIEW_PAGES.map(
    ([page, title]) => html`<figure class="preview-frame">
    <figcaption id="preview-${page}">${title}</figcaption>
    <div class="preview-scroll" tabindex="0" role="region" aria-labelledby="preview-${page}"><iframe src="/app/settings/portal/preview?page=${page}&amp;scheme=${choice.scheme}" width="${choice.width === "phone" ? 375 : 1280}" height="640" title="Portal preview: ${title}" aria-describedby="portal-preview-hint" sandbox="allow-same-origin" loading="lazy" data-portal-preview="${page}"></iframe></div>
  </figure>`,
  )}
  </div>
</section>`;
}

export interface PortalSettingsState {
  values?: PortalFormValues;
  errors?: FieldErrors;
  notice?: string;
}

export function portalSettingsMain(
  req: FastifyRequest,
  saved: PortalBasics,
  isAdmin: boolean,
  choice: PreviewChoice,
  st: PortalSettingsState = {},
): Html {
  const v = st.values ?? portalFormValuesOf(saved);
  const errors = st.errors;
  const dis = isAdmin ? html`` : html` disabled`;
  return html`<h1>Portal settings</h1>
<nav class="toc" aria-label="Settings sections"><a href="/app/settings">All settings</a> <a href="/app/settings#branding">Branding</a> <a href="#preview">Preview</a></nav>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${isAdmin ? "" : html`<p class="hint">Only admins change the portal's settings.</p>`}
<div class="portal-settings">
<section class="card" aria-labelledby="portal-title">
<h2 id="portal-title">The portal</h2>
<form method="post" action="/app/settings/portal" novalidate data-portal-preview-form>
  ${csrfField(req)}
  ${errorSummary(PORTAL_FIELD_LABELS, errors)}
  <div class="field check">
    <input type="checkbox" id="portalEnabled" name="portalEnabled" value="true"${v.portalEnabled ? html` checked` : ""}${dis} aria-describedby="portalEnabled-hint">
    <label for="portalEnabled">Customers can use the portal</label>
    <p class="hint" id="portalEnabled-hint">Off: every customer page shows that the portal is closed, with your support email; tracking links too. Agents and incoming email work as before.</p>
  </div>
  ${field(
    errors,
    "defaultLocale",
    "Default language",
    html`<select id="defaultLocale" name="defaultLocale"${dis}${describedBy(errors, "defaultLocale", "defaultLocale-hint")}>${LOCALES.map(
      (l) =>
        html`<option value="${l}"${v.defaultLocale === l ? html` selected` : ""}>${LOCALE_NAMES[l]}</option>`,
    )}</select>`,
    "For customers whose browser asks for none of the portal's languages and who chose none.",
  )}
  ${field(
    errors,
    "timeZone",
    "Time zone",
    html`<select id="timeZone" name="timeZone"${dis}${describedBy(errors, "timeZone", "timeZone-hint")}>${(
      TIME_ZONES.includes(v.timeZone) ? TIME_ZONES : [v.timeZone, ...TIME_ZONES]
    ).map((z) => html`<option${v.timeZone === z ? html` selected` : ""}>${z}</option>`)}</select>`,
    "The workspace's zone: business hours, reports and scheduled emails (also under Surveys).",
  )}
  ${navFieldset(v, errors, dis)}
  ${wordsFieldset(v, errors, dis)}
  ${isAdmin ? html`<button type="submit" class="primary">Save portal settings</button>` : ""}
</form>
</section>
${previewSection(choice)}
</div>`;
}

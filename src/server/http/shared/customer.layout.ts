import type { FastifyReply } from "fastify";
import { readableOn, readablePair } from "../../../shared/color.ts";
import { TICKET_STATUSES } from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import { DEFAULT_LOCALE, isLocale, LOCALE_NAMES, LOCALES } from "../../i18n/locales.ts";
import type { Translator, Vars } from "../../i18n/translator.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import { PORTAL_SCOPE_CLASS } from "../../lib/css-sanitize.ts";
import { assetUrl } from "../../web/assets.ts";
import { fieldId, type Labels } from "../../web/forms.ts";
import { type Html, html, unsafeRaw } from "../../web/html.ts";
import { fontStackOf } from "../../workspaces/brand-fonts.ts";
import { type NavPage, navOf } from "../../workspaces/portal-settings.ts";
import {
  brandImagesOf,
  brandImageUrl,
  brandingOf,
  type Workspace,
} from "../../workspaces/workspace.branding.ts";
import { sendHtml } from "./html-response.ts";

// The frame of every page a customer sees, in the workspace's branding, with the same header and
// navigation everywhere: the home, the submit form, the token pages and the knowledge base
// (public/), the signed-in portal (portal/), and the agents' previews.
// portal.css and portal.js are the customers' own files; nothing of the agents' app is sent.

const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  email: "Email",
  subject: "Subject",
  description: "Description",
  type: "Type",
  body: "Your reply",
  attachments: "Files",
};

/** A field's name in the customers' words (and language, given their translator). */
export const customerFieldLabel = (field: string, t?: Translator) =>
  t && field in FIELD_LABELS ? t.t(`errors:field.${field}`) : (FIELD_LABELS[field] ?? field);

// The messages the server's checks produce (http/shared/validation.ts, the services), each with
// its sentence in the errors namespace; one it does not know keeps its English words.
const MESSAGES: [RegExp, string, (m: RegExpExecArray) => Vars][] = [
  [/^is required$/, "required", () => ({})],
  [/^must not be empty$/, "notEmpty", () => ({})],
  [/^must be at most (\d+) characters$/, "maxLength", (m) => ({ limit: Number(m[1]) })],
  [/^must be at least (\d+) characters$/, "minLength", (m) => ({ limit: Number(m[1]) })],
  [/^must be a valid email address$/, "email", () => ({})],
  [/^must not be blank or contain control characters$/, "blank", () => ({})],
  [/^must not contain control characters$/, "control", () => ({})],
  [/^must be one of: (.*)$/, "oneOf", (m) => ({ values: m[1] })],
  [/^must have at most (\d+) items$/, "maxItems", (m) => ({ limit: Number(m[1]) })],
  [/^is not valid$/, "invalid", () => ({})],
  [/^file (\d+) was not found, has expired or is already attached$/, "fileGone", (m) => ({ number: m[1] })],
];

/** A field's error as one sentence in the reader's language: "Email must be a valid email address". */
export function customerErrorText(t: Translator, field: string, message: string, labels?: Labels): string {
  const label = labels?.[field] ?? customerFieldLabel(field, t);
  for (const [re, key, vars] of MESSAGES) {
    const m = re.exec(message);
    if (m) return t.t(`errors:message.${key}`, { label, ...vars(m) });
  }
  return t.t("errors:message.unknown", { label, message });
}

/**
 * The server's errors a customer may meet, by their stable code, each with its sentence
 * (errors:code.*); one whose words name the file at fault (too_many_files,
 * document_too_large…) keeps them until the code carries those details.
 */
const CODED_ERRORS = new Set([
  "rate_limited",
  "form_too_large",
  "invalid_form",
  "form_required",
  "already_submitted",
]);

/** An error the server refused with, in the reader's language by its code; else the server's words. */
export const customerErrorMessage = (t: Translator, err: { code: string; message: string }): string =>
  customerSaid(t, codedErrorKey(err) ?? err.message);

/**
 * The catalogue key of an error's sentence (errors:code.*), else its server's words: for a page
 * whose translator comes later (customer-page.ts), to be said there with `customerSaid`.
 */
export const codedErrorKey = (err: { code: string; message: string }): string | undefined =>
  CODED_ERRORS.has(err.code) ? `errors:code.${err.code}` : undefined;

/** A message kept as a key of errors:code.* said in the reader's words; any other text as it is. */
export const customerSaid = (t: Translator, m: string): string => (m.startsWith("errors:code.") ? t.t(m) : m);

/**
 * The error summary of a customer's form, in the reader's language (web/forms.ts's markup);
 * `labels` names fields the customers' usual ones do not cover.
 */
export function customerErrorSummary(
  t: Translator,
  errors: FieldErrors | undefined,
  message?: string,
  labels?: Labels,
): Html {
  if (!errors && !message) return html``;
  const entries = Object.entries(errors ?? {});
  return html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary">
  <h2>${message ?? t.t("errors:problems", { count: entries.length })}</h2>
  ${entries.length ? html`<ul>${entries.map(([f, m]) => html`<li><a href="#${fieldId(f)}">${customerErrorText(t, f, m, labels)}</a></li>`)}</ul>` : ""}
</div>`;
}

/** The error beside a customer's form field, in the reader's language. */
export function customerFieldError(
  t: Translator,
  errors: FieldErrors | undefined,
  field: string,
  labels?: Labels,
): Html {
  const m = errors?.[field];
  return m
    ? html`<p class="field-error" id="${fieldId(field)}-error"><span class="visually-hidden">${t.t("errors:error")}</span> ${customerErrorText(t, field, m, labels)}</p>`
    : html``;
}

/**
 * What portal.js says in the page's language (its checks before sending, the live count, the
 * suggested articles), as JSON on <body>: {label}, {limit}, {count}, {max} and {over} are filled in there.
 */
const CLIENT_MESSAGES = new WeakMap<Translator, string>();

/** The script's words for one translator, worked out once (translatorFor keeps its translators). */
function clientMessages(t: Translator): string {
  let made = CLIENT_MESSAGES.get(t);
  if (made === undefined) {
    made = clientMessagesOf(t);
    CLIENT_MESSAGES.set(t, made);
  }
  return made;
}

function clientMessagesOf(t: Translator): string {
  const labels = Object.fromEntries(
    ["name", "email", "subject", "description", "body"].map((f) => [f, t.t(`errors:field.${f}`)]),
  );
  return JSON.stringify({
    labels,
    required: t.t("errors:message.required", { label: "{label}" }),
    maxLength: t.t("errors:message.maxLength", { label: "{label}", limit: "{limit}" }),
    email: t.t("errors:message.email", { label: "{label}" }),
    problem: t.t("errors:problems", { count: 1 }),
    // A number picks the plural form ("{count}" would not); the script puts its own in.
    problems: t.t("errors:problems", { count: 99 }).replace("99", "{count}"),
    count: t.t("submit:count", { count: "{count}", max: "{max}" }),
    over: t.t("submit:over", { over: "{over}", count: "{count}", max: "{max}" }),
    sending: t.t("submit:sending"),
    suggested: t.t("submit:suggested"),
    dismiss: t.t("submit:dismiss"),
    openedBy: t.t("submit:similarOpenedBy", { status: "{status}", name: "{name}", date: "{date}" }),
    openedByYou: t.t("submit:similarOpenedByYou", { status: "{status}", date: "{date}" }),
    colleague: t.t("submit:similarColleague"),
    you: t.t("submit:similarYou"),
    statuses: Object.fromEntries(TICKET_STATUSES.map((s) => [s, t.t(`requests:status.${s}`)])),
    draftSaved: t.t("work:form.draftSavedNow"),
  });
}

/**
 * The footer's language switcher: a plain form (no script needed) posting the choice and the page
 * to come back to (http/public/language.routes.ts). Its button sends by a button's default type,
 * so `button[type=submit]` still names the page's own form's button alone.
 */
function languageSwitcher(slug: string, t: Translator, back: string): Html {
  return html`<form method="post" action="/portal/${slug}/language" class="language-switcher">
  <input type="hidden" name="back" value="${back}">
  <label for="portal-language">${t.t("common:language.label")}</label>
  <select id="portal-language" name="lang">${LOCALES.map(
    (l) =>
      html`<option value="${l}" lang="${l}"${l === t.locale ? html` selected` : ""}>${LOCALE_NAMES[l]}</option>`,
  )}</select>
  <button>${t.t("common:language.change")}</button>
</form>`;
}

// The lightest surface brand-coloured text sits on in dark mode, and the darkest in light mode
// (portal.css: --agent-bg); text readable there is readable on every other surface.
const LIGHT_SURFACE = "#eef4ff";
const DARK_SURFACE = "#16213a";

interface Shell {
  ws: Workspace;
  /** The reader's language and the workspace's wording (http/shared/locale.ts). */
  t: Translator;
  title: string;
  nonce: string;
  main: Html;
  /** Opened in a frame on the customer's own site: links leave the frame, no navigation. */
  embedded?: boolean;
  /** The settings preview: shown in a sandbox, without scripts. */
  preview?: boolean;
  /** The preview's forced palette (`scheme=dark`); otherwise the reader's own. */
  scheme?: "light" | "dark" | undefined;
  /** The portal is turned off: the frame without navigation. */
  closed?: boolean;
  /** The page the reader is on, marked in the navigation. */
  current?: CustomerPage | undefined;
  /**
   * A signed-in customer: the signed-in portal's navigation (with Sign out, a form carrying this
   * CSRF token) instead of the visitor's.
   */
  customer?: { csrfToken: string; current?: CustomerPage; company?: boolean } | undefined;
  /** A notice above the page's content (the signed-in portal's survey banner). */
  banner?: Html | undefined;
  /** The page's own address, where the language switcher brings the reader back to. */
  path?: string | undefined;
}

export type CustomerPage = "home" | "requests" | "onboarding" | "documents" | "kb" | "new" | "account";

const NAV_KEYS: Record<NavPage, string> = {
  home: "common:nav.home",
  requests: "common:nav.requests",
  kb: "common:nav.kb",
  submit: "common:nav.submit",
};

/**
 * The same navigation on every customer page: the admin's pages (navOf: shown or hidden, their
 * label in the workspace's default language, else the catalogue's), then the customer's own (a company's Onboarding and Documents,
 * Account and Sign out, a form since it changes something), or for a visitor Sign in. A visitor's
 * "requests" is the sign-in on a portal that needs one, else "Email me my requests".
 */
function portalNav(
  ws: Workspace,
  t: Translator,
  current: CustomerPage | undefined,
  customer: Shell["customer"],
) {
  const slug = ws.slug;
  const hrefs: Record<NavPage, string> = {
    home: customer ? `/portal/${slug}/home` : `/portal/${slug}`,
    requests: customer
      ? `/portal/${slug}/requests`
      : ws.portal_access === "public"
        ? `/portal/${slug}/lost-link`
        : `/portal/${slug}/sign-in?next=${encodeURIComponent(`/portal/${slug}/requests`)}`,
    kb: `/portal/${slug}/kb`,
    submit: `/portal/${slug}/submit`,
  };
  const marks: Record<NavPage, CustomerPage> = {
    home: "home",
    requests: "requests",
    kb: "kb",
    submit: "new",
  };
  // The admin writes a label in one language: it stands for the workspace's default language only.
  const adminsLanguage = t.locale === (isLocale(ws.default_locale) ? ws.default_locale : DEFAULT_LOCALE);
  const links: [CustomerPage | null, string, string][] = navOf(ws)
    .filter((item) => item.show)
    .map((item) => [
      marks[item.page],
      (adminsLanguage ? item.label : null) ?? t.t(NAV_KEYS[item.page]),
      hrefs[item.page],
    ]);
  if (customer?.company) {
    links.push(["onboarding", t.t("common:nav.onboarding"), `/portal/${slug}/onboarding`]);
    links.push(["documents", t.t("common:nav.documents"), `/portal/${slug}/documents`]);
  }
  if (customer) links.push(["account", t.t("common:nav.account"), `/portal/${slug}/account`]);
  else links.push([null, t.t("common:nav.signIn"), `/portal/${slug}/sign-in`]);
  return html`<nav class="site-nav${customer ? " signed-in" : ""}" aria-label="${t.t("common:nav.label")}">${links.map(
    ([page, label, href]) =>
      html`<a href="${href}"${page && current === page ? html` aria-current="page"` : ""}>${label}</a>`,
  )}${
    customer
      ? html`<form method="post" action="/portal/${slug}/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="${customer.csrfToken}"><button type="submit" class="linkish">${t.t("common:nav.signOut")}</button></form>`
      : ""
  }</nav>`;
}

/**
 * The stored custom CSS (already sanitised on save: workspace.service.ts) as the body of a
 * <style>: written raw, since escaping would break selectors like a > b; anything that could
 * end the element is escaped once more in case of a row written some other way.
 */
const customCss = (css: string) => unsafeRaw(css.replace(/</g, "\\3c "));

/**
 * The uploaded logo, with its dark-mode version where there is one (either stands in for the
 * other), else the deprecated logo address, else null (the brand's initial shows).
 */
function logo(slug: string, images: ReturnType<typeof brandImagesOf>, logoUrl: string | null): Html | null {
  const light = images.logo_light ?? images.logo_dark;
  const dark = images.logo_dark;
  if (!light) return logoUrl ? html`<img src="${logoUrl}" alt="" height="32">` : null;
  const width = Math.max(1, Math.round((32 * light.width) / Math.max(1, light.height)));
  return html`<picture>${
    dark && light !== dark
      ? html`<source srcset="${brandImageUrl(slug, "logo_dark", dark)}" media="(prefers-color-scheme: dark)">`
      : ""
  }<img src="${brandImageUrl(slug, images.logo_light ? "logo_light" : "logo_dark", light)}" alt="" width="${width}" height="32"></picture>`;
}

export function portalLayout({
  ws,
  t,
  title,
  nonce,
  main,
  embedded,
  preview,
  scheme,
  closed,
  current,
  customer,
  banner,
  path,
}: Shell): Html {
  const b = brandingOf(ws);
  const pair = readablePair(b.primaryColor);
  const accent = readablePair(b.secondaryColor);
  const images = brandImagesOf(ws);
  const icon = images.favicon;
  const iconUrl = (size: number) => (icon ? brandImageUrl(ws.slug, "favicon", icon, size) : "");
  const home = customer ? `/portal/${ws.slug}/home` : `/portal/${ws.slug}`;
  return html`<html lang="${t.locale}"${scheme ? html` class="scheme-${scheme}"` : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="${scheme ?? "light dark"}">
<meta name="referrer" content="no-referrer">
<title>${withoutBidiControls(`${title} · ${b.brandName}`)}</title>
<link rel="stylesheet" href="${assetUrl("portal.css")}">
<link rel="stylesheet" href="${assetUrl("files.css")}">
${
  icon
    ? html`<link rel="icon" href="${iconUrl(32)}" sizes="32x32" type="image/png">
<link rel="apple-touch-icon" href="${iconUrl(180)}">`
    : html`<link rel="icon" href="data:,">`
}
<link rel="manifest" href="/portal/${ws.slug}/manifest.webmanifest">
<meta name="theme-color" content="${pair.background}">
<style nonce="${nonce}">:root{--brand:${pair.background};--on-brand:${pair.text};--brand-ink-light:${readableOn(b.primaryColor, LIGHT_SURFACE)};--brand-ink-dark:${readableOn(b.primaryColor, DARK_SURFACE)};--accent:${accent.background};--on-accent:${accent.text};--accent-ink-light:${readableOn(b.secondaryColor, LIGHT_SURFACE)};--accent-ink-dark:${readableOn(b.secondaryColor, DARK_SURFACE)};--font:${unsafeRaw(fontStackOf(b.font))}}</style>
${ws.custom_css ? html`<style nonce="${nonce}">${customCss(ws.custom_css)}</style>` : ""}
${preview ? "" : html`<script src="${assetUrl("time.js")}" defer></script>`}
${preview ? "" : html`<script src="${assetUrl("portal.js")}" defer></script>`}
${preview ? "" : html`<script src="${assetUrl("files.js")}" defer></script>`}
${embedded && !preview ? html`<script src="${assetUrl("embed-frame.js")}" defer></script>` : ""}
</head>
<body class="${PORTAL_SCOPE_CLASS}${embedded ? " embedded" : ""}" data-messages="${clientMessages(t)}">
<a class="skip" href="#main">${t.t("common:layout.skip")}</a>
<header class="site">
  <a class="brand" href="${home}"${embedded ? html` target="_blank" rel="noopener"` : ""}>
    ${logo(ws.slug, images, b.logoUrl) ?? html`<span class="mark" aria-hidden="true">${b.brandName.slice(0, 1)}</span>`}
    <span class="brand-name">${b.brandName}</span>
  </a>
  ${embedded || closed ? "" : portalNav(ws, t, current ?? customer?.current, customer)}
</header>
<main id="main" tabindex="-1">
${banner ?? ""}${main}
</main>
<footer class="site">
  ${b.supportEmail ? html`<p>${t.th("common:layout.questions", { email: b.supportEmail })}</p>` : ""}
  ${embedded || preview ? "" : languageSwitcher(ws.slug, t, path ?? home)}
  <p class="powered">${t.t("common:layout.poweredBy")}</p>
</footer>
</body>
</html>`;
}

/** An unknown portal: no workspace, so no branding either. */
export function plainNotFound(reply: FastifyReply, nonce: string): FastifyReply {
  return sendHtml(
    reply,
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><link rel="icon" href="data:,"><title>Not found</title><link rel="stylesheet" href="${assetUrl("portal.css")}"></head><body><main id="main"><h1>Portal not found</h1><p>Check the address you were given.</p></main></body></html>`,
    { kind: "page", nonce, status: 404 },
  );
}

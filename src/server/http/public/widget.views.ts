import { readableOn, readablePair } from "../../../shared/color.ts";
import { ACCEPT_ATTRIBUTE, MAX_FILE_BYTES, MAX_FILES_SUBMIT } from "../../../shared/files.ts";
import { DESCRIPTION_MAX, NAME_MAX, SUBJECT_MAX } from "../../../shared/tickets.ts";
import type { Config } from "../../config.ts";
import type { Translator } from "../../i18n/translator.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import { assetUrl } from "../../web/assets.ts";
import { type Html, html } from "../../web/html.ts";
import { portalUrl } from "../../workspaces/portal-url.ts";
import { brandingOf, type Workspace } from "../../workspaces/workspace.branding.ts";

// The floating widget's panel (/portal/{slug}/widget, framed by customers' sites): one page with
// four views that widget.js switches between: help (search, answers, recent requests), an
// article, the request form, and its confirmation. Everything it does goes through the public
// JSON API from this same origin.

export type WidgetTheme = "light" | "dark";

export interface WidgetPanel {
  ws: Workspace;
  config: Pick<Config, "publicUrl" | "port">;
  t: Translator;
  nonce: string;
  theme: WidgetTheme | undefined;
  /** A signed-in customer (a same-site host): no name or email asked, and the CSRF token to send. */
  customer: { name: string; csrf: string } | null;
  /** The portal needs signing in and nobody is: a link to sign in on the portal instead of the form. */
  signInUrl: string | null;
  kb: boolean;
}

// The inks are made readable on the panel's softer surface (--soft), so on the page behind it too.
const LIGHT = "#f3f4f6";
const DARK = "#1f2937";

function brandStyle(ws: Workspace, nonce: string): Html {
  const b = brandingOf(ws);
  const pair = readablePair(b.primaryColor);
  return html`<style nonce="${nonce}">:root{--brand:${pair.background};--on-brand:${pair.text};--ink-light:${readableOn(b.primaryColor, LIGHT)};--ink-dark:${readableOn(b.primaryColor, DARK)}}</style>`;
}

const field = (id: string, label: string, control: Html) =>
  html`<div class="field"><label for="w-${id}">${label}</label>${control}<p class="error" id="w-${id}-error" hidden></p></div>`;

/** The words widget.js writes, with {name}-style holes it fills. */
const SCRIPT_WORDS = [
  "searching",
  "searchFailed",
  "found",
  "suggested",
  "dismiss",
  "uploading",
  "uploadingNote",
  "progress",
  "attached",
  "attachedNote",
  "failed",
  "failedNote",
  "tryAgain",
  "tooLarge",
  "tooLargeNote",
  "removed",
  "remove",
  "maxFiles",
  "required",
  "badEmail",
  "waitUploads",
  "sending",
  "sendFailed",
  "newTab",
];
const scriptWords = (t: Translator) =>
  JSON.stringify(
    Object.fromEntries(
      SCRIPT_WORDS.map((k) => [
        k,
        t.t(`widget:js.${k}`, { name: "{name}", pct: "{pct}", mb: "{mb}", max: "{max}", count: "{count}" }),
      ]),
    ),
  );

export function widgetPanel(p: WidgetPanel): Html {
  const { ws, t } = p;
  const b = brandingOf(ws);
  const api = `/api/public/portals/${ws.slug}`;
  const name = withoutBidiControls(b.brandName);
  return html`<html lang="${t.locale}"${p.theme ? html` class="${p.theme}"` : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="${p.theme ?? "light dark"}">
<meta name="referrer" content="no-referrer">
<title>${t.t("widget:help")} · ${name}</title>
<link rel="stylesheet" href="${assetUrl("widget.css")}">
<link rel="icon" href="data:,">
${brandStyle(ws, p.nonce)}
<script src="${assetUrl("widget.js")}" defer></script>
</head>
<body data-api="${api}" data-slug="${ws.slug}" data-upload="/api/public/upload?portal=${ws.slug}" data-max-files="${MAX_FILES_SUBMIT}" data-max-bytes="${MAX_FILE_BYTES}" data-portal="${portalUrl(p.config, ws, "")}" data-words="${scriptWords(t)}"${p.customer ? html` data-csrf="${p.customer.csrf}"` : ""}>
<header class="top">
  <h1 id="w-title">${name}</h1>
  <button type="button" class="icon" id="w-close" aria-label="${t.t("widget:close")}">×</button>
</header>
<main>
<section id="v-home" aria-labelledby="w-home-title" data-view>
  <h2 id="w-home-title" tabindex="-1">${t.t("widget:howCanWeHelp")}</h2>
  ${
    p.kb
      ? html`<form id="w-search" role="search" class="search">
    <label for="w-q">${t.t("widget:searchLabel")}</label>
    <div class="row"><input id="w-q" type="search" name="q" maxlength="200" autocomplete="off"><button type="submit">${t.t("widget:search")}</button></div>
  </form>
  <p id="w-results-status" class="status" role="status" aria-live="polite"></p>
  <ul id="w-results" class="hits"></ul>`
      : ""
  }
  ${
    p.signInUrl
      ? html`<p>${t.t("widget:signInFirst")}</p><p><a class="button" href="${p.signInUrl}" target="_blank" rel="noopener">${t.t("widget:signIn")}<span class="visually-hidden"> ${t.t("widget:newTab")}</span></a></p>`
      : html`<p><button type="button" id="w-new" class="primary">${t.t("widget:newRequest")}</button></p>`
  }
  <section id="w-recent" aria-labelledby="w-recent-title" hidden>
    <h3 id="w-recent-title">${t.t("widget:recentTitle")}</h3>
    <p class="hint">${t.t("widget:recentHint")}</p>
    <ul id="w-recent-list" class="recent"></ul>
    <button type="button" id="w-forget" class="link">${t.t("widget:forget")}</button>
  </section>
</section>
<section id="v-article" aria-labelledby="w-article-title" data-view hidden>
  <button type="button" class="back" data-back>${t.t("widget:back")}</button>
  <h2 id="w-article-title" tabindex="-1"></h2>
  <div id="w-article-body" class="article"></div>
  <p><button type="button" class="link" data-new>${t.t("widget:stillNeedHelp")}</button></p>
</section>
<section id="v-form" aria-labelledby="w-form-title" data-view hidden>
  <button type="button" class="back" data-back>${t.t("widget:back")}</button>
  <h2 id="w-form-title" tabindex="-1">${t.t("widget:newRequest")}</h2>
  <p id="w-form-error" class="error summary" role="alert" hidden></p>
  <form id="w-form" novalidate>
    ${
      p.customer
        ? html`<p class="hint">${t.t("widget:sentAs", { name: p.customer.name })}</p>`
        : html`${field("name", t.t("widget:name"), html`<input id="w-name" name="name" autocomplete="name" maxlength="${NAME_MAX}" required aria-describedby="w-name-error">`)}
    ${field("email", t.t("widget:email"), html`<input id="w-email" name="email" type="email" autocomplete="email" maxlength="254" required aria-describedby="w-email-error">`)}`
    }
    ${field("subject", t.t("widget:subject"), html`<input id="w-subject" name="subject" maxlength="${SUBJECT_MAX}" required autocomplete="off" aria-describedby="w-subject-error">`)}
    <div id="w-suggest" class="suggest" aria-live="polite"></div>
    ${field("description", t.t("widget:description"), html`<textarea id="w-description" name="description" rows="5" maxlength="${DESCRIPTION_MAX}" aria-describedby="w-description-error"></textarea>`)}
    <div class="field">
      <label for="w-files">${t.t("widget:attach")} <span class="hint">${t.t("widget:attachHint", { count: MAX_FILES_SUBMIT, mb: MAX_FILE_BYTES / 1024 / 1024 })}</span></label>
      <input id="w-files" type="file" multiple accept="${ACCEPT_ATTRIBUTE}" aria-describedby="w-files-status">
      <ul id="w-file-list" class="files"></ul>
      <p id="w-files-status" class="status" role="status" aria-live="polite"></p>
    </div>
    <button type="submit" class="primary" id="w-send">${t.t("widget:send")}</button>
  </form>
</section>
<section id="v-done" aria-labelledby="w-done-title" data-view hidden>
  <h2 id="w-done-title" tabindex="-1">${t.t("widget:doneTitle")}</h2>
  <p>${t.t("widget:doneBefore")} <strong id="w-ref"></strong>. ${t.t("widget:doneAfter")}</p>
  <p id="w-track-p"><a id="w-track" target="_blank" rel="noopener">${t.t("widget:track")}<span class="visually-hidden"> ${t.t("widget:newTab")}</span></a></p>
  <p><button type="button" data-back>${t.t("widget:backToHelp")}</button></p>
</section>
</main>
</body>
</html>`;
}

/** The panel where the widget is off or the portal closed (framed where the panel would be), or unknown. */
export function widgetUnavailable(t: Translator, nonce: string, theme: WidgetTheme | undefined): Html {
  return html`<html lang="${t.locale}"${theme ? html` class="${theme}"` : ""}>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t.t("widget:help")}</title>
<link rel="stylesheet" href="${assetUrl("widget.css")}"><style nonce="${nonce}">:root{--brand:#2563eb;--on-brand:#fff;--ink-light:#2563eb;--ink-dark:#93b4f8}</style>
<script src="${assetUrl("widget.js")}" defer></script></head>
<body><header class="top"><h1>${t.t("widget:help")}</h1><button type="button" class="icon" id="w-close" aria-label="${t.t("widget:close")}">×</button></header>
<main><p>${t.t("widget:unavailable")}</p></main></body></html>`;
}

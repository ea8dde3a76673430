import type { FastifyReply } from "fastify";
import { readableOn, readablePair } from "../../../shared/color.ts";
import type { FieldErrors } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import { assetUrl } from "../../web/assets.ts";
import { errorSummary, fieldError } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { type NavPage, navOf } from "../../workspaces/portal-settings.ts";
import { brandingOf, type Workspace } from "../../workspaces/workspace.branding.ts";
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

/** A field's name in the customers' words. */
export const customerFieldLabel = (field: string) => FIELD_LABELS[field] ?? field;

/** The error summary of a customer's form, in the customers' words for its fields. */
export const customerErrorSummary = (errors: FieldErrors | undefined, message?: string) =>
  errorSummary(FIELD_LABELS, errors, message);
/** The error beside a customer's form field. */
export const customerFieldError = (errors: FieldErrors | undefined, field: string) =>
  fieldError(FIELD_LABELS, errors, field);

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
 * label or the catalogue's), then the customer's own (a company's Onboarding and Documents,
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
  const links: [CustomerPage | null, string, string][] = navOf(ws)
    .filter((item) => item.show)
    .map((item) => [marks[item.page], item.label ?? t.t(NAV_KEYS[item.page]), hrefs[item.page]]);
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
}: Shell): Html {
  const b = brandingOf(ws);
  const pair = readablePair(b.primaryColor);
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
<link rel="icon" href="data:,">
<style nonce="${nonce}">:root{--brand:${pair.background};--on-brand:${pair.text};--brand-ink-light:${readableOn(b.primaryColor, LIGHT_SURFACE)};--brand-ink-dark:${readableOn(b.primaryColor, DARK_SURFACE)}}</style>
${preview ? "" : html`<script src="${assetUrl("time.js")}" defer></script>`}
${preview ? "" : html`<script src="${assetUrl("portal.js")}" defer></script>`}
${preview ? "" : html`<script src="${assetUrl("files.js")}" defer></script>`}
</head>
<body${embedded ? html` class="embedded"` : ""}>
<a class="skip" href="#main">${t.t("common:layout.skip")}</a>
<header class="site">
  <a class="brand" href="${home}"${embedded ? html` target="_blank" rel="noopener"` : ""}>
    ${b.logoUrl ? html`<img src="${b.logoUrl}" alt="" height="32">` : html`<span class="mark" aria-hidden="true">${b.brandName.slice(0, 1)}</span>`}
    <span class="brand-name">${b.brandName}</span>
  </a>
  ${embedded || closed ? "" : portalNav(ws, t, current ?? customer?.current, customer)}
</header>
<main id="main" tabindex="-1">
${banner ?? ""}${main}
</main>
<footer class="site">
  ${b.supportEmail ? html`<p>${t.th("common:layout.questions", { email: b.supportEmail })}</p>` : ""}
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

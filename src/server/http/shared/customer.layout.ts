import type { FastifyReply } from "fastify";
import { readableOn, readablePair } from "../../../shared/color.ts";
import type { FieldErrors } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import { PORTAL_SCOPE_CLASS } from "../../lib/css-sanitize.ts";
import { assetUrl } from "../../web/assets.ts";
import { errorSummary, fieldError } from "../../web/forms.ts";
import { type Html, html, unsafeRaw } from "../../web/html.ts";
import { fontStackOf } from "../../workspaces/brand-fonts.ts";
import {
  brandImagesOf,
  brandImageUrl,
  brandingOf,
  type Workspace,
} from "../../workspaces/workspace.branding.ts";
import { sendHtml } from "./html-response.ts";

// The frame of every page a customer sees, in the workspace's branding: the token pages and the
// knowledge base (public/), the signed-in portal (portal/), and the agents' branding preview.
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
  /** Opened in a frame on the customer's own site: links leave the frame. */
  embedded?: boolean;
  /** The settings preview: shown in a sandbox, without scripts. */
  preview?: boolean;
  /** The knowledge-base pages: links to the help articles and the submit form in the header. */
  nav?: boolean;
  /**
   * A signed-in customer: the portal's navigation (with Sign out, a form carrying this CSRF
   * token) instead of the public links, and `current` marks the page they are on.
   */
  customer?: { csrfToken: string; current?: CustomerPage; company?: boolean };
  /** A notice above the page's content (the signed-in portal's survey banner). */
  banner?: Html | undefined;
}

export type CustomerPage = "home" | "requests" | "onboarding" | "documents" | "kb" | "new" | "account";

/** The signed-in portal's navigation; Sign out is a form, since it changes something. */
function customerNav(slug: string, customer: NonNullable<Shell["customer"]>, t: Translator): Html {
  const links: [CustomerPage, string, string][] = [
    ["home", t.t("common:nav.home"), `/portal/${slug}/home`],
    ["requests", t.t("common:nav.requests"), `/portal/${slug}/requests`],
    ...(customer.company
      ? ([
          ["onboarding", t.t("common:nav.onboarding"), `/portal/${slug}/onboarding`],
          ["documents", t.t("common:nav.documents"), `/portal/${slug}/documents`],
        ] as [CustomerPage, string, string][])
      : []),
    ["kb", t.t("common:nav.kb"), `/portal/${slug}/kb`],
    ["new", t.t("common:nav.submit"), `/portal/${slug}/submit`],
    ["account", t.t("common:nav.account"), `/portal/${slug}/account`],
  ];
  return html`<nav class="site-nav signed-in" aria-label="${t.t("common:nav.label")}">${links.map(
    ([page, label, href]) =>
      html`<a href="${href}"${customer.current === page ? html` aria-current="page"` : ""}>${label}</a>`,
  )}<form method="post" action="/portal/${slug}/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="${customer.csrfToken}"><button type="submit" class="linkish">${t.t("common:nav.signOut")}</button></form></nav>`;
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
  nav,
  customer,
  banner,
}: Shell): Html {
  const b = brandingOf(ws);
  const pair = readablePair(b.primaryColor);
  const accent = readablePair(b.secondaryColor);
  const images = brandImagesOf(ws);
  const icon = images.favicon;
  const iconUrl = (size: number) => (icon ? brandImageUrl(ws.slug, "favicon", icon, size) : "");
  const home = customer ? `/portal/${ws.slug}/home` : `/portal/${ws.slug}/submit`;
  return html`<html lang="${t.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
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
</head>
<body class="${PORTAL_SCOPE_CLASS}${embedded ? " embedded" : ""}">
<a class="skip" href="#main">${t.t("common:layout.skip")}</a>
<header class="site">
  <a class="brand" href="${home}"${embedded ? html` target="_blank" rel="noopener"` : ""}>
    ${logo(ws.slug, images, b.logoUrl) ?? html`<span class="mark" aria-hidden="true">${b.brandName.slice(0, 1)}</span>`}
    <span class="brand-name">${b.brandName}</span>
  </a>
  ${
    customer && !embedded && !preview
      ? customerNav(ws.slug, customer, t)
      : !nav || embedded || preview
        ? ""
        : html`<nav class="site-nav" aria-label="${t.t("common:nav.label")}"><a href="/portal/${ws.slug}/kb">${t.t("common:nav.kb")}</a><a href="${home}">${t.t("common:nav.submit")}</a><a href="/portal/${ws.slug}/sign-in">${t.t("common:nav.signIn")}</a></nav>`
  }
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

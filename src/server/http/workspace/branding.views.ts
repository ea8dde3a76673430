import type { FastifyRequest } from "fastify";
import type { BrandAssetKind } from "../../db/schema.portal.ts";
import type { FieldErrors } from "../../errors.ts";
import { CUSTOM_CSS_MAX_BYTES, PORTAL_SCOPE_CLASS } from "../../lib/css-sanitize.ts";
import { describedBy } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { BRAND_ASSET_LABELS } from "../../workspaces/brand-assets.ts";
import { FONT_KEYS, FONTS } from "../../workspaces/brand-fonts.ts";
import { BRAND_IMAGE_MAX_BYTES, LOGO_BOX } from "../../workspaces/brand-images.ts";
import {
  BRAND_ASSET_KINDS,
  brandImageUrlsOf,
  brandingOf,
  DEFAULT_PRIMARY_COLOR,
  type Workspace,
} from "../../workspaces/workspace.branding.ts";
import { BRAND_NAME_MAX } from "../../workspaces/workspace.service.ts";
import { appErrorSummary, appFieldError, csrfField } from "./layout.ts";

// /app/settings/branding: the portal's look (name, colours, font, custom CSS, support address)
// with a live preview of unsaved changes, and the brand images, one small upload form each.
// Agents may look; only admins change anything (the services decide).

export const BRANDING_FIELDS = [
  "brandName",
  "primaryColor",
  "secondaryColor",
  "font",
  "customCss",
  "supportEmail",
] as const;
export type BrandingValues = Record<(typeof BRANDING_FIELDS)[number], string>;

export interface BrandingState {
  values?: BrandingValues;
  errors?: FieldErrors;
  /** An image form's problem, by its kind. */
  imageErrors?: Partial<Record<BrandAssetKind, string>>;
  notice?: string;
  status?: number;
}

export const BRANDING_NOTICES: Record<string, string> = {
  saved: "Branding saved. The portal shows it now.",
  logo_light: "Logo uploaded. The portal shows it now.",
  logo_dark: "Dark-mode logo uploaded. The portal shows it now.",
  favicon: "Icon uploaded. Browsers may keep the old one for a while.",
  removed: "Image removed.",
};

const IMAGE_HINTS: Record<BrandAssetKind, string> = {
  logo_light: `Shown top-left on light pages, 32 px high. PNG, JPEG or GIF, at most ${BRAND_IMAGE_MAX_BYTES / 1024 / 1024} MB; scaled to fit ${LOGO_BOX.w}×${LOGO_BOX.h}. A transparent background suits both modes.`,
  logo_dark:
    "Shown instead in dark mode (light text or lines on transparent works best). Without one, the logo above shows in both.",
  favicon:
    "The browser tab's icon and the home-screen icon. A square image of at least 512×512 looks sharpest; others get transparent margins.",
};

export function brandingValues(ws: Workspace): BrandingValues {
  return {
    brandName: ws.brand_name ?? "",
    primaryColor: ws.primary_color ?? "",
    secondaryColor: ws.secondary_color ?? "",
    font: ws.font ?? "",
    customCss: ws.custom_css ?? "",
    supportEmail: ws.support_email ?? "",
  };
}

const HEX = /^#[0-9a-fA-F]{6}$/;

function colourField(
  name: "primaryColor" | "secondaryColor",
  label: string,
  hint: string,
  value: string,
  effective: string,
  errors: FieldErrors | undefined,
  dis: Html,
): Html {
  return html`<div class="field">
      <label for="${name}">${label}</label>
      <p class="hint" id="${name}-hint">${hint}</p>
      <div class="color-row">
        <input id="${name}" name="${name}" type="text" placeholder="${effective}" value="${value}" pattern="#[0-9a-fA-F]{6}" maxlength="7" spellcheck="false"${dis}${describedBy(errors, name, `${name}-hint`)}>
        <input type="color" aria-label="Pick the ${label.toLowerCase()}" value="${HEX.test(value) ? value.toLowerCase() : effective}" data-color-for="${name}"${dis}>
      </div>
      ${appFieldError(errors, name)}
    </div>`;
}

function lookForm(req: FastifyRequest, ws: Workspace, isAdmin: boolean, st: BrandingState): Html {
  const v = st.values ?? brandingValues(ws);
  const errors = st.errors;
  const effective = brandingOf(ws);
  const dis = isAdmin ? html`` : html` disabled`;
  const text = (name: "brandName" | "supportEmail", label: string, attrs: Html, hint: string) =>
    html`<div class="field">
      <label for="${name}">${label}</label>
      <p class="hint" id="${name}-hint">${hint}</p>
      <input id="${name}" name="${name}" ${attrs} value="${v[name]}"${dis}${describedBy(errors, name, `${name}-hint`)}>
      ${appFieldError(errors, name)}
    </div>`;
  return html`<form method="post" action="/app/settings/branding" novalidate data-preview-form aria-labelledby="look-title">
    ${csrfField(req)}
    <h2 id="look-title">Name, colours and font</h2>
    ${appErrorSummary(errors)}
    ${text("brandName", "Brand name", html`type="text" maxlength="${BRAND_NAME_MAX}" placeholder="${ws.name}"`, `The title in the portal's header. Empty uses “${ws.name}”.`)}
    ${colourField("primaryColor", "Primary colour", `Buttons, the header mark and highlights. Text on it is darkened or lightened until it reads clearly. Empty uses ${DEFAULT_PRIMARY_COLOR}.`, v.primaryColor, effective.primaryColor, errors, dis)}
    ${colourField("secondaryColor", "Accent colour", "Links, focus rings and secondary buttons; adjusted for contrast in light and dark mode alike. Empty uses the primary colour.", v.secondaryColor, effective.secondaryColor, errors, dis)}
    <div class="field">
      <label for="font">Font</label>
      <p class="hint" id="font-hint">Fonts already on your customers' devices: nothing is downloaded.</p>
      <select id="font" name="font"${dis}${describedBy(errors, "font", "font-hint")}>
        ${FONT_KEYS.map((k) => html`<option value="${k === "system" ? "" : k}"${(v.font || "system") === k ? html` selected` : ""}>${FONTS[k].label}</option>`)}
      </select>
      ${appFieldError(errors, "font")}
    </div>
    ${text("supportEmail", "Support email", html`type="email" placeholder="support@example.com"`, "Shown in the portal's footer and the Reply-To of every email. Mail sent to it becomes tickets once it reaches Portico (see Email in the README). Empty shows no address.")}
    <div class="field">
      <label for="customCss">Custom CSS</label>
      <p class="hint" id="customCss-hint">For the portal's pages only, at most ${CUSTOM_CSS_MAX_BYTES / 1024} KB. Every rule applies inside the portal (<code>body</code>, <code>html</code> and <code>:root</code> mean the portal, class <code>${PORTAL_SCOPE_CLASS}</code>); <code>@media</code> and <code>@supports</code> work; <code>@import</code>, <code>url()</code> and web fonts are refused, with the line. Saved as cleaned up, without comments.</p>
      <textarea id="customCss" name="customCss" rows="8" spellcheck="false" class="code"${dis}${describedBy(errors, "customCss", "customCss-hint")}>${v.customCss}</textarea>
      ${appFieldError(errors, "customCss")}
    </div>
    ${isAdmin ? html`<button type="submit" class="primary">Save branding</button>` : ""}
  </form>`;
}

function imageForm(
  req: FastifyRequest,
  kind: BrandAssetKind,
  url: string | null,
  isAdmin: boolean,
  error: string | undefined,
): Html {
  const id = `image-${kind}`;
  const errorId = `${id}-error`;
  return html`<div class="brand-image" aria-labelledby="${id}-title" role="group">
    <h3 id="${id}-title">${BRAND_ASSET_LABELS[kind]}</h3>
    <p class="hint" id="${id}-hint">${IMAGE_HINTS[kind]}</p>
    <div class="brand-image-now${kind === "logo_dark" ? " on-dark" : ""}">${
      url
        ? html`<img src="${url}" alt="The current ${BRAND_ASSET_LABELS[kind].toLowerCase()}">`
        : html`<span class="muted">None yet</span>`
    }</div>
    ${
      isAdmin
        ? html`<form method="post" action="/app/settings/branding/images/${kind}" enctype="multipart/form-data" class="image-upload">
      ${csrfField(req)}
      <label for="${id}">Choose an image<span class="visually-hidden"> for the ${BRAND_ASSET_LABELS[kind].toLowerCase()}</span></label>
      <input id="${id}" name="file" type="file" accept="image/png,image/jpeg,image/gif" required aria-describedby="${id}-hint${error ? ` ${errorId}` : ""}"${error ? html` aria-invalid="true"` : ""}>
      ${error ? html`<p class="field-error" id="${errorId}">${error}</p>` : ""}
      <button type="submit">Upload<span class="visually-hidden"> the ${BRAND_ASSET_LABELS[kind].toLowerCase()}</span></button>
    </form>${
      url
        ? html`<form method="post" action="/app/settings/branding/images/${kind}/remove" class="image-remove">${csrfField(req)}<button type="submit" class="small">Remove<span class="visually-hidden"> the ${BRAND_ASSET_LABELS[kind].toLowerCase()}</span></button></form>`
        : ""
    }`
        : ""
    }
  </div>`;
}

/**
 * The preview's address with the form's unsaved values but the CSS (the saved CSS shows; an
 * address has no room for it): as the admin types, JavaScript posts the whole form instead.
 */
export function previewSrc(v: BrandingValues): string {
  const qs = new URLSearchParams(Object.entries(v).filter(([k, x]) => x && k !== "customCss"));
  return `/app/settings/preview${qs.size ? `?${qs}` : ""}`;
}

/** The branding page's main part. */
export function brandingMain(req: FastifyRequest, ws: Workspace, isAdmin: boolean, st: BrandingState): Html {
  const urls = brandImageUrlsOf(ws);
  const v = st.values ?? brandingValues(ws);
  return html`<h1>Branding</h1>
<p><a href="/app/settings">Back to settings</a></p>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${isAdmin ? "" : html`<p class="hint">Only admins change the branding.</p>`}
<section class="card" aria-labelledby="images-title" id="images">
  <h2 id="images-title">Logo and icon</h2>
  ${
    ws.logo_url && !urls.logo_light
      ? html`<p class="notice">The portal shows the logo from <code>${ws.logo_url}</code>, an address set before logos were uploaded. Upload it here: the address then no longer matters.</p>`
      : ""
  }
  <div class="brand-images">
    ${BRAND_ASSET_KINDS.map((k) => imageForm(req, k, urls[k], isAdmin, st.imageErrors?.[k]))}
  </div>
</section>
<section class="card" aria-labelledby="look-title" id="look">
  <div class="branding-grid">
  ${lookForm(req, ws, isAdmin, st)}
  <div class="preview">
    <p class="preview-label" id="preview-label">Preview of the submit page${isAdmin ? " (updates as you type)" : ""}</p>
    <iframe src="${previewSrc(v)}" name="branding-preview" title="Portal preview" aria-describedby="preview-label" sandbox="allow-same-origin" data-preview></iframe>
    <form method="post" action="/app/settings/preview" target="branding-preview" hidden data-preview-post>${csrfField(req)}${BRANDING_FIELDS.map((f) => html`<input type="hidden" name="${f}" value="">`)}</form>
  </div>
  </div>
</section>`;
}

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { OneOf } from "../../lib/schema.ts";
import { removeBrandAsset, uploadBrandAsset } from "../../workspaces/brand-assets.ts";
import { BRAND_IMAGE_MAX_BYTES, BRAND_IMAGE_PIXEL_BUDGET, LOGO_BOX } from "../../workspaces/brand-images.ts";
import { BRAND_ASSET_KINDS, brandImageUrlsOf, brandingOf } from "../../workspaces/workspace.branding.ts";
import { getWorkspace, updateBranding } from "../../workspaces/workspace.service.ts";
import { declaredLength, rawBodies, UPLOAD_BODY_DOC } from "../public/files.routes.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";
import { Branding, BrandingPatchBody } from "./workspace.schemas.ts";

// The branding of the JSON API: GET/PATCH the white-label fields, and the brand images
// (admins): PUT the image's bytes as the body, DELETE to go back to none; the answer is where
// each image is served now.

const Params = Type.Object({
  kind: OneOf(
    BRAND_ASSET_KINDS,
    "logo_light: the header's logo; logo_dark: the same in dark mode; favicon: the icon",
  ),
});
const Images = Type.Object({
  logo_light: Type.Union([Type.String(), Type.Null()]),
  logo_dark: Type.Union([Type.String(), Type.Null()]),
  favicon: Type.Union([Type.String(), Type.Null()]),
});

const security = [{ session: [], csrf: [] }];

export const workspaceBrandingRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const brandingView = (ws: Awaited<ReturnType<typeof getWorkspace>>) => ({
      name: ws.name,
      slug: ws.slug,
      brandName: ws.brand_name,
      logoUrl: ws.logo_url,
      primaryColor: ws.primary_color,
      secondaryColor: ws.secondary_color,
      font: ws.font,
      customCss: ws.custom_css,
      supportEmail: ws.support_email,
      images: brandImageUrlsOf(ws),
      effective: brandingOf(ws),
    });

    app.get(
      "/settings/branding",
      {
        schema: {
          tags: ["settings"],
          summary: "White-label settings",
          description: "The stored values (null when unset) and the effective ones with defaults applied.",
          security,
          response: { 200: Branding, ...errors(401) },
        },
      },
      async (req) => brandingView(await getWorkspace(ctx, sessionOf(req).actor)),
    );

    app.patch(
      "/settings/branding",
      {
        schema: {
          tags: ["settings"],
          summary: "Change white-label settings (admins)",
          description: "null resets a field to its default.",
          security,
          body: BrandingPatchBody,
          response: { 200: Branding, ...errors(400, 401, 403, 409) },
        },
      },
      async (req) => brandingView(await updateBranding(ctx, sessionOf(req).actor, req.body)),
    );

    // Removing takes no body: it stays in the JSON tree, so a body sent anyway is checked as JSON.
    app.delete(
      "/settings/brand-assets/:kind",
      {
        schema: {
          tags: ["settings"],
          summary: "Remove a brand image (admins)",
          description:
            "Without a dark logo the light one shows in dark mode too; without a logo, the brand's initial; without an icon, none.",
          security,
          params: Params,
          response: { 200: Images, ...errors(401, 403) },
        },
      },
      async (req) => brandImageUrlsOf(await removeBrandAsset(ctx, sessionOf(req).actor, req.params.kind)),
    );

    await app.register(brandAssetRoutes(ctx));
  };

/** The images' own plugin: their bodies are streamed, not parsed. */
const brandAssetRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    rawBodies(app);

    app.put(
      "/settings/brand-assets/:kind",
      {
        config: { upload: true },
        schema: {
          tags: ["settings"],
          summary: "Upload a brand image (admins)",
          description: `The image itself is the body: PNG, JPEG or GIF (judged from the bytes), at most ${BRAND_IMAGE_MAX_BYTES / 1024 / 1024} MB and ${BRAND_IMAGE_PIXEL_BUDGET / 1e6} megapixels. SVG and WebP are refused (415). It is decoded and written out afresh as PNG: a logo fits ${LOGO_BOX.w}×${LOGO_BOX.h} (never enlarged), the icon becomes a 512×512 square, served at 32, 180, 192 and 512 px. Replaces the image of that kind.`,
          security,
          params: Params,
          body: UPLOAD_BODY_DOC,
          response: { 200: Images, ...errors(400, 401, 403, 413, 415, 422) },
        },
      },
      async (req) =>
        brandImageUrlsOf(
          await uploadBrandAsset(ctx, sessionOf(req).actor, req.params.kind, {
            body: req.raw,
            declaredLength: declaredLength(req.headers["content-length"]),
          }),
        ),
    );
  };

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { OneOf } from "../../lib/schema.ts";
import { removeBrandAsset, uploadBrandAsset } from "../../workspaces/brand-assets.ts";
import { BRAND_IMAGE_MAX_BYTES, BRAND_IMAGE_PIXEL_BUDGET, LOGO_BOX } from "../../workspaces/brand-images.ts";
import { BRAND_ASSET_KINDS, brandImageUrlsOf } from "../../workspaces/workspace.branding.ts";
import { declaredLength, rawBodies, UPLOAD_BODY_DOC } from "../public/files.routes.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// The brand images of the JSON API (admins): PUT the image's bytes as the body, DELETE to go
// back to none. The answer is where each image is served now.

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

export const workspaceBrandAssetRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    rawBodies(app);
    const security = [{ session: [], csrf: [] }];

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
  };

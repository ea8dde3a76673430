import type { FastifyPluginAsync } from "fastify";
import { readablePair } from "../../../shared/color.ts";
import { visitorOf } from "../../actors.ts";
import type { AppContext } from "../../context.ts";
import type { BrandAssetKind } from "../../db/schema.portal.ts";
import { brandAssetBytes } from "../../workspaces/brand-assets.ts";
import type { IconSize } from "../../workspaces/brand-images.ts";
import { brandImagesOf, brandImageUrl, brandingOf } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";

// A portal's brand images and its web app manifest, from our own origin:
// /portal/{slug}/brand/{kind}-{sha8}[-{size}].png and /portal/{slug}/manifest.webmanifest.
// An image's address carries its hash, so it is cached for ever; an old hash, another
// workspace's slug or a kind it has no image of is the same 404. Served to anyone, like the
// pages that show them, whether or not the portal is open.

const FILE = /^(logo_light|logo_dark|favicon)-([0-9a-f]{8})(?:-(32|180|192|512))?\.png$/;

type Params = { slug: string; file: string };

export const brandRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: Params }>("/:slug/brand/:file", { schema: { hide: true } }, async (req, reply) => {
      const m = FILE.exec(req.params.file);
      const ws = m ? await findWorkspaceBySlug(ctx, req.params.slug) : undefined;
      const kind = m?.[1] as BrandAssetKind | undefined;
      const size = m?.[3] ? (Number(m[3]) as IconSize) : undefined;
      // Sizes are the icon's only; a logo has one.
      const bytes =
        ws && kind && m && (size === undefined || kind === "favicon")
          ? await brandAssetBytes(ctx, visitorOf(ws.id), kind, m[2] as string, size)
          : undefined;
      if (!bytes) {
        return reply
          .status(404)
          .header("cache-control", "no-store")
          .send({ error: { code: "not_found", message: "No such image." } });
      }
      return reply
        .header("content-type", "image/png")
        .header("content-length", String(bytes.length))
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "default-src 'none'; sandbox")
        .header("cross-origin-resource-policy", "same-site")
        .send(bytes);
    });

    app.get<{ Params: { slug: string } }>(
      "/:slug/manifest.webmanifest",
      { schema: { hide: true } },
      async (req, reply) => {
        const ws = await findWorkspaceBySlug(ctx, req.params.slug);
        if (!ws) {
          return reply.status(404).send({ error: { code: "not_found", message: "No such portal." } });
        }
        const b = brandingOf(ws);
        const icon = brandImagesOf(ws).favicon;
        const base = `/portal/${ws.slug}/`;
        const manifest = {
          name: b.brandName,
          short_name: [...b.brandName].slice(0, 12).join(""),
          start_url: `${base}submit`,
          scope: base,
          display: "browser",
          theme_color: readablePair(b.primaryColor).background,
          background_color: "#ffffff",
          icons: icon
            ? [192, 512].map((s) => ({
                src: brandImageUrl(ws.slug, "favicon", icon, s),
                sizes: `${s}x${s}`,
                type: "image/png",
                purpose: "any",
              }))
            : [],
        };
        return reply
          .header("content-type", "application/manifest+json; charset=utf-8")
          .header("cache-control", "public, max-age=300")
          .send(JSON.stringify(manifest));
      },
    );
  };

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync } from "fastify";
import { readablePair } from "../../../shared/color.ts";
import type { AppContext } from "../../context.ts";
import { portalOpen } from "../../workspaces/portal-settings.ts";
import { portalUrl } from "../../workspaces/portal-url.ts";
import { widgetSettingsOf } from "../../workspaces/widget-settings.ts";
import { brandingOf, type Workspace } from "../../workspaces/workspace.branding.ts";
import { embedOriginsOf } from "../../workspaces/workspace.embedding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";

// /portal/{slug}/widget.js: the floating widget's loader (src/web/widget/loader.js), the one line
// a customer's site pastes. The workspace's settings are put into the script, so it is cached
// only briefly, with an ETag; a workspace with the widget off (or its portal closed) answers 404.
// Served on a verified custom domain too (/widget.js there, host-routing.ts), like every portal path.

const LOADER_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../web/widget/loader.js",
);
const PLACEHOLDER = "PORTICO_WIDGET_CONFIG";

let loaderSource: string | undefined;
/** The loader's code without its comments and leading indentation: what is served. */
function loaderTemplate(): string {
  if (loaderSource === undefined) {
    loaderSource = fs
      .readFileSync(LOADER_FILE, "utf8")
      .split("\n")
      .filter((l) => !/^\s*\/\//.test(l))
      .map((l) => l.trim())
      .filter(Boolean)
      .join("\n");
  }
  return loaderSource;
}

/** JSON safe to put in a script: no `<`, and the line separators older parsers refuse. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

/** The loader as served to `ws`'s customers' sites. */
export function widgetLoader(ctx: AppContext, ws: Workspace): string {
  const s = widgetSettingsOf(ws);
  const b = brandingOf(ws);
  const pair = readablePair(b.primaryColor);
  const config = {
    label: s.label,
    position: s.position,
    name: b.brandName,
    color: pair.background,
    text: pair.text,
    // The sites allowed to frame the panel (null: any), so others show no launcher.
    sites: embedOriginsOf(ws),
    // Where the panel is when the script's own address cannot be read (an old browser).
    src: portalUrl(ctx.config, ws, "/widget.js"),
  };
  return loaderTemplate().replace(PLACEHOLDER, () => scriptJson(config));
}

export const widgetLoaderRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { slug: string } }>(
      "/:slug/widget.js",
      { schema: { hide: true } },
      async (req, reply) => {
        const ws = await findWorkspaceBySlug(ctx, req.params.slug);
        if (!ws || !portalOpen(ws) || !widgetSettingsOf(ws).enabled) {
          return reply
            .status(404)
            .header("content-type", "text/javascript; charset=utf-8")
            .header("cache-control", "no-store")
            .send("/* No floating widget here. */\n");
        }
        const body = widgetLoader(ctx, ws);
        const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
        reply
          .header("content-type", "text/javascript; charset=utf-8")
          // A minute, then asked again with the ETag: a change of settings shows soon.
          .header("cache-control", "public, max-age=60, stale-while-revalidate=300")
          .header("etag", etag)
          // Loaded by other sites' pages, as a script.
          .header("cross-origin-resource-policy", "cross-origin")
          .header("access-control-allow-origin", "*");
        if (req.headers["if-none-match"] === etag) return reply.status(304).send();
        return reply.send(body);
      },
    );
  };

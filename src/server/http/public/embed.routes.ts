import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync } from "fastify";

// GET /portal/embed.js: the script line of the iframe embed's snippet (Settings → Share the
// portal), run on the customer's own site; it sizes the framed submit form to its content
// (src/web/embed/embed.js). Its address is fixed, since customers paste it into their pages, so it
// is cached for an hour and revalidated by its ETag. It may be loaded by any site (a script, and
// the frame it serves may be framed anywhere the workspace allows). On a custom domain it is
// served as is (host-routing.ts), so the snippet uses the form's own origin for both lines.

export const EMBED_SCRIPT_PATH = "/portal/embed.js";

const SOURCE = fs.readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../web/embed/embed.js"),
);
const ETAG = `"${createHash("sha256").update(SOURCE).digest("hex").slice(0, 16)}"`;

export const embedRoutes = (): FastifyPluginAsync => async (app) => {
  app.get("/embed.js", { schema: { hide: true } }, async (req, reply) => {
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .header("etag", ETAG)
      .header("cross-origin-resource-policy", "cross-origin");
    const given = req.headers["if-none-match"];
    if (given?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === ETAG)) {
      return reply.status(304).send();
    }
    return reply.send(SOURCE);
  });
};

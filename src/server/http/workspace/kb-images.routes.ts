import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { KB_IMAGE_MAX_BYTES, uploadKbImage } from "../../kb/kb.images.ts";
import { declaredLength, rawBodies, UPLOAD_BODY_DOC } from "../public/files.routes.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Images for articles, pasted or dropped into the editor, inside the workspace tree (its session
// and CSRF hook apply). Served at the address the answer gives (http/public/kb-images.routes.ts).

export const workspaceKbImageRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    rawBodies(app);
    app.post(
      "/kb/images",
      {
        config: { upload: true },
        schema: {
          tags: ["knowledge base"],
          summary: "Upload an image for an article",
          description: `The image itself is the body, up to ${KB_IMAGE_MAX_BYTES / 1024 / 1024} MB: PNG, JPEG, GIF or WebP, judged by its bytes. The answer's markdown shows it in an article; visitors see it once a published article does.`,
          security: [{ session: [], csrf: [] }],
          querystring: Type.Object({ name: Type.String({ maxLength: 1000 }) }),
          body: UPLOAD_BODY_DOC,
          response: {
            201: Type.Object({
              id: Type.String(),
              name: Type.String(),
              contentType: Type.String(),
              size: Type.Integer(),
              url: Type.String({ description: "The image's address, on our own origin" }),
              markdown: Type.String({ description: "A Markdown image to insert" }),
            }),
            ...errors(400, 401, 403, 413, 415, 422, 503),
          },
        },
      },
      async (req, reply) => {
        const s = sessionOf(req);
        const result = await uploadKbImage(ctx, s.actor, s.workspace.slug, {
          name: req.query.name,
          body: req.raw,
          declaredLength: declaredLength(req.headers["content-length"]),
        });
        return reply.status(201).send(result);
      },
    );
  };

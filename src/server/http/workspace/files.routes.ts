import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { MAX_FILE_BYTES } from "../../../shared/files.ts";
import type { AppContext } from "../../context.ts";
import { findAttachmentForAgent } from "../../files/file.access.ts";
import { receiveUpload, sendStoredFile } from "../../files/file.service.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { declaredLength, rawBodies, UPLOAD_BODY_DOC } from "../public/files.routes.ts";
import { errors, FILE_ANSWER, THUMBNAIL_IMAGE_ANSWER } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Agents' files, inside the workspace tree (its session and CSRF hook apply).

export const workspaceFileRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    rawBodies(app);

    app.post(
      "/uploads",
      {
        config: { upload: true },
        schema: {
          tags: ["tickets"],
          summary: "Upload a file for a reply or note",
          description: `The file itself is the body, up to ${MAX_FILE_BYTES / 1024 / 1024} MB, with the same allowlist and checks as the portal. Only the agent who uploaded it can attach it, within 24 hours.`,
          security: [{ session: [], csrf: [] }],
          querystring: Type.Object({ name: Type.String({ maxLength: 1000 }) }),
          body: UPLOAD_BODY_DOC,
          response: { 201: Type.Ref("UploadResult"), ...errors(400, 401, 403, 413, 415, 422, 503) },
        },
      },
      async (req, reply) => {
        const result = await receiveUpload(
          ctx,
          { kind: "agent", actor: sessionOf(req).actor },
          {
            name: req.query.name,
            body: req.raw,
            declaredLength: declaredLength(req.headers["content-length"]),
          },
        );
        return reply.status(201).send(result);
      },
    );

    app.get(
      "/attachments/:id",
      {
        schema: {
          tags: ["tickets"],
          summary: "Download an attachment",
          description: "Any attachment on a ticket of this workspace; anything else is a 404.",
          security: [{ session: [] }],
          params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
          response: {
            200: FILE_ANSWER,
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) =>
        sendStoredFile(ctx, reply, await findAttachmentForAgent(ctx, sessionOf(req).actor, req.params.id)),
    );

    app.get(
      "/attachments/:id/thumbnail",
      {
        schema: {
          tags: ["tickets"],
          summary: "An image attachment's thumbnail",
          description:
            "The same access as the download; a file without a thumbnail (not an image, or too large to decode) is a 404.",
          security: [{ session: [] }],
          params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
          response: {
            200: THUMBNAIL_IMAGE_ANSWER,
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) =>
        sendThumbnail(ctx, reply, await findAttachmentForAgent(ctx, sessionOf(req).actor, req.params.id)),
    );
  };

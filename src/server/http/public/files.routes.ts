import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { MAX_FILE_BYTES } from "../../../shared/files.ts";
import type { AppContext } from "../../context.ts";
import { findAttachmentForTokenHolder } from "../../files/file.access.ts";
import { receiveUpload, sendStoredFile } from "../../files/file.service.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { apiEntry, trackingViewer } from "../portal/portal-entry.ts";
import { errors, FILE_ANSWER, THUMBNAIL_IMAGE_ANSWER } from "../shared/schema.ts";
import { validatorCompiler } from "../shared/validation.ts";

// Customers' files: one upload route (the file is the raw request body, streamed) and one
// download route behind the tracking token. Its own plugin, so the raw-body parser stays here.

export const UploadResult = Type.Object(
  {
    id: Type.String(),
    key: Type.String({ description: "Send this in `attachments` to attach the file; it works once." }),
    name: Type.String(),
    size: Type.Integer(),
    contentType: Type.String(),
    typeLabel: Type.String(),
    expiresAt: Type.String({ format: "date-time", description: "Unattached uploads are deleted then" }),
  },
  { $id: "UploadResult" },
);

/** For the OpenAPI document only: the handler streams the body, nothing parses or validates it. */
export const UPLOAD_BODY_DOC = {
  description: "The file's bytes, sent as they are (any Content-Type; the type is judged from the bytes)",
  content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
};

/**
 * In this plugin the body is not parsed: the handler streams it. Its schema only documents the
 * body in OpenAPI; query and params are validated as everywhere else.
 */
export function rawBodies(app: Parameters<FastifyPluginAsyncTypebox>[0]) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_req, _payload, done) => done(null, undefined));
  app.setValidatorCompiler((route) =>
    route.httpPart === "body" ? () => true : validatorCompiler(app.schemaCompilers)(route),
  );
}

export function declaredLength(header: string | undefined): number | undefined {
  return header && /^\d+$/.test(header) ? Number(header) : undefined;
}

const TokenFileParams = Type.Object({
  slug: Type.String({ maxLength: 40 }),
  reference: Type.String({ maxLength: 20 }),
  id: Type.String({ maxLength: 40 }),
});
const TokenQuery = Type.Object({ t: Type.Optional(Type.String({ maxLength: 128 })) });

export const publicFileRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    rawBodies(app);

    /** The one lookup behind the download and the thumbnail: the ticket's tracking token opens its files. */
    const tokenHolderFile = async (
      req: FastifyRequest<{ Params: Static<typeof TokenFileParams>; Querystring: Static<typeof TokenQuery> }>,
    ) => {
      const entry = await apiEntry(ctx, req, req.params.slug);
      return findAttachmentForTokenHolder(ctx, {
        viewer: trackingViewer(entry),
        slug: req.params.slug,
        reference: req.params.reference,
        token: req.query.t,
        id: req.params.id,
      });
    };

    app.post(
      "/upload",
      {
        config: { upload: true },
        schema: {
          tags: ["portal"],
          summary: "Upload a file to attach",
          description: `Send the file itself as the body. Up to ${MAX_FILE_BYTES / 1024 / 1024} MB; images (JPEG, PNG, GIF, WebP, SVG), PDF, text, CSV, Word or Excel, judged by the content and matching the name's extension. Limited to 5 uploads per 10 minutes per client address. The answer's key attaches the file to a submission or reply within 24 hours. With a malware scanner configured, a file with malware is refused (422 file_infected), and while the scanner cannot answer the upload gets 503 file_scan_unavailable (or is accepted, as the server is set up). While the server takes as many uploads at once as it is set up for, 503 uploads_busy with Retry-After.`,
          querystring: Type.Object({
            portal: Type.String({ maxLength: 40, description: "The portal's slug" }),
            name: Type.String({ maxLength: 1000, description: "The file's name, with its extension" }),
          }),
          body: UPLOAD_BODY_DOC,
          response: { 201: Type.Ref("UploadResult"), ...errors(400, 401, 404, 413, 415, 422, 429, 503) },
        },
      },
      async (req, reply) => {
        // Uploading is part of submitting and replying: where those need sign-in, so does this.
        const { ws } = await apiEntry(ctx, req, req.query.portal);
        const result = await receiveUpload(
          ctx,
          { kind: "public", workspaceId: ws.id, clientAddress: req.ip },
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
      "/portals/:slug/tickets/:reference/attachments/:id",
      {
        schema: {
          tags: ["portal"],
          summary: "Download an attachment",
          description:
            "Needs the ticket's tracking token. Files on internal notes, other tickets' files and wrong or expired tokens all get the same 404. Raster images are served inline, everything else as a download.",
          params: TokenFileParams,
          querystring: TokenQuery,
          response: {
            200: FILE_ANSWER,
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) => {
        return sendStoredFile(ctx, reply, await tokenHolderFile(req));
      },
    );

    app.get(
      "/portals/:slug/tickets/:reference/attachments/:id/thumbnail",
      {
        schema: {
          tags: ["portal"],
          summary: "An image attachment's thumbnail",
          description:
            "The same access as the download (the ticket's tracking token); a file without a thumbnail is the same 404.",
          params: TokenFileParams,
          querystring: TokenQuery,
          response: {
            200: THUMBNAIL_IMAGE_ANSWER,
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) => {
        return sendThumbnail(ctx, reply, await tokenHolderFile(req));
      },
    );
  };

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { openDocumentDownload } from "../../documents/document.download.ts";
import { companyOf, getDocument, listDocuments } from "../../documents/document.read.ts";
import {
  DOWNLOAD_ANSWER,
  DocumentList,
  DocumentListQuery,
  DocumentUploadQuery,
  DocumentVersionQuery,
  DocumentView,
  DownloadQuery,
  THUMBNAIL_ANSWER,
} from "../../documents/document.schemas.ts";
import { uploadDocument, uploadVersion } from "../../documents/document.service.ts";
import { findDocumentThumbnail } from "../../documents/document.thumbnails.ts";
import { serveSealedFile } from "../../files/file.intake.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { Key } from "../../lib/schema.ts";
import { declaredLength, rawBodies, UPLOAD_BODY_DOC } from "../public/files.routes.ts";
import { errors } from "../shared/schema.ts";
import { customerOf } from "./gate.ts";

// The signed-in customer's company documents: its own uploads and the team's published
// deliverables (never a draft: that is a 404 like any other id). Behind the customers' one gate
// (account.routes.ts portalApiRoutes).

const tags = ["customer portal"];
const security = [{ customerSession: [] }];
const writeSecurity = [{ customerSession: [], customerCsrf: [] }];
const Slug = Type.Object({ slug: Type.String({ maxLength: 40 }) });
const Doc = Type.Object({ slug: Type.String({ maxLength: 40 }), id: Key(64) });

/** Files a task's upload under Onboarding: the task itself only preselects the folder. */
export const folderFor = (q: { folder?: string | undefined; task?: string | undefined }) =>
  q.folder ?? (q.task ? "Onboarding" : "");

export const portalDocumentRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    await app.register(uploads(ctx));

    app.get(
      "/:slug/documents",
      {
        schema: {
          tags,
          summary: "Your company's documents",
          description:
            "Your company's uploads and the team's published deliverables. Without a company: 404.",
          security,
          params: Slug,
          querystring: DocumentListQuery,
          response: { 200: DocumentList, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const actor = customerOf(req).actor;
        return listDocuments(ctx, actor, companyOf(actor), req.query);
      },
    );

    app.get(
      "/:slug/documents/:id",
      {
        schema: {
          tags,
          summary: "One document with its versions",
          security,
          params: Doc,
          response: { 200: DocumentView, ...errors(401, 404) },
        },
      },
      async (req) => {
        const actor = customerOf(req).actor;
        return getDocument(ctx, actor, companyOf(actor), req.params.id);
      },
    );

    app.get(
      "/:slug/documents/:id/download",
      {
        schema: {
          tags,
          summary: "Download a document (the team sees the download on the company's timeline)",
          security,
          params: Doc,
          querystring: DownloadQuery,
          response: { 200: DOWNLOAD_ANSWER, ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const file = await openDocumentDownload(
          ctx,
          actor,
          companyOf(actor),
          req.params.id,
          req.query.version,
        );
        return serveSealedFile(ctx, reply, file, { attachment: true });
      },
    );

    app.get(
      "/:slug/documents/:id/thumbnail",
      {
        schema: {
          tags,
          summary: "An image document's thumbnail",
          description: "The same access as the download (a draft or another company's: 404).",
          security,
          params: Doc,
          querystring: DownloadQuery,
          response: { 200: THUMBNAIL_ANSWER, ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const file = await findDocumentThumbnail(
          ctx,
          actor,
          companyOf(actor),
          req.params.id,
          req.query.version,
        );
        return sendThumbnail(ctx, reply, file);
      },
    );
  };

/** The uploads: their own plugin, so the raw-body parser stays here. */
const uploads =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    rawBodies(app);

    app.post(
      "/:slug/documents",
      {
        config: { upload: true },
        schema: {
          tags,
          summary: "Upload a document for your company",
          description:
            "The file itself is the body (streamed). Up to the workspace's document size (413 document_too_large) and within your company's total (413 company_quota_exceeded); images, PDF, text, CSV, Word or Excel, judged by the bytes. task=… files it under Onboarding.",
          security: writeSecurity,
          params: Slug,
          querystring: Type.Omit(DocumentUploadQuery, ["publish"]),
          body: UPLOAD_BODY_DOC,
          response: { 201: DocumentView, ...errors(400, 401, 403, 404, 413, 415, 422, 503) },
        },
      },
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const doc = await uploadDocument(ctx, actor, companyOf(actor), {
          name: req.query.name,
          body: req.raw,
          declaredLength: declaredLength(req.headers["content-length"]),
          title: req.query.title,
          folder: folderFor(req.query),
          tags: req.query.tags,
        });
        return reply.status(201).send(doc);
      },
    );

    app.post(
      "/:slug/documents/:id/versions",
      {
        config: { upload: true },
        schema: {
          tags,
          summary: "Upload a new version of one of your company's own documents",
          security: writeSecurity,
          params: Doc,
          querystring: DocumentVersionQuery,
          body: UPLOAD_BODY_DOC,
          response: { 201: DocumentView, ...errors(400, 401, 403, 404, 413, 415, 422, 503) },
        },
      },
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const doc = await uploadVersion(ctx, actor, companyOf(actor), req.params.id, {
          name: req.query.name,
          body: req.raw,
          declaredLength: declaredLength(req.headers["content-length"]),
        });
        return reply.status(201).send(doc);
      },
    );
  };

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { openDocumentDownload } from "../../documents/document.download.ts";
import { getDocument, listDocuments } from "../../documents/document.read.ts";
import {
  DOWNLOAD_ANSWER,
  DocumentList,
  DocumentListQuery,
  DocumentPatch,
  DocumentUploadQuery,
  DocumentVersionQuery,
  DocumentView,
  DownloadQuery,
  THUMBNAIL_ANSWER,
} from "../../documents/document.schemas.ts";
import {
  deleteDocument,
  publishDocument,
  updateDocument,
  uploadDocument,
  uploadVersion,
} from "../../documents/document.service.ts";
import { findDocumentThumbnail } from "../../documents/document.thumbnails.ts";
import { serveSealedFile } from "../../files/file.intake.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { Key } from "../../lib/schema.ts";
import { declaredLength, rawBodies, UPLOAD_BODY_DOC } from "../public/files.routes.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// A company's documents for agents: the list, uploads (the file is the raw body, streamed),
// versions, publishing a deliverable, refiling, deleting and downloading. Under the agents' gate
// with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];
const tags = ["companies"];
const Company = Type.Object({ id: Key(64) });
const Doc = Type.Object({ id: Key(64), documentId: Key(64) });

const LIMITS =
  "Up to the workspace's document size (413 document_too_large) and within the company's total (413 company_quota_exceeded); the same allowlist and checks as attachments, judged by the bytes.";

export const workspaceDocumentRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    await app.register(uploads(ctx));

    app.get(
      "/companies/:id/documents",
      {
        schema: {
          tags,
          summary: "A company's documents",
          description: "Drafts included. Filter by folder (exact) or tag.",
          security,
          params: Company,
          querystring: DocumentListQuery,
          response: { 200: DocumentList, ...errors(400, 401, 404) },
        },
      },
      async (req) => listDocuments(ctx, sessionOf(req).actor, req.params.id, req.query),
    );

    app.get(
      "/companies/:id/documents/:documentId",
      {
        schema: {
          tags,
          summary: "One document with its versions",
          security,
          params: Doc,
          response: { 200: DocumentView, ...errors(401, 404) },
        },
      },
      async (req) => getDocument(ctx, sessionOf(req).actor, req.params.id, req.params.documentId),
    );

    app.patch(
      "/companies/:id/documents/:documentId",
      {
        schema: {
          tags,
          summary: "Rename a document, move it to another folder or change its tags",
          security,
          params: Doc,
          body: DocumentPatch,
          response: { 200: DocumentView, ...errors(400, 401, 404) },
        },
      },
      async (req) =>
        updateDocument(ctx, sessionOf(req).actor, req.params.id, req.params.documentId, req.body),
    );

    app.post(
      "/companies/:id/documents/:documentId/publish",
      {
        schema: {
          tags,
          summary: "Publish a draft deliverable: the company's contacts see it from now on",
          security,
          params: Doc,
          response: { 200: DocumentView, ...errors(401, 404) },
        },
      },
      async (req) => publishDocument(ctx, sessionOf(req).actor, req.params.id, req.params.documentId),
    );

    app.delete(
      "/companies/:id/documents/:documentId",
      {
        schema: {
          tags,
          summary: "Delete a document",
          security,
          params: Doc,
          response: { 204: Type.Null(), ...errors(401, 404) },
        },
      },
      async (req, reply) => {
        await deleteDocument(ctx, sessionOf(req).actor, req.params.id, req.params.documentId);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/companies/:id/documents/:documentId/download",
      {
        schema: {
          tags,
          summary: "Download a document (recorded on the company timeline)",
          security: [{ session: [] }],
          params: Doc,
          querystring: DownloadQuery,
          response: { 200: DOWNLOAD_ANSWER, ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const file = await openDocumentDownload(
          ctx,
          sessionOf(req).actor,
          req.params.id,
          req.params.documentId,
          req.query.version,
        );
        return serveSealedFile(ctx, reply, file, { attachment: true });
      },
    );

    app.get(
      "/companies/:id/documents/:documentId/thumbnail",
      {
        schema: {
          tags,
          summary: "An image document's thumbnail",
          description: "The same access as the download.",
          security: [{ session: [] }],
          params: Doc,
          querystring: DownloadQuery,
          response: { 200: THUMBNAIL_ANSWER, ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const file = await findDocumentThumbnail(
          ctx,
          sessionOf(req).actor,
          req.params.id,
          req.params.documentId,
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
      "/companies/:id/documents",
      {
        config: { upload: true },
        schema: {
          tags,
          summary: "Upload a deliverable",
          description: `The file itself is the body. A draft unless publish=true. ${LIMITS}`,
          security,
          params: Company,
          querystring: DocumentUploadQuery,
          body: UPLOAD_BODY_DOC,
          response: { 201: DocumentView, ...errors(400, 401, 404, 413, 415, 422, 503) },
        },
      },
      async (req, reply) => {
        const doc = await uploadDocument(ctx, sessionOf(req).actor, req.params.id, {
          name: req.query.name,
          body: req.raw,
          declaredLength: declaredLength(req.headers["content-length"]),
          title: req.query.title,
          folder: req.query.folder,
          tags: req.query.tags,
          publish: req.query.publish === "true",
        });
        return reply.status(201).send(doc);
      },
    );

    app.post(
      "/companies/:id/documents/:documentId/versions",
      {
        config: { upload: true },
        schema: {
          tags,
          summary: "Upload a new version of a document",
          description: `The file itself is the body; it becomes the current version. ${LIMITS}`,
          security,
          params: Doc,
          querystring: DocumentVersionQuery,
          body: UPLOAD_BODY_DOC,
          response: { 201: DocumentView, ...errors(400, 401, 404, 413, 415, 422, 503) },
        },
      },
      async (req, reply) => {
        const doc = await uploadVersion(ctx, sessionOf(req).actor, req.params.id, req.params.documentId, {
          name: req.query.name,
          body: req.raw,
          declaredLength: declaredLength(req.headers["content-length"]),
        });
        return reply.status(201).send(doc);
      },
    );
  };

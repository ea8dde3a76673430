import type { Readable } from "node:stream";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { openDocumentDownload } from "../../documents/document.download.ts";
import { companyOf } from "../../documents/document.read.ts";
import { uploadDocument, uploadVersion } from "../../documents/document.service.ts";
import { findDocumentThumbnail } from "../../documents/document.thumbnails.ts";
import { openPortalDocuments } from "../../documents/portal-documents.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { serveSealedFile } from "../../files/file.intake.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { formString } from "../../web/forms.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { codedErrorKey } from "../shared/customer.layout.ts";
import { multipartFileOf, multipartUploads } from "../shared/multipart-upload.ts";
import { sendCustomerPage } from "./customer-page.ts";
import { documentsMain, documentsUnavailableMain, NO_FILE } from "./documents.views.ts";
import { customerOf } from "./gate.ts";
import type { Reader } from "./reader.ts";

// The signed-in portal's documents: /portal/{slug}/documents (the company's documents by folder,
// the upload form, versions), and downloads, always as attachments. Uploads are plain multipart
// forms read as a stream, so large files work without JavaScript and never sit in memory.

type Params = { slug: string; id: string };

/** A version number from the address; anything else names no version (404). */
const versionOf = (raw: string | undefined) => {
  const version = raw && /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
  if (raw !== undefined && !version) throw new AppError(404, "not_found", "No such version.");
  return version;
};

/** The notice after each upload, by the address's ?done= (catalogue keys). */
const NOTICES: Record<string, string> = {
  uploaded: "work:documents.notice.uploaded",
  version: "work:documents.notice.version",
};

export const portalDocumentPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    multipartUploads(app);

    const page = (
      req: FastifyRequest,
      reply: FastifyReply,
      main: (ws: Workspace, t: Reader) => Html,
      status = 200,
    ) =>
      sendCustomerPage(ctx, req, reply, {
        title: (t) => t.t("work:documents.title"),
        current: "documents",
        main,
        status,
      });

    const documents = async (
      req: FastifyRequest,
      reply: FastifyReply,
      opts: {
        errors?: FieldErrors;
        failedId?: string;
        status?: number;
        notice?: string;
        folder?: string;
      } = {},
    ) => {
      const actor = customerOf(req).actor;
      if (!actor.companyId) return page(req, reply, documentsUnavailableMain);
      const { list, seenAt } = await openPortalDocuments(ctx, actor, actor.companyId);
      const csrfToken = customerCsrfTokenFor(req.customerToken as string);
      return page(
        req,
        reply,
        (ws, t) =>
          documentsMain(
            ws,
            list,
            { csrfToken, seenAt, ...opts, ...(opts.notice ? { notice: t.t(opts.notice) } : {}) },
            t,
          ),
        opts.status,
      );
    };

    app.get<{ Params: { slug: string }; Querystring: { done?: string; task?: string } }>(
      "/:slug/documents",
      (req, reply) => {
        const notice = NOTICES[req.query.done ?? ""];
        return documents(req, reply, {
          ...(notice ? { notice } : {}),
          ...(req.query.task ? { folder: "Onboarding" } : {}),
        });
      },
    );

    app.get<{ Params: Params; Querystring: { version?: string } }>(
      "/:slug/documents/:id/download",
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const version = versionOf(req.query.version);
        const file = await openDocumentDownload(ctx, actor, companyOf(actor), req.params.id, version);
        return serveSealedFile(ctx, reply, file, { attachment: true });
      },
    );

    app.get<{ Params: Params; Querystring: { version?: string } }>(
      "/:slug/documents/:id/thumbnail",
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const version = versionOf(req.query.version);
        const file = await findDocumentThumbnail(ctx, actor, companyOf(actor), req.params.id, version);
        return sendThumbnail(ctx, reply, file);
      },
    );

    /** Runs an upload; a refusal re-renders the page with the error beside the file field. */
    const upload = async (
      req: FastifyRequest,
      reply: FastifyReply,
      failedId: string | undefined,
      run: (file: { name: string; body: Readable }) => Promise<unknown>,
      done: string,
    ) => {
      const file = multipartFileOf(req);
      const slug = (req.params as { slug: string }).slug;
      const failed = (errors: FieldErrors, status: number) =>
        documents(req, reply, { errors, status, ...(failedId ? { failedId } : {}) });
      if (!file) return failed({ file: NO_FILE }, 400);
      try {
        await run({ name: file.name, body: file.stream });
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 404) {
          if (err.headers) reply.headers(err.headers);
          return failed({ file: codedErrorKey(err) ?? err.message }, err.status);
        }
        throw err;
      }
      return reply.redirect(`/portal/${encodeURIComponent(slug)}/documents?done=${done}`, 303);
    };

    app.post<{ Params: { slug: string } }>("/:slug/documents", (req, reply) =>
      upload(
        req,
        reply,
        undefined,
        (file) => {
          const actor = customerOf(req).actor;
          return uploadDocument(ctx, actor, companyOf(actor), {
            name: file.name,
            body: file.body,
            declaredLength: undefined,
            title: formString(req.body, "title"),
            folder: formString(req.body, "folder"),
          });
        },
        "uploaded",
      ),
    );

    app.post<{ Params: Params }>("/:slug/documents/:id/versions", (req, reply) =>
      upload(
        req,
        reply,
        req.params.id.slice(0, 40),
        (file) => {
          const actor = customerOf(req).actor;
          return uploadVersion(ctx, actor, companyOf(actor), req.params.id, {
            name: file.name,
            body: file.body,
            declaredLength: undefined,
          });
        },
        "version",
      ),
    );
  };

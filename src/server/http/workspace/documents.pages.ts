import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import { getCompany } from "../../companies/company.service.ts";
import type { AppContext } from "../../context.ts";
import { openDocumentDownload } from "../../documents/document.download.ts";
import { listDocuments } from "../../documents/document.read.ts";
import {
  deleteDocument,
  publishDocument,
  updateDocument,
  uploadDocument,
  uploadVersion,
} from "../../documents/document.service.ts";
import { findDocumentThumbnail } from "../../documents/document.thumbnails.ts";
import { AppError } from "../../errors.ts";
import { serveSealedFile } from "../../files/file.intake.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { formString } from "../../web/forms.ts";
import { multipartFileOf, multipartUploads } from "../shared/multipart-upload.ts";
import { companyDocumentsMain, type DocumentsPageState } from "./documents.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/companies/:id/documents, through the same services as the JSON API. Uploads are plain
// multipart forms read as a stream (multipart-upload.ts).

type Params = { id: string; documentId: string };
type Query = { folder?: string; tag?: string; done?: string };

const NOTICES: Record<string, string> = {
  uploaded: "Document uploaded.",
  version: "New version uploaded.",
  published: "Published: the company's contacts see it now.",
  saved: "Document saved.",
  deleted: "Document deleted.",
};

/** A version number from the address; anything else names no version (404). */
const versionOf = (raw: string | undefined) => {
  const version = raw && /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
  if (raw !== undefined && !version) throw new AppError(404, "not_found", "No such version.");
  return version;
};

const fixable = (err: unknown): err is AppError =>
  err instanceof AppError && err.status < 500 && err.status !== 404 && err.status !== 403;

export const companyDocumentPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    multipartUploads(app);
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
    const companyIdOf = (req: FastifyRequest) => (req.params as { id: string }).id.slice(0, 64);
    const docIdOf = (req: FastifyRequest) => (req.params as { documentId: string }).documentId.slice(0, 64);

    const show = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: Partial<DocumentsPageState> & { status?: number } = {},
    ) => {
      const q = req.query as Query;
      const filter = {
        ...(typeof q.folder === "string" ? { folder: q.folder.slice(0, 80) } : {}),
        ...(typeof q.tag === "string" && q.tag ? { tag: q.tag.slice(0, 40) } : {}),
      };
      const company = await getCompany(ctx, actorOf(req), companyIdOf(req));
      const list = await listDocuments(ctx, actorOf(req), company.id, filter);
      return sendAppPage(req, reply, {
        title: `Documents · ${company.name}`,
        section: "companies",
        status: st.status ?? 200,
        main: companyDocumentsMain(req, company, list, { ...st, filter }),
      });
    };

    const back = (req: FastifyRequest, reply: FastifyReply, done: string) =>
      reply.redirect(`/app/companies/${encodeURIComponent(companyIdOf(req))}/documents?done=${done}`, 303);

    /** Runs a change; a refusal the agent can fix re-renders the page with it beside the form. */
    const change = async (
      req: FastifyRequest,
      reply: FastifyReply,
      failedId: string | undefined,
      run: () => Promise<unknown>,
      done: string,
    ) => {
      try {
        await run();
      } catch (err) {
        if (fixable(err)) {
          if (err.headers) reply.headers(err.headers);
          return show(req, reply, {
            ...(err.fields ? { errors: err.fields } : { message: err.message }),
            ...(failedId ? { failedId } : {}),
            status: err.status,
          });
        }
        throw err;
      }
      return back(req, reply, done);
    };

    const fileOf = (req: FastifyRequest) => {
      const file = multipartFileOf(req);
      if (!file)
        throw new AppError(400, "validation_failed", "Choose a file.", {
          fields: { file: "choose a file to upload" },
        });
      return { name: file.name, body: file.stream, declaredLength: undefined };
    };

    app.get<{ Params: { id: string }; Querystring: Query }>("/companies/:id/documents", (req, reply) => {
      const notice = NOTICES[req.query.done ?? ""];
      return show(req, reply, notice ? { notice } : {});
    });

    app.post<{ Params: { id: string } }>("/companies/:id/documents", (req, reply) =>
      change(
        req,
        reply,
        undefined,
        () =>
          uploadDocument(ctx, actorOf(req), companyIdOf(req), {
            ...fileOf(req),
            title: formString(req.body, "title"),
            folder: formString(req.body, "folder"),
            tags: formString(req.body, "tags"),
            publish: formString(req.body, "publish") === "true",
          }),
        "uploaded",
      ),
    );

    app.post<{ Params: Params }>("/companies/:id/documents/:documentId/versions", (req, reply) =>
      change(
        req,
        reply,
        docIdOf(req),
        () => uploadVersion(ctx, actorOf(req), companyIdOf(req), docIdOf(req), fileOf(req)),
        "version",
      ),
    );

    app.post<{ Params: Params }>("/companies/:id/documents/:documentId/publish", (req, reply) =>
      change(
        req,
        reply,
        docIdOf(req),
        () => publishDocument(ctx, actorOf(req), companyIdOf(req), docIdOf(req)),
        "published",
      ),
    );

    app.post<{ Params: Params }>("/companies/:id/documents/:documentId/edit", (req, reply) =>
      change(
        req,
        reply,
        docIdOf(req),
        () =>
          updateDocument(ctx, actorOf(req), companyIdOf(req), docIdOf(req), {
            title: (formString(req.body, "title") ?? "").slice(0, 200),
            folder: (formString(req.body, "folder") ?? "").slice(0, 80),
            tags: (formString(req.body, "tags") ?? "").split(","),
          }),
        "saved",
      ),
    );

    app.post<{ Params: Params }>("/companies/:id/documents/:documentId/delete", (req, reply) =>
      change(
        req,
        reply,
        docIdOf(req),
        () => deleteDocument(ctx, actorOf(req), companyIdOf(req), docIdOf(req)),
        "deleted",
      ),
    );

    app.get<{ Params: Params; Querystring: { version?: string } }>(
      "/companies/:id/documents/:documentId/download",
      async (req, reply) => {
        const version = versionOf(req.query.version);
        const file = await openDocumentDownload(ctx, actorOf(req), companyIdOf(req), docIdOf(req), version);
        return serveSealedFile(ctx, reply, file, { attachment: true });
      },
    );

    app.get<{ Params: Params; Querystring: { version?: string } }>(
      "/companies/:id/documents/:documentId/thumbnail",
      async (req, reply) => {
        const version = versionOf(req.query.version);
        const file = await findDocumentThumbnail(ctx, actorOf(req), companyIdOf(req), docIdOf(req), version);
        return sendThumbnail(ctx, reply, file);
      },
    );
  };

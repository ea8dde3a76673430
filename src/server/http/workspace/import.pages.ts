import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import { ImportUploadBody } from "../../contacts/import.schemas.ts";
import { commitImport, getImport, listImports, previewImport } from "../../contacts/import.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, forbidden, validationFailed } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import { formValidator } from "../shared/validation.ts";
import { IMPORT_BODY_LIMIT } from "./import.routes.ts";
import { importMain, importUploadMain, type UploadState } from "./import.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/contacts/import (admins): the file, its preview, the import and its record, through the
// same services as the JSON API. The import runs in the commit's request, in one transaction;
// app.js shows its progress meanwhile by polling GET /api/workspace/imports/:id (on SQLite the
// transaction has the one connection to itself, so the bar stays indeterminate until the end).

const checkUpload = formValidator(ImportUploadBody, { csv: "must not contain control characters" });

export const importPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => {
      const actor = (req.session as SessionInfo).actor;
      if (actor.role !== "admin") throw forbidden("Only admins import contacts.");
      return actor;
    };
    const showUpload = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: UploadState & { status?: number },
    ) =>
      sendAppPage(req, reply, {
        title: "Import contacts",
        section: "contacts",
        status: st.status ?? 200,
        main: importUploadMain(req, await listImports(ctx, actorOf(req)), st),
      });

    app.get("/contacts/import", async (req, reply) => showUpload(req, reply, {}));

    app.post("/contacts/import", { bodyLimit: IMPORT_BODY_LIMIT }, async (req, reply) => {
      const actor = actorOf(req);
      const fileName = (formString(req.body, "fileName") ?? "").trim().slice(0, 200) || "pasted.csv";
      const csv = (formString(req.body, "csv") ?? "").replace(/\r\n/g, "\n");
      try {
        if (!csv.trim()) throw validationFailed({ csv: "is empty: choose a file or paste its text" });
        const errors = checkUpload({ fileName, csv });
        if (errors) throw validationFailed(errors);
        const v = await previewImport(ctx, actor, { fileName, csv });
        return reply.redirect(`/app/contacts/import/${v.id}`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 403) {
          // A refused file is not shown back when large: the admin chooses it again.
          const fields = Object.fromEntries(
            Object.entries(err.fields ?? {}).map(([f, m]) => [f === "file" ? "csv" : f, m]),
          );
          return showUpload(req, reply, {
            fileName,
            ...(csv.length <= 64 * 1024 ? { csv } : {}),
            errors: Object.keys(fields).length ? fields : { csv: err.message },
            message: err.message,
            status: err.status,
          });
        }
        throw err;
      }
    });

    app.get<{ Params: { id: string } }>("/contacts/import/:id", async (req, reply) => {
      const v = await getImport(ctx, actorOf(req), req.params.id.slice(0, 64));
      return sendAppPage(req, reply, {
        title: `Import of ${v.fileName}`,
        section: "contacts",
        main: importMain(req, v),
      });
    });

    app.post<{ Params: { id: string } }>("/contacts/import/:id/commit", async (req, reply) => {
      const actor = actorOf(req);
      const id = req.params.id.slice(0, 64);
      try {
        await commitImport(ctx, actor, id, {
          skipInvalidRows: formString(req.body, "skipInvalidRows") === "on",
        });
        return reply.redirect(`/app/contacts/import/${id}`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 409) {
          const v = await getImport(ctx, actor, id);
          return sendAppPage(req, reply, {
            title: `Import of ${v.fileName}`,
            section: "contacts",
            status: 409,
            main: importMain(req, v, err.message),
          });
        }
        throw err;
      }
    });
  };

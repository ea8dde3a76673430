import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "../../contacts/import.csv.ts";
import { ImportCommitBody, ImportUploadBody, ImportView } from "../../contacts/import.schemas.ts";
import { commitImport, getImport, previewImport } from "../../contacts/import.service.ts";
import type { AppContext } from "../../context.ts";
import { Key } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Importing contacts and companies from CSV (admins): a preview, then the import, then its
// record. Under the agents' gate with the rest of the workspace API (registered by
// workspace.routes.ts).

const security = [{ session: [], csrf: [] }];
const Params = Type.Object({ id: Key(64) });
/** The file travels inside JSON, where quotes and line breaks take two characters each. */
export const IMPORT_BODY_LIMIT = 2 * MAX_IMPORT_BYTES + 64 * 1024;

export const workspaceImportRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      "/imports",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags: ["contacts"],
          summary: "Check a contacts CSV and preview its import (admins)",
          description: `The header row names the columns, in any case: name (or full name, contact name, or first and last name), email (required), company (or organization), domain (or domains, company domain) and phone (or phone number, work phone); other columns are ignored. Comma, semicolon or tab separated. Up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB and ${MAX_IMPORT_ROWS} rows (413 file_too_large, too_many_rows); 400 invalid_csv, empty_file or missing_email_column. Each row's problems are listed with its number (the header is row 1). Nothing is imported yet: the answer's id is committed with POST /imports/{id}/commit within a day.`,
          security,
          body: ImportUploadBody,
          response: { 201: ImportView, ...errors(400, 401, 403, 413) },
        },
      },
      async (req, reply) => reply.status(201).send(await previewImport(ctx, sessionOf(req).actor, req.body)),
    );

    app.post(
      "/imports/:id/commit",
      {
        schema: {
          tags: ["contacts"],
          summary: "Import a previewed file (admins)",
          description:
            "The body is a JSON object, {} for the defaults. Every valid row in one transaction: all of them or none. A file with errors is refused (409 import_has_errors) unless skipInvalidRows is true. Contacts are matched by email: a known one gets the file's name, phone and company where they differ and the cell is not empty; companies are matched by name ignoring case and added when missing; a domain is added to its company (not joining automatically) when no company has it. The answer is the import's record: status done with what it did, or failed with the reason and nothing imported. 409 import_not_pending for an import that ran already.",
          security,
          params: Params,
          body: ImportCommitBody,
          response: { 200: ImportView, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) =>
        commitImport(ctx, sessionOf(req).actor, req.params.id, {
          skipInvalidRows: req.body.skipInvalidRows,
        }),
    );

    app.get(
      "/imports/:id",
      {
        schema: {
          tags: ["contacts"],
          summary: "An import: its preview, its progress while it runs, and what it did (admins)",
          security: [{ session: [] }],
          params: Params,
          response: { 200: ImportView, ...errors(401, 403, 404) },
        },
      },
      async (req) => getImport(ctx, sessionOf(req).actor, req.params.id),
    );
  };

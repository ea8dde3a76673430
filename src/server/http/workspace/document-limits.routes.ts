import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { StrictObject } from "../../lib/schema.ts";
import {
  DOCUMENT_FILE_MB_MAX,
  DOCUMENT_QUOTA_MB_MAX,
  documentLimitsOf,
  updateDocumentLimits,
} from "../../workspaces/document-limits.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Settings → Documents: the largest document file and one company's total. Under the agents'
// gate with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];

const MaxFileMb = Type.Integer({
  minimum: 1,
  maximum: DOCUMENT_FILE_MB_MAX,
  description: `The largest document file, in MB (1–${DOCUMENT_FILE_MB_MAX})`,
  "x-error": `must be a whole number of MB from 1 to ${DOCUMENT_FILE_MB_MAX}`,
});
const CompanyQuotaMb = Type.Integer({
  minimum: 1,
  maximum: DOCUMENT_QUOTA_MB_MAX,
  description: `What one company's documents may take in all, every version counted, in MB (1–${DOCUMENT_QUOTA_MB_MAX})`,
  "x-error": `must be a whole number of MB from 1 to ${DOCUMENT_QUOTA_MB_MAX}`,
});

export const DocumentLimits = Type.Object({ maxFileMb: Type.Integer(), companyQuotaMb: Type.Integer() });
export const DocumentLimitsBody = StrictObject({
  maxFileMb: Type.Optional(MaxFileMb),
  companyQuotaMb: Type.Optional(CompanyQuotaMb),
});

export const workspaceDocumentLimitRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/documents",
      {
        schema: {
          tags: ["settings"],
          summary: "The limits on company documents",
          security,
          response: { 200: DocumentLimits, ...errors(401) },
        },
      },
      async (req) => documentLimitsOf(await getWorkspace(ctx, sessionOf(req).actor)),
    );

    app.patch(
      "/settings/documents",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the limits on company documents (admins)",
          description:
            "Holds at once for every upload; documents already stored stay. The largest file may not exceed a company's total.",
          security,
          body: DocumentLimitsBody,
          response: { 200: DocumentLimits, ...errors(400, 401, 403) },
        },
      },
      async (req) => {
        const actor = sessionOf(req).actor;
        const ws = await getWorkspace(ctx, actor);
        return documentLimitsOf(await updateDocumentLimits(ctx, actor, ws, req.body));
      },
    );
  };

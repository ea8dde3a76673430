import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AppContext } from "../../context.ts";
import { embeddingOf, updateEmbedding } from "../../workspaces/workspace.embedding.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";
import { Embedding, EmbeddingBody } from "./workspace.schemas.ts";

// Settings → Share: which sites may embed the submit form. Under the agents' gate with the rest
// of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];

export const workspaceEmbeddingRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/embedding",
      {
        schema: {
          tags: ["settings"],
          summary: "Sites allowed to embed the submit form",
          description: "Sent as the submit page's CSP frame-ancestors; no other portal page may be framed.",
          security,
          response: { 200: Embedding, ...errors(401) },
        },
      },
      async (req) => embeddingOf(await getWorkspace(ctx, sessionOf(req).actor)),
    );

    app.put(
      "/settings/embedding",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the sites allowed to embed the submit form (admins)",
          description:
            "Each entry must be an https origin without a path; a refusal names each entry at fault (allowedOrigins.N).",
          security,
          body: EmbeddingBody,
          response: { 200: Embedding, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateEmbedding(ctx, sessionOf(req).actor, req.body.allowedOrigins),
    );
  };

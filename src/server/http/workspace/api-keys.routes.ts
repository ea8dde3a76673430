import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { ApiKeyList, ApiKeyView, CreateApiKeyBody, CreatedApiKey } from "../../apikeys/api-key.schemas.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../apikeys/api-keys.ts";
import type { AppContext } from "../../context.ts";
import { Key } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// /api/workspace/api-keys: an admin's API keys, managed with the admin's own session only (a key
// is refused here, 403 api_key_not_allowed; other agents get 404).

const security = [{ session: [], csrf: [] }];
const sessionOnly = { sessionOnly: true };

/**
 * Documents every route registered after it in `tree` (the agents' JSON API) as open to an API
 * key too (OpenAPI scheme `apiKey`), but those marked `config: { sessionOnly: true }`.
 */
export function documentApiKeys(tree: FastifyInstance): void {
  tree.addHook("onRoute", (route) => {
    const schema = route.schema;
    const listed = schema?.security;
    // A GET's HEAD twin shares its schema: the scheme is added once.
    if (schema && listed && !route.config?.sessionOnly && !listed.some((s) => "apiKey" in s)) {
      schema.security = [...listed, { apiKey: [] }];
    }
  });
}

export const workspaceApiKeyRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/api-keys",
      {
        config: sessionOnly,
        schema: {
          tags: ["settings"],
          summary: "API keys, newest first, revoked ones included (admins)",
          security,
          response: { 200: ApiKeyList, ...errors(401, 403, 404) },
        },
      },
      async (req) => ({ items: await listApiKeys(ctx, sessionOf(req).actor) }),
    );

    app.post(
      "/api-keys",
      {
        config: sessionOnly,
        schema: {
          tags: ["settings"],
          summary: "Create an API key (admins)",
          description:
            "The answer's token is shown this once: only its hash is kept. The key acts as you with an agent's role (never an admin's) and stops working if you are deactivated.",
          security,
          body: CreateApiKeyBody,
          response: { 201: CreatedApiKey, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => reply.status(201).send(await createApiKey(ctx, sessionOf(req).actor, req.body)),
    );

    app.delete(
      "/api-keys/:id",
      {
        config: sessionOnly,
        schema: {
          tags: ["settings"],
          summary: "Revoke an API key (admins)",
          description: "Its next request is refused (401 invalid_api_key). The key stays listed as revoked.",
          security,
          params: Type.Object({ id: Key(64) }),
          response: { 200: ApiKeyView, ...errors(401, 403, 404) },
        },
      },
      async (req) => revokeApiKey(ctx, sessionOf(req).actor, req.params.id),
    );
  };

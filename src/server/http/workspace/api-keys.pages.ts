import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { CreateApiKeyBody } from "../../apikeys/api-key.schemas.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../apikeys/api-keys.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import { validateBody } from "../shared/validation.ts";
import { apiKeysMain, revokeConfirmMain } from "./api-keys.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/settings/api-keys: admins list, create and revoke API keys (other agents get the 404 page,
// as for the API). The form passes the JSON API's own body schema; a new key's token is on the
// page that answers the form, and nowhere afterwards.

const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
const NOTICES: Record<string, string> = { revoked: "Key revoked. Requests with it are now refused." };

export const apiKeyPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const page = { title: "API keys", section: "settings" } as const;

    app.get<{ Querystring: { done?: string } }>("/", async (req, reply) =>
      sendAppPage(req, reply, {
        ...page,
        main: apiKeysMain(req, await listApiKeys(ctx, actorOf(req)), {
          notice: NOTICES[req.query.done ?? ""],
        }),
      }),
    );

    app.post("/", async (req, reply) => {
      const values = {
        name: (formString(req.body, "name") ?? "").trim(),
        scope: formString(req.body, "scope") ?? "",
      };
      const errors = validateBody(CreateApiKeyBody, values);
      if (errors) {
        return sendAppPage(req, reply, {
          ...page,
          status: 400,
          main: apiKeysMain(req, await listApiKeys(ctx, actorOf(req)), { values, errors }),
        });
      }
      const created = await createApiKey(ctx, actorOf(req), values as CreateApiKeyBody);
      return sendAppPage(req, reply, {
        ...page,
        status: 201,
        main: apiKeysMain(req, await listApiKeys(ctx, actorOf(req)), { created }),
      });
    });

    const keyOf = async (req: FastifyRequest, id: string) => {
      const key = (await listApiKeys(ctx, actorOf(req))).find((k) => k.id === id.slice(0, 64));
      if (!key || key.revokedAt) throw notFound();
      return key;
    };

    app.get<{ Params: { id: string } }>("/:id/revoke", async (req, reply) =>
      sendAppPage(req, reply, {
        title: "Revoke API key",
        section: "settings",
        main: revokeConfirmMain(req, await keyOf(req, req.params.id)),
      }),
    );

    app.post<{ Params: { id: string } }>("/:id/revoke", async (req, reply) => {
      await revokeApiKey(ctx, actorOf(req), (await keyOf(req, req.params.id)).id);
      return reply.redirect("/app/settings/api-keys?done=revoked", 303);
    });
  };

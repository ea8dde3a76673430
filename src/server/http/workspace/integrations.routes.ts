import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AppContext } from "../../context.ts";
import { workspaceApiKeyRoutes } from "./api-keys.routes.ts";
import { workspaceHandoverRoutes } from "./handover.routes.ts";
import { workspaceWebhookRoutes } from "./webhooks.routes.ts";
import { workspaceWidgetRoutes } from "./widget.routes.ts";

// Portico in the team's other tools, under the agents' gate with the rest of the workspace API
// (registered by workspace.routes.ts): webhooks, API keys, bot handover, the widget's settings.

export const workspaceIntegrationRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    await app.register(workspaceWebhookRoutes(ctx));
    await app.register(workspaceHandoverRoutes(ctx));
    await app.register(workspaceApiKeyRoutes(ctx));
    await app.register(workspaceWidgetRoutes(ctx));
  };

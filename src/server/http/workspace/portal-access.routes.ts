import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { OneOf, StrictObject } from "../../lib/schema.ts";
import { PORTAL_ACCESS_LEVELS, portalAccessOf, updatePortalAccess } from "../../workspaces/portal-access.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Settings → Portal access: who may use the portal, and whether customers see their request's
// agent. Under the agents' gate with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];

const Level = OneOf(
  PORTAL_ACCESS_LEVELS,
  "public: anyone submits, follows requests by their tracking links and reads the public help articles (customers may sign in); account: submitting, tracking and the help articles need a signed-in customer, who may register with a verified email; invited: the same, for contacts the team invited only",
);

export const PortalAccess = Type.Object({ portalAccess: Level, showAssignee: Type.Boolean() });
export const PortalAccessBody = StrictObject({
  portalAccess: Type.Optional(Level),
  showAssignee: Type.Optional(Type.Boolean({ description: "Show customers the name of the agent assigned" })),
});

export const workspacePortalAccessRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/portal-access",
      {
        schema: {
          tags: ["settings"],
          summary: "Who can use the portal",
          security,
          response: { 200: PortalAccess, ...errors(401) },
        },
      },
      async (req) => portalAccessOf(await getWorkspace(ctx, sessionOf(req).actor)),
    );

    app.patch(
      "/settings/portal-access",
      {
        schema: {
          tags: ["settings"],
          summary: "Change who can use the portal (admins)",
          description:
            "Takes effect at once for every page and API of the portal, tracking links included: under account and invited a tracking link opens its request only for a signed-in customer who may see it. Email keeps creating tickets at every level.",
          security,
          body: PortalAccessBody,
          response: { 200: PortalAccess, ...errors(400, 401, 403) },
        },
      },
      async (req) => portalAccessOf(await updatePortalAccess(ctx, sessionOf(req).actor, req.body)),
    );
  };

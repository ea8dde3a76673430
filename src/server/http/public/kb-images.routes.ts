import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Actor } from "../../actors.ts";
import { resolveSession } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { sendKbImage } from "../../kb/kb.images.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { portalEntry } from "../portal/portal-entry.ts";
import { cookieName } from "../shared/cookies.ts";

// /portal/{slug}/kb/images/{id}: an image pasted into an article, from our own origin. An agent
// of the workspace (by the agents' session cookie) sees any, a draft's too; everyone else only
// those a published article they may read shows (kb-image.access.ts). The bytes, not a page:
// kept out of the API document, registered inside the public KB pages' tree (kb.pages.ts).

const ID = /^[0-9a-f-]{36}$/;

/** The agent of this workspace behind the request's agents' cookie, if any. */
export async function agentOfWorkspace(ctx: AppContext, req: FastifyRequest, ws: Workspace) {
  const token = req.cookies[cookieName(ctx.config, "portico_session")];
  if (!token) return null;
  const session = await resolveSession(ctx, token);
  return session && session.actor.workspaceId === ws.id ? session.actor : null;
}

export const publicKbImageRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { slug: string; id: string } }>(
      "/:slug/kb/images/:id",
      { schema: { hide: true } },
      async (req, reply) => {
        if (!ID.test(req.params.id)) throw notFound();
        const ws = await findWorkspaceBySlug(ctx, req.params.slug.slice(0, 80));
        if (!ws) throw notFound();
        let actor: Actor | null = await agentOfWorkspace(ctx, req, ws);
        if (!actor) {
          const entry = await portalEntry(ctx, req, ws.slug);
          if (typeof entry === "string") throw notFound();
          actor = entry.actor;
        }
        return sendKbImage(ctx, reply, actor, req.params.id);
      },
    );
  };

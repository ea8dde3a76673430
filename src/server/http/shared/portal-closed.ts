import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { portalOpen } from "../../workspaces/portal-settings.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { portalLayout } from "./customer.layout.ts";
import { newNonce, sendHtml } from "./html-response.ts";
import { customerTranslator } from "./locale.ts";
import { closedMain } from "./portal-closed.views.ts";

// The answer of every customer page while the workspace has turned its portal off: the
// workspace's own frame, in the reader's language, 403 with nothing of the portal behind it
// (no navigation, no search). Not a 503: nothing is down, the admin chose it.

export const PORTAL_CLOSED_STATUS = 403;

export function sendPortalClosed(reply: FastifyReply, ws: Workspace, t: Translator): FastifyReply {
  const nonce = newNonce();
  reply.header("cache-control", "no-store");
  return sendHtml(
    reply,
    portalLayout({
      ws,
      t,
      nonce,
      title: t.t("home:closed.title"),
      closed: true,
      main: closedMain(t, ws),
    }),
    { kind: "page", nonce, status: PORTAL_CLOSED_STATUS },
  );
}

export const portalClosedError = () =>
  new AppError(PORTAL_CLOSED_STATUS, "portal_closed", "This portal is closed. Contact the team by email.");

/**
 * For a whole tree of customer pages or APIs that does not go through portalEntry (the signed-in
 * portal behind its gate, signing in): an onRequest hook answering the closed page, or 403
 * portal_closed for JSON, while the portal of the address is turned off. Added before the gate,
 * so a closed portal never resolves a session.
 */
export function refuseWhileClosed(ctx: AppContext, answer: "page" | "json") {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const slug = (req.params as { slug?: unknown } | undefined)?.slug;
    if (typeof slug !== "string") return;
    const ws = await findWorkspaceBySlug(ctx, slug);
    if (!ws || portalOpen(ws)) return;
    if (answer === "json") throw portalClosedError();
    return sendPortalClosed(reply, ws, customerTranslator(ctx.config, reply, ws));
  };
}

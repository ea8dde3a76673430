import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { uploadKeysFrom } from "../../files/file.service.ts";
import { CustomerReplyBody } from "../../tickets/ticket.schemas.ts";
import { getTrackingView, replyAsTokenHolder } from "../../tickets/tracking.ts";
import { formText } from "../../web/forms.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { pageTree } from "../shared/page-tree.ts";
import { formValidator } from "../shared/validation.ts";
import { followUpMain, liveFragment, notFoundMain, trackingMain } from "./tracking.views.ts";

// /portal/{slug}/tickets/{reference}?t=…: the tracking token opens this one request, to read
// and to reply. A wrong, expired or other ticket's token gets the same not-found page.

type TrackingRequest = FastifyRequest<{
  Params: { slug: string; reference: string };
  Querystring: { t?: string; sent?: string; part?: string };
}>;

const validReply = formValidator(CustomerReplyBody);

export const trackingPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 64 * 1024 });

    const tracking = async (
      req: TrackingRequest,
      reply: FastifyReply,
      opts: { errors?: FieldErrors; draft?: string; status?: number } = {},
    ) => {
      const nonce = newNonce();
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) return plainNotFound(reply, nonce);
      try {
        const token = String(req.query.t ?? "");
        const view = await getTrackingView(ctx, ws.slug, req.params.reference, token);
        if (req.query.part === "live")
          return sendHtml(reply, liveFragment(ws, view, token), { kind: "fragment" });
        const notice = req.query.sent === "1" ? "Your reply was sent." : undefined;
        return sendHtml(
          reply,
          portalLayout({
            ws,
            nonce,
            title: `${view.reference}: ${view.subject}`,
            main: trackingMain(ws, view, token, { ...opts, ...(notice ? { notice } : {}) }),
          }),
          { kind: "page", nonce, status: opts.status ?? 200 },
        );
      } catch (err) {
        if (err instanceof AppError && err.status === 404) {
          return sendHtml(
            reply,
            portalLayout({ ws, nonce, title: "Request not found", main: notFoundMain(ws, ws.slug) }),
            { kind: "page", nonce, status: 404 },
          );
        }
        throw err;
      }
    };

    app.get<{
      Params: { slug: string; reference: string };
      Querystring: { t?: string; sent?: string; part?: string };
    }>("/:slug/tickets/:reference", (req, reply) => tracking(req, reply));

    app.post<{ Params: { slug: string; reference: string }; Querystring: { t?: string } }>(
      "/:slug/tickets/:reference/reply",
      async (req, reply) => {
        const body = formText(req.body, "body");
        const attachments = uploadKeysFrom((req.body as Record<string, unknown> | undefined)?.attachments);
        const errors = validReply({ body, ...(attachments.length ? { attachments } : {}) });
        if (errors) return tracking(req, reply, { errors, draft: body, status: 400 });
        try {
          const result = await replyAsTokenHolder(ctx, {
            slug: req.params.slug,
            reference: req.params.reference,
            token: req.query.t,
            body,
            attachments,
          });
          if (result.kind === "follow_up") {
            const nonce = newNonce();
            const ws = (await findWorkspaceBySlug(ctx, req.params.slug)) as Workspace;
            return sendHtml(
              reply,
              portalLayout({
                ws,
                nonce,
                title: "New request started",
                main: followUpMain(req.params.reference, result),
              }),
              { kind: "page", nonce, status: 201 },
            );
          }
          const t = encodeURIComponent(String(req.query.t ?? ""));
          return reply.redirect(
            `/portal/${req.params.slug}/tickets/${req.params.reference}?t=${t}&sent=1#latest`,
            303,
          );
        } catch (err) {
          if (err instanceof AppError && err.status === 404) return tracking(req, reply);
          if (err instanceof AppError && err.status < 500 && err.fields) {
            return tracking(req, reply, { errors: err.fields, draft: body, status: err.status });
          }
          throw err;
        }
      },
    );
  };

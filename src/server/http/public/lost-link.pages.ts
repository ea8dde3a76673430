import type { FastifyPluginAsync, FastifyReply } from "fastify";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { emailOpenRequests } from "../../tickets/lost-link.ts";
import { formString } from "../../web/forms.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { portalEntry } from "../portal/portal-entry.ts";
import { customerErrorMessage, plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { sendPortalClosed } from "../shared/portal-closed.ts";
import { formValidator } from "../shared/validation.ts";
import { LostLinkBody } from "./lost-link.routes.ts";
import { lostLinkForm, lostLinkSent, lostLinkSignIn } from "./lost-link.views.ts";

// /portal/{slug}/lost-link: "Email me my requests", for customers without an account. The same
// answer whether or not the address has requests; on a portal that needs sign-in, the way there.

const validLostLink = formValidator(LostLinkBody);

export const lostLinkPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 4 * 1024 });

    const page = (reply: FastifyReply, ws: Workspace, main: (t: Translator) => Html, status = 200) => {
      const nonce = newNonce();
      const t = customerTranslator(ctx.config, reply, ws);
      return sendHtml(
        reply,
        portalLayout({
          ws,
          t,
          nonce,
          title: t.t("lostlink:title"),
          main: main(t),
          path: `/portal/${ws.slug}/lost-link`,
        }),
        {
          kind: "page",
          nonce,
          status,
        },
      );
    };
    /** The workspace for the form, or null once the answer is sent (unknown portal, sign in). */
    const open = async (req: Parameters<typeof portalEntry>[1], reply: FastifyReply, slug: string) => {
      const entry = await portalEntry(ctx, req, slug);
      if (entry === "no_portal") {
        await plainNotFound(reply, newNonce());
        return null;
      }
      if (entry === "closed") {
        const found = await findWorkspaceBySlug(ctx, slug);
        if (found) await sendPortalClosed(reply, found, customerTranslator(ctx.config, reply, found));
        return null;
      }
      if (entry === "sign_in") {
        const found = await findWorkspaceBySlug(ctx, slug);
        if (found) await page(reply, found, (t) => lostLinkSignIn(found, t));
        return null;
      }
      return entry.ws;
    };

    app.get<{ Params: { slug: string } }>("/:slug/lost-link", async (req, reply) => {
      const ws = await open(req, reply, req.params.slug);
      if (!ws) return reply;
      return page(reply, ws, (t) => lostLinkForm(ws, t, ""));
    });

    app.post<{ Params: { slug: string } }>("/:slug/lost-link", async (req, reply) => {
      const ws = await open(req, reply, req.params.slug);
      if (!ws) return reply;
      const email = (formString(req.body, "email") ?? "").trim();
      const errors = validLostLink({ email });
      if (errors) return page(reply, ws, (t) => lostLinkForm(ws, t, email, errors), 400);
      try {
        await emailOpenRequests(ctx, ws, { email, clientAddress: req.ip });
      } catch (err) {
        if (err instanceof AppError && err.code === "rate_limited") {
          if (err.headers) reply.headers(err.headers);
          return page(
            reply,
            ws,
            (t) => lostLinkForm(ws, t, email, undefined, customerErrorMessage(t, err)),
            429,
          );
        }
        throw err;
      }
      return page(reply, ws, (t) => lostLinkSent(ws, t));
    });
  };

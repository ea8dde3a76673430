import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor, revokeCustomerSession } from "../../auth/customer-session.service.ts";
import {
  changeCustomerPassword,
  listCustomerSessions,
  renameCustomer,
  revokeCustomerSessionById,
  revokeOtherCustomerSessions,
  setCustomerPreferences,
} from "../../auth/customer-sessions.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import type { Html } from "../../web/html.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { plainNotFound } from "../shared/customer.layout.ts";
import { newNonce } from "../shared/html-response.ts";
import { pageTree } from "../shared/page-tree.ts";
import type { GateAnswers } from "../shared/session-gate.ts";
import { type AccountState, accountMain, expiredFormMain } from "./account.views.ts";
import { sendCustomerPage } from "./customer-page.ts";
import { addCustomerGate, clearCustomerCookie, customerOf } from "./gate.ts";
import { setLanguageCookie } from "./language-cookie.ts";
import type { Reader } from "./reader.ts";

// /portal/{slug}/account and signing out, as pages behind the customer gate: without a session,
// back to sign-in (and here again after it); a form without its session's CSRF token, a page
// saying it expired.

type R = { Params: { slug: string; id: string }; Querystring: { saved?: string } };

const slugOf = (req: FastifyRequest) => (req.params as { slug?: string }).slug ?? "";

function portalPage(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  p: { title: string; status: number; main: (t: Reader) => Html },
) {
  return sendCustomerPage(ctx, req, reply, {
    status: p.status,
    title: (t) => t.t(p.title),
    current: "account",
    main: (_ws, t) => p.main(t),
  });
}

/** The notice after each change, by the address's ?saved= (catalogue keys). */
const NOTICES: Record<string, string> = {
  name: "account:notice.name",
  preferences: "account:notice.preferences",
  password: "account:notice.password",
  session: "account:notice.session",
  others: "account:notice.others",
};

export const portalAccountPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 16 * 1024 });
    const answers: GateAnswers = {
      unauthenticated: async (req, reply) => {
        const slug = slugOf(req);
        if (!(await findWorkspaceBySlug(ctx, slug))) return plainNotFound(reply, newNonce());
        const next = req.method === "GET" ? `?next=${encodeURIComponent(req.url)}` : "";
        return reply.redirect(`/portal/${slug}/sign-in${next}`, 303);
      },
      csrfFailed: (req, reply) =>
        portalPage(ctx, req, reply, {
          title: "account:expired.title",
          status: 403,
          main: (t) => expiredFormMain(t),
        }),
      tokenInForm: true,
    };
    addCustomerGate(app, ctx, answers);

    const show = async (req: FastifyRequest<R>, reply: FastifyReply, st: AccountState = {}, status = 200) => {
      const c = customerOf(req);
      const token = req.customerToken as string;
      const sessions = await listCustomerSessions(ctx, c.actor, token);
      return portalPage(ctx, req, reply, {
        title: "account:title",
        status,
        main: (t) =>
          accountMain(
            c.workspace.slug,
            customerCsrfTokenFor(token),
            c.contact,
            sessions,
            { ...st, ...(st.notice ? { notice: t.t(st.notice) } : {}) },
            t,
          ),
      });
    };
    const done = (req: FastifyRequest<R>, reply: FastifyReply, saved: string) =>
      reply.redirect(`/portal/${req.params.slug}/account?saved=${saved}`, 303);

    app.get<R>("/:slug/account", (req, reply) => {
      const notice = NOTICES[req.query.saved ?? ""];
      return show(req, reply, notice ? { notice } : {});
    });

    app.post<R>("/:slug/account/name", async (req, reply) => {
      try {
        await renameCustomer(ctx, customerOf(req).actor, formString(req.body, "name") ?? "");
        return done(req, reply, "name");
      } catch (err) {
        if (err instanceof AppError && err.status === 400)
          return show(req, reply, { nameErrors: err.fields }, 400);
        throw err;
      }
    });

    app.post<R>("/:slug/account/preferences", async (req, reply) => {
      try {
        const saved = await setCustomerPreferences(ctx, customerOf(req).actor, {
          locale: (formString(req.body, "locale") ?? "").slice(0, 10),
          timeZone: (formString(req.body, "timeZone") ?? "").slice(0, 64),
        });
        setLanguageCookie(ctx, reply, saved.locale);
        return done(req, reply, "preferences");
      } catch (err) {
        if (err instanceof AppError && err.status === 400)
          return show(req, reply, { preferenceErrors: err.fields }, 400);
        throw err;
      }
    });

    app.post<R>("/:slug/account/password", async (req, reply) => {
      try {
        await changeCustomerPassword(ctx, customerOf(req).actor, {
          current: formString(req.body, "current") ?? "",
          password: formString(req.body, "password") ?? "",
          currentToken: req.customerToken as string,
          ip: req.ip,
        });
        return done(req, reply, "password");
      } catch (err) {
        if (err instanceof AppError && err.status === 400)
          return show(req, reply, { passwordErrors: err.fields }, 400);
        throw err;
      }
    });

    app.post<R>("/:slug/account/sessions/:id/revoke", async (req, reply) => {
      await revokeCustomerSessionById(ctx, customerOf(req).actor, req.params.id.slice(0, 64));
      return done(req, reply, "session");
    });

    app.post<R>("/:slug/account/sessions/sign-out-others", async (req, reply) => {
      await revokeOtherCustomerSessions(ctx, customerOf(req).actor, req.customerToken as string);
      return done(req, reply, "others");
    });

    app.post<R>("/:slug/sign-out", async (req, reply) => {
      await revokeCustomerSession(ctx, req.customerToken as string);
      clearCustomerCookie(ctx, reply);
      return reply.redirect(`/portal/${req.params.slug}/sign-in?signedOut=1`, 303);
    });
  };

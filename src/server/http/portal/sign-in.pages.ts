import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import {
  type CustomerSignedIn,
  findCustomerLink,
  requestMagicLink,
  signInCustomer,
  signInWithLink,
} from "../../auth/customer-accounts.ts";
import {
  acceptCustomerInvitation,
  confirmPasswordReset,
  requestPasswordReset,
} from "../../auth/customer-passwords.ts";
import { registrationOpen } from "../../auth/customer-registration.ts";
import { resolveCustomerSession } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import { formString } from "../../web/forms.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { refuseWhileClosed } from "../shared/portal-closed.ts";
import { preSessionToken, preSessionTokenHolds } from "../shared/pre-session.ts";
import { customerCookieName } from "./gate.ts";
import { registrationPages } from "./sign-in.register.pages.ts";
import { setCustomerCookie } from "./sign-in.routes.ts";
import { EXPIRED, MESSAGES, portalNext, type R, type SlugReq, said } from "./sign-in.shared.ts";
import {
  checkEmailMain,
  choosePasswordMain,
  type FormState,
  linkGoneMain,
  magicLinkMain,
  requestLinkMain,
  signInMain,
} from "./sign-in.views.ts";

// /portal/{slug}/sign-in and the other ways in, as pages that work without JavaScript. Every
// form carries the pre-session token (pre-session.ts); a post without it gets its form again,
// nothing done. An emailed link's GET only shows a form: a mail scanner opening it uses nothing.
// After signing in: `next` when it is a path of this same portal, else the portal's home.

export const portalSignInPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 16 * 1024 });
    // Nobody signs in to a portal its admin turned off.
    app.addHook("onRequest", refuseWhileClosed(ctx, "page"));

    const send = async (
      req: SlugReq,
      reply: FastifyReply,
      title: string,
      main: (ws: Workspace, csrf: string, t: Translator) => Html,
      status = 200,
    ) => {
      const nonce = newNonce();
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) return plainNotFound(reply, nonce);
      const csrf = preSessionToken(ctx.config, req, reply);
      const t = customerTranslator(ctx.config, reply, ws);
      return sendHtml(
        reply,
        portalLayout({
          ws,
          t,
          nonce,
          title: t.t(title),
          main: main(ws, csrf, t),
        }),
        {
          kind: "page",
          nonce,
          status,
        },
      );
    };
    const signedIn = (reply: FastifyReply, s: CustomerSignedIn, next: string) => {
      setCustomerCookie(ctx, reply, s);
      return reply.redirect(next, 303);
    };
    /**
     * A refusal a form shows: its fields and message, its status (and Retry-After). The messages
     * the ways in give are said in the customer's language as the page is drawn (MESSAGES).
     */
    const refusal = (reply: FastifyReply, err: unknown) => {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      if (err.headers) reply.headers(err.headers);
      const message = MESSAGES[err.code] ?? err.message;
      return { status: err.status, st: err.fields ? { errors: err.fields } : { message } };
    };
    const body = (req: FastifyRequest, key: string) => formString(req.body, key) ?? "";
    const linkGone = (req: SlugReq, reply: FastifyReply, _message?: string) =>
      send(req, reply, "signin:linkGone.title", (_ws, _csrf, t) => linkGoneMain(t, req.params.slug), 404);

    // --- signing in ----------------------------------------------------------------------------

    const signInPage = (
      req: SlugReq,
      reply: FastifyReply,
      values: { email?: string; next: string },
      st: Omit<FormState, "csrf"> = {},
      status = 200,
    ) =>
      send(
        req,
        reply,
        "signin:signIn.title",
        (ws, csrf, t) =>
          signInMain(t, ws.slug, values, {
            ...st,
            ...(st.message ? { message: t.t(st.message) } : {}),
            ...(st.notice ? { notice: t.t(st.notice) } : {}),
            csrf,
            canRegister: registrationOpen(ws),
          }),
        status,
      );

    app.get<R>("/:slug/sign-in", async (req, reply) => {
      const next = portalNext(req.params.slug, req.query.next);
      const session = await resolveCustomerSession(
        ctx,
        req.cookies[customerCookieName(ctx)],
        req.params.slug,
      );
      if (session) return reply.redirect(next, 303);
      return signInPage(req, reply, { next }, req.query.signedOut ? { notice: "signin:signedOut" } : {});
    });

    app.post<R>("/:slug/sign-in", async (req, reply) => {
      const values = {
        email: body(req, "email").trim(),
        next: portalNext(req.params.slug, body(req, "next")),
      };
      if (!preSessionTokenHolds(ctx.config, req)) {
        return signInPage(req, reply, values, { message: EXPIRED }, 403);
      }
      const missing: FieldErrors = {};
      if (!values.email) missing.email = "is required";
      if (!body(req, "password")) missing.password = "is required";
      if (Object.keys(missing).length) return signInPage(req, reply, values, { errors: missing }, 400);
      try {
        const s = await signInCustomer(ctx, {
          slug: req.params.slug,
          email: values.email,
          password: body(req, "password"),
          ip: req.ip,
        });
        return signedIn(reply, s, values.next);
      } catch (err) {
        const r = refusal(reply, err);
        return signInPage(req, reply, values, r.st, r.status);
      }
    });

    // --- asking for a link: a sign-in link, a password reset ------------------------------------

    for (const kind of ["magic-link", "forgot"] as const) {
      const title = kind === "magic-link" ? "signin:magicLink.title" : "signin:forgot.title";
      const form = (
        req: SlugReq,
        reply: FastifyReply,
        values: { email?: string },
        st: Omit<FormState, "csrf"> = {},
        status = 200,
      ) =>
        send(
          req,
          reply,
          title,
          (ws, csrf, t) =>
            requestLinkMain(
              t,
              ws.slug,
              kind,
              { ...values, next: portalNext(ws.slug, req.query.next) },
              said(t, { ...st, csrf }),
            ),
          status,
        );
      app.get<R>(`/:slug/${kind}`, (req, reply) => form(req, reply, {}));
      app.post<R>(`/:slug/${kind}`, async (req, reply) => {
        const email = body(req, "email").trim();
        if (!preSessionTokenHolds(ctx.config, req))
          return form(req, reply, { email }, { message: EXPIRED }, 403);
        if (!email) return form(req, reply, { email }, { errors: { email: "is required" } }, 400);
        try {
          const input = { slug: req.params.slug, email, ip: req.ip };
          await (kind === "magic-link" ? requestMagicLink(ctx, input) : requestPasswordReset(ctx, input));
        } catch (err) {
          const r = refusal(reply, err);
          return form(req, reply, { email }, r.st, r.status);
        }
        return send(req, reply, "signin:checkEmail.title", (ws, _c, t) => checkEmailMain(t, ws.slug), 202);
      });
    }

    // --- a magic link: GET shows the button, POST signs in --------------------------------------

    app.get<R>("/:slug/link/:token", async (req, reply) => {
      try {
        const who = await findCustomerLink(ctx, req.params.slug, req.params.token, "magic_link");
        const next = portalNext(req.params.slug, req.query.next);
        return send(req, reply, "signin:signIn.title", (ws, csrf, t) =>
          magicLinkMain(t, ws.slug, req.params.token, who, next, { csrf }),
        );
      } catch (err) {
        const r = refusal(reply, err);
        return linkGone(req, reply, r.st.message ?? "");
      }
    });

    app.post<R>("/:slug/link/:token", async (req, reply) => {
      const next = portalNext(req.params.slug, body(req, "next"));
      try {
        if (!preSessionTokenHolds(ctx.config, req)) {
          const who = await findCustomerLink(ctx, req.params.slug, req.params.token, "magic_link");
          return send(
            req,
            reply,
            "signin:signIn.title",
            (ws, csrf, t) =>
              magicLinkMain(
                t,
                ws.slug,
                req.params.token,
                who,
                next,
                said<FormState>(t, { csrf, message: EXPIRED }),
              ),
            403,
          );
        }
        return signedIn(
          reply,
          await signInWithLink(ctx, { slug: req.params.slug, token: req.params.token }),
          next,
        );
      } catch (err) {
        const r = refusal(reply, err);
        return linkGone(req, reply, r.st.message ?? "");
      }
    });

    // --- choosing a password from a link: a reset, an invitation --------------------------------

    for (const kind of ["reset", "invitation"] as const) {
      const purpose = kind === "reset" ? "password_reset" : "invite";
      const title = kind === "reset" ? "signin:reset.title" : "signin:invitation.title";
      const form = async (
        req: SlugReq,
        reply: FastifyReply,
        st: Omit<FormState, "csrf"> = {},
        status = 200,
      ) => {
        const token = req.params.token as string;
        const who = await findCustomerLink(ctx, req.params.slug, token, purpose);
        return send(
          req,
          reply,
          title,
          (ws, csrf, t) => choosePasswordMain(t, ws.slug, kind, token, who, said(t, { ...st, csrf })),
          status,
        );
      };
      const orGone = async (req: SlugReq, reply: FastifyReply, run: () => Promise<FastifyReply>) => {
        try {
          return await run();
        } catch (err) {
          const r = refusal(reply, err);
          if (r.status === 404) return linkGone(req, reply, r.st.message ?? "");
          return form(req, reply, r.st, r.status).catch((e) =>
            linkGone(req, reply, refusal(reply, e).st.message ?? ""),
          );
        }
      };
      app.get<R>(`/:slug/${kind}/:token`, (req, reply) => orGone(req, reply, () => form(req, reply)));
      app.post<R>(`/:slug/${kind}/:token`, (req, reply) =>
        orGone(req, reply, async () => {
          if (!preSessionTokenHolds(ctx.config, req)) return form(req, reply, { message: EXPIRED }, 403);
          const input = { slug: req.params.slug, token: req.params.token, password: body(req, "password") };
          const s = await (kind === "reset"
            ? confirmPasswordReset(ctx, input)
            : acceptCustomerInvitation(ctx, input));
          return signedIn(reply, s, portalNext(req.params.slug, undefined));
        }),
      );
    }

    registrationPages(ctx, app, { send, signedIn, refusal, body, linkGone });
  };

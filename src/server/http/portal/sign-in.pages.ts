import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import {
  acceptCustomerInvitation,
  type CustomerSignedIn,
  confirmPasswordReset,
  findCustomerLink,
  requestMagicLink,
  requestPasswordReset,
  signInCustomer,
  signInWithLink,
} from "../../auth/customer-accounts.ts";
import { registerCustomer, registrationOpen, verifyCustomerEmail } from "../../auth/customer-registration.ts";
import { resolveCustomerSession } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { refuseWhileClosed } from "../shared/portal-closed.ts";
import { PRE_SESSION_EXPIRED, preSessionToken, preSessionTokenHolds } from "../shared/pre-session.ts";
import { customerCookieName } from "./gate.ts";
import { CHECK_EMAIL, setCustomerCookie } from "./sign-in.routes.ts";
import {
  checkEmailMain,
  choosePasswordMain,
  type FormState,
  linkGoneMain,
  magicLinkMain,
  registerMain,
  registrationClosedMain,
  requestLinkMain,
  signInMain,
  verifyMain,
} from "./sign-in.views.ts";

// /portal/{slug}/sign-in and the other ways in, as pages that work without JavaScript. Every
// form carries the pre-session token (pre-session.ts); a post without it gets its form again,
// nothing done. An emailed link's GET only shows a form: a mail scanner opening it uses nothing.
// After signing in: `next` when it is a path of this same portal, else the portal's home.

type R = { Params: { slug: string; token: string }; Querystring: { next?: string; signedOut?: string } };
type SlugReq = FastifyRequest<R>;

/** Where to go after signing in: a path of this portal only. */
export function portalNext(slug: string, raw: unknown): string {
  const home = `/portal/${slug}/home`;
  if (typeof raw !== "string" || raw.length > 500) return home;
  if (!raw.startsWith(`/portal/${slug}/`) || raw.includes("\\") || raw.includes("//") || /[\s]/.test(raw)) {
    return home;
  }
  return raw;
}

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
      main: (ws: Workspace, csrf: string) => Html,
      status = 200,
    ) => {
      const nonce = newNonce();
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) return plainNotFound(reply, nonce);
      const csrf = preSessionToken(ctx.config, req, reply);
      return sendHtml(
        reply,
        portalLayout({
          ws,
          t: customerTranslator(ctx.config, reply, ws),
          nonce,
          title,
          main: main(ws, csrf),
        }),
        {
          kind: "page",
          nonce,
          status,
        },
      );
    };
    const signedIn = (reply: FastifyReply, s: CustomerSignedIn, next: string) => {
      setCustomerCookie(ctx, reply, s.token, s.expiresAt);
      return reply.redirect(next, 303);
    };
    /** A refusal a form shows: its fields and message, its status (and Retry-After). */
    const refusal = (reply: FastifyReply, err: unknown) => {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      if (err.headers) reply.headers(err.headers);
      return { status: err.status, st: err.fields ? { errors: err.fields } : { message: err.message } };
    };
    const body = (req: FastifyRequest, key: string) => formString(req.body, key) ?? "";
    const linkGone = (req: SlugReq, reply: FastifyReply, message: string) =>
      send(req, reply, "Link not valid", () => linkGoneMain(req.params.slug, message), 404);

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
        "Sign in",
        (ws, csrf) => signInMain(ws.slug, values, { ...st, csrf, canRegister: registrationOpen(ws) }),
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
      return signInPage(req, reply, { next }, req.query.signedOut ? { notice: "You are signed out." } : {});
    });

    app.post<R>("/:slug/sign-in", async (req, reply) => {
      const values = {
        email: body(req, "email").trim(),
        next: portalNext(req.params.slug, body(req, "next")),
      };
      if (!preSessionTokenHolds(ctx.config, req)) {
        return signInPage(req, reply, values, { message: PRE_SESSION_EXPIRED }, 403);
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
      const title = kind === "magic-link" ? "Email me a sign-in link" : "Reset your password";
      const form = (req: SlugReq, reply: FastifyReply, values: { email?: string }, st = {}, status = 200) =>
        send(
          req,
          reply,
          title,
          (ws, csrf) =>
            requestLinkMain(
              ws.slug,
              kind,
              { ...values, next: portalNext(ws.slug, req.query.next) },
              { ...st, csrf },
            ),
          status,
        );
      app.get<R>(`/:slug/${kind}`, (req, reply) => form(req, reply, {}));
      app.post<R>(`/:slug/${kind}`, async (req, reply) => {
        const email = body(req, "email").trim();
        if (!preSessionTokenHolds(ctx.config, req))
          return form(req, reply, { email }, { message: PRE_SESSION_EXPIRED }, 403);
        if (!email) return form(req, reply, { email }, { errors: { email: "is required" } }, 400);
        try {
          const input = { slug: req.params.slug, email, ip: req.ip };
          await (kind === "magic-link" ? requestMagicLink(ctx, input) : requestPasswordReset(ctx, input));
        } catch (err) {
          const r = refusal(reply, err);
          return form(req, reply, { email }, r.st, r.status);
        }
        return send(req, reply, "Check your email", (ws) => checkEmailMain(ws.slug, CHECK_EMAIL), 202);
      });
    }

    // --- a magic link: GET shows the button, POST signs in --------------------------------------

    app.get<R>("/:slug/link/:token", async (req, reply) => {
      try {
        const who = await findCustomerLink(ctx, req.params.slug, req.params.token, "magic_link");
        const next = portalNext(req.params.slug, req.query.next);
        return send(req, reply, "Sign in", (ws, csrf) =>
          magicLinkMain(ws.slug, req.params.token, who, next, { csrf }),
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
            "Sign in",
            (ws, csrf) =>
              magicLinkMain(ws.slug, req.params.token, who, next, { csrf, message: PRE_SESSION_EXPIRED }),
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
      const title = kind === "reset" ? "Choose a new password" : "Accept your invitation";
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
          (ws, csrf) => choosePasswordMain(ws.slug, kind, token, who, { ...st, csrf }),
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
          if (!preSessionTokenHolds(ctx.config, req))
            return form(req, reply, { message: PRE_SESSION_EXPIRED }, 403);
          const input = { slug: req.params.slug, token: req.params.token, password: body(req, "password") };
          const s = await (kind === "reset"
            ? confirmPasswordReset(ctx, input)
            : acceptCustomerInvitation(ctx, input));
          return signedIn(reply, s, portalNext(req.params.slug, undefined));
        }),
      );
    }

    // --- registering, and confirming the address ------------------------------------------------

    const registerForm = (
      req: SlugReq,
      reply: FastifyReply,
      values: { name?: string; email?: string },
      st: Omit<FormState, "csrf"> = {},
      status = 200,
    ) =>
      send(
        req,
        reply,
        registrationOpenTitle,
        (ws, csrf) =>
          registrationOpen(ws)
            ? registerMain(ws.slug, values, { ...st, csrf })
            : registrationClosedMain(ws.slug),
        status,
      );
    const registrationOpenTitle = "Create an account";
    const closed = async (req: SlugReq) => {
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      return ws !== undefined && !registrationOpen(ws);
    };

    app.get<R>("/:slug/register", async (req, reply) =>
      registerForm(req, reply, {}, {}, (await closed(req)) ? 404 : 200),
    );

    app.post<R>("/:slug/register", async (req, reply) => {
      const values = { name: body(req, "name").trim(), email: body(req, "email").trim() };
      if (await closed(req)) return registerForm(req, reply, values, {}, 404);
      if (!preSessionTokenHolds(ctx.config, req)) {
        return registerForm(req, reply, values, { message: PRE_SESSION_EXPIRED }, 403);
      }
      try {
        await registerCustomer(ctx, {
          slug: req.params.slug,
          ...values,
          password: body(req, "password"),
          ip: req.ip,
        });
      } catch (err) {
        const r = refusal(reply, err);
        return registerForm(req, reply, values, r.st, r.status);
      }
      return send(req, reply, "Check your email", (ws) => checkEmailMain(ws.slug, CHECK_EMAIL), 202);
    });

    const verifyForm = async (
      req: SlugReq,
      reply: FastifyReply,
      st: Omit<FormState, "csrf"> = {},
      status = 200,
    ) => {
      const token = req.params.token as string;
      const who = await findCustomerLink(ctx, req.params.slug, token, "verify_email");
      return send(
        req,
        reply,
        "Confirm your email",
        (ws, csrf) => verifyMain(ws.slug, token, who, { ...st, csrf }),
        status,
      );
    };

    app.get<R>("/:slug/verify/:token", async (req, reply) => {
      try {
        return await verifyForm(req, reply);
      } catch (err) {
        return linkGone(req, reply, refusal(reply, err).st.message ?? "");
      }
    });

    app.post<R>("/:slug/verify/:token", async (req, reply) => {
      try {
        if (!preSessionTokenHolds(ctx.config, req))
          return await verifyForm(req, reply, { message: PRE_SESSION_EXPIRED }, 403);
        const s = await verifyCustomerEmail(ctx, {
          slug: req.params.slug,
          token: req.params.token,
          password: body(req, "password"),
          ip: req.ip,
        });
        return signedIn(reply, s, portalNext(req.params.slug, undefined));
      } catch (err) {
        const r = refusal(reply, err);
        if (r.status === 404) return linkGone(req, reply, r.st.message ?? "");
        try {
          return await verifyForm(req, reply, r.st, r.status);
        } catch (e) {
          return linkGone(req, reply, refusal(reply, e).st.message ?? "");
        }
      }
    });
  };

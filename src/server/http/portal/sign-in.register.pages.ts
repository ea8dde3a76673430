import type { FastifyInstance, FastifyReply } from "fastify";
import { findCustomerLink } from "../../auth/customer-accounts.ts";
import { registerCustomer, registrationOpen, verifyCustomerEmail } from "../../auth/customer-registration.ts";
import type { AppContext } from "../../context.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { preSessionTokenHolds } from "../shared/pre-session.ts";
import { EXPIRED, portalNext, type R, type SignInKit, type SlugReq, said } from "./sign-in.shared.ts";
import {
  checkEmailMain,
  type FormState,
  registerMain,
  registrationClosedMain,
  verifyMain,
} from "./sign-in.views.ts";

// /portal/{slug}/register and /portal/{slug}/verify/{token}: a new account, and confirming its
// address from the emailed link (whose GET only shows the form). Part of portalSignInPages.

export function registrationPages(ctx: AppContext, app: FastifyInstance, kit: SignInKit): void {
  const { send, signedIn, refusal, body, linkGone } = kit;
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
      (ws, csrf, t) =>
        registrationOpen(ws)
          ? registerMain(t, ws.slug, values, said(t, { ...st, csrf }))
          : registrationClosedMain(t, ws.slug),
      status,
    );
  const registrationOpenTitle = "signin:register.title";
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
      return registerForm(req, reply, values, { message: EXPIRED }, 403);
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
    return send(req, reply, "signin:checkEmail.title", (ws, _c, t) => checkEmailMain(t, ws.slug), 202);
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
      "signin:verify.title",
      (ws, csrf, t) => verifyMain(t, ws.slug, token, who, said(t, { ...st, csrf })),
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
        return await verifyForm(req, reply, { message: EXPIRED }, 403);
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
}

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { acceptInvitation, findInvitation, type Invitation } from "../../agents/agent.service.ts";
import { completeAgentReset, findAgentReset, requestAgentPasswordReset } from "../../agents/agent-reset.ts";
import { resolveSession, signIn } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import { PRE_SESSION_EXPIRED, preSessionToken, preSessionTokenHolds } from "../shared/pre-session.ts";
import { sessionTokenOf, setSessionCookie } from "./gate.ts";
import { safeNext, sendPublicAppPage } from "./layout.ts";
import {
  forgotMain,
  inviteGoneMain,
  inviteMain,
  resetGoneMain,
  resetMain,
  signInForm,
} from "./sign-in.views.ts";

// /app/sign-in, /app/invite, /app/forgot and /app/reset/{token}: the agents' ways in, outside the gate. Both set the session
// cookie, so both forms carry the pre-session token (pre-session.ts); a post without it is
// answered with the form again, nothing done.

/** With one workspace (the usual self-hosted case) nobody has to type its slug. */
async function onlyWorkspaceSlug(ctx: AppContext): Promise<string | undefined> {
  const rows = await ctx.database.db.selectFrom("workspaces").select("slug").limit(2).execute();
  return rows.length === 1 ? rows[0]?.slug : undefined;
}

export const signInPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    // --- accepting an invitation: the link in the email sets the agent's password -------------

    const invitePage = (
      req: FastifyRequest,
      reply: FastifyReply,
      token: string,
      inv: Invitation,
      opts: { errors?: FieldErrors; message?: string; status?: number } = {},
    ) =>
      sendPublicAppPage(reply, {
        title: "Choose your password",
        status: opts.status ?? 200,
        main: inviteMain(token, inv, {
          csrf: preSessionToken(ctx.config, req, reply),
          ...(opts.errors ? { errors: opts.errors } : {}),
          ...(opts.message ? { message: opts.message } : {}),
        }),
      });
    const inviteGone = (reply: FastifyReply, message: string) =>
      sendPublicAppPage(reply, { title: "Invitation not valid", status: 404, main: inviteGoneMain(message) });

    app.get<{ Querystring: { t?: string } }>("/app/invite", async (req, reply) => {
      try {
        const inv = await findInvitation(ctx, req.query.t);
        return invitePage(req, reply, req.query.t as string, inv);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return inviteGone(reply, err.message);
        throw err;
      }
    });

    app.post("/app/invite", async (req, reply) => {
      const token = formString(req.body, "t") ?? "";
      const password = formString(req.body, "password") ?? "";
      try {
        if (!preSessionTokenHolds(ctx.config, req)) {
          const inv = await findInvitation(ctx, token);
          return invitePage(req, reply, token, inv, { message: PRE_SESSION_EXPIRED, status: 403 });
        }
        const inv = await acceptInvitation(ctx, token, password);
        const s = await signIn(ctx, {
          workspace: inv.workspace.slug,
          email: inv.email,
          password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        setSessionCookie(ctx, reply, s.token, s.expiresAt);
        return reply.redirect("/app", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return inviteGone(reply, err.message);
        if (err instanceof AppError && err.status === 400 && err.fields) {
          const inv = await findInvitation(ctx, token);
          return invitePage(req, reply, token, inv, { errors: err.fields, status: 400 });
        }
        throw err;
      }
    });

    // --- signing in ----------------------------------------------------------------------------

    app.get<{ Querystring: { next?: string; signedOut?: string } }>("/app/sign-in", async (req, reply) => {
      const session = await resolveSession(ctx, sessionTokenOf(ctx, req));
      if (session) return reply.redirect(safeNext(req.query.next), 303);
      const only = await onlyWorkspaceSlug(ctx);
      return sendPublicAppPage(reply, {
        title: "Sign in",
        main: signInForm(
          { workspace: only, next: safeNext(req.query.next) },
          {
            csrf: preSessionToken(ctx.config, req, reply),
            askWorkspace: !only,
            ...(req.query.signedOut ? { notice: "You are signed out." } : {}),
          },
        ),
      });
    });

    app.post("/app/sign-in", async (req, reply) => {
      const values = {
        workspace: (formString(req.body, "workspace") ?? "").trim().toLowerCase(),
        email: (formString(req.body, "email") ?? "").trim(),
        next: safeNext(formString(req.body, "next")),
      };
      const password = formString(req.body, "password") ?? "";
      const askWorkspace = !(await onlyWorkspaceSlug(ctx));
      const again = (status: number, errors?: FieldErrors, message?: string) =>
        sendPublicAppPage(reply, {
          title: "Sign in",
          status,
          main: signInForm(values, {
            csrf: preSessionToken(ctx.config, req, reply),
            askWorkspace,
            ...(errors ? { errors } : {}),
            ...(message ? { message } : {}),
          }),
        });
      if (!preSessionTokenHolds(ctx.config, req)) return again(403, undefined, PRE_SESSION_EXPIRED);
      const missing: FieldErrors = {};
      if (!values.workspace) missing.workspace = "is required";
      if (!values.email) missing.email = "is required";
      if (!password) missing.password = "is required";
      if (Object.keys(missing).length) return again(400, missing);
      try {
        const s = await signIn(ctx, {
          ...values,
          password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        setSessionCookie(ctx, reply, s.token, s.expiresAt);
        return reply.redirect(values.next, 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          if (err.headers) reply.headers(err.headers);
          return again(err.status, undefined, err.message);
        }
        throw err;
      }
    });

    // --- "Forgot password?": a link by email, then a new password -------------------------------

    app.get("/app/forgot", async (req, reply) => {
      const only = await onlyWorkspaceSlug(ctx);
      return sendPublicAppPage(reply, {
        title: "Reset your password",
        main: forgotMain(
          { workspace: only },
          { csrf: preSessionToken(ctx.config, req, reply), askWorkspace: !only },
        ),
      });
    });

    app.post("/app/forgot", async (req, reply) => {
      const values = {
        workspace: (formString(req.body, "workspace") ?? "").trim().toLowerCase(),
        email: (formString(req.body, "email") ?? "").trim(),
      };
      const askWorkspace = !(await onlyWorkspaceSlug(ctx));
      const again = (status: number, opts: { errors?: FieldErrors; message?: string; sent?: boolean }) =>
        sendPublicAppPage(reply, {
          title: "Reset your password",
          status,
          main: forgotMain(values, { csrf: preSessionToken(ctx.config, req, reply), askWorkspace, ...opts }),
        });
      if (!preSessionTokenHolds(ctx.config, req)) return again(403, { message: PRE_SESSION_EXPIRED });
      const missing: FieldErrors = {};
      if (!values.workspace) missing.workspace = "is required";
      if (!values.email) missing.email = "is required";
      if (Object.keys(missing).length) return again(400, { errors: missing });
      try {
        await requestAgentPasswordReset(ctx, { ...values, ip: req.ip });
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          if (err.headers) reply.headers(err.headers);
          return again(err.status, { message: err.message });
        }
        throw err;
      }
      return again(202, { sent: true });
    });

    const resetGone = (reply: FastifyReply, message: string) =>
      sendPublicAppPage(reply, { title: "Link not valid", status: 404, main: resetGoneMain(message) });
    const resetPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      token: string,
      opts: { errors?: FieldErrors; message?: string; status?: number } = {},
    ) => {
      const r = await findAgentReset(ctx, token);
      return sendPublicAppPage(reply, {
        title: "Choose a new password",
        status: opts.status ?? 200,
        main: resetMain(token, r, {
          csrf: preSessionToken(ctx.config, req, reply),
          ...(opts.errors ? { errors: opts.errors } : {}),
          ...(opts.message ? { message: opts.message } : {}),
        }),
      });
    };

    app.get<{ Params: { token: string } }>("/app/reset/:token", async (req, reply) => {
      try {
        return await resetPage(req, reply, req.params.token);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return resetGone(reply, err.message);
        throw err;
      }
    });

    app.post<{ Params: { token: string } }>("/app/reset/:token", async (req, reply) => {
      const token = req.params.token;
      const password = formString(req.body, "password") ?? "";
      try {
        if (!preSessionTokenHolds(ctx.config, req)) {
          return await resetPage(req, reply, token, { message: PRE_SESSION_EXPIRED, status: 403 });
        }
        const r = await completeAgentReset(ctx, token, password);
        const s = await signIn(ctx, {
          workspace: r.workspace.slug,
          email: r.email,
          password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        setSessionCookie(ctx, reply, s.token, s.expiresAt);
        return reply.redirect("/app", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return resetGone(reply, err.message);
        if (err instanceof AppError && err.status === 400 && err.fields) {
          return resetPage(req, reply, token, { errors: err.fields, status: 400 }).catch((e) => {
            if (e instanceof AppError && e.status === 404) return resetGone(reply, e.message);
            throw e;
          });
        }
        throw err;
      }
    });
  };

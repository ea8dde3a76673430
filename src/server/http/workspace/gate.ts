import type { CookieSerializeOptions } from "@fastify/cookie";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { csrfTokenFor, resolveSession, type SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { addSessionGate, type GateAnswers } from "../shared/session-gate.ts";

// The agents' one gate, in front of the JSON API (/api/workspace) and the pages (/app) alike:
// the session from the agents' cookie, and on every write the CSRF token derived from it. The
// two trees differ only in how they answer a refusal (JSON_ANSWERS; app.pages.ts's redirect to
// sign-in and its 403 page). Sign-in, invitations and first-run setup stay outside it.

export const SESSION_COOKIE = "portico_session";

export function sessionCookieOptions(ctx: AppContext, expires: Date): CookieSerializeOptions {
  return { path: "/", httpOnly: true, sameSite: "lax", secure: ctx.config.cookieSecure, expires };
}

declare module "fastify" {
  interface FastifyRequest {
    session: SessionInfo | null;
    sessionToken: string | null;
  }
}

export function addAgentGate(tree: FastifyInstance, ctx: AppContext, answers: GateAnswers): void {
  tree.decorateRequest("session", null);
  tree.decorateRequest("sessionToken", null);
  addSessionGate<SessionInfo>(tree, {
    async resolve(req) {
      const token = req.cookies[SESSION_COOKIE];
      const session = await resolveSession(ctx, token);
      return session && token ? { session, token } : null;
    },
    admit(req, session, token) {
      req.session = session;
      req.sessionToken = token;
    },
    csrfTokenFor,
    answers,
  });
}

/** The session the gate admitted; only called inside a gated tree. */
export function sessionOf(req: FastifyRequest): SessionInfo {
  if (!req.session) throw new AppError(401, "unauthenticated", "Sign in to continue.");
  return req.session;
}

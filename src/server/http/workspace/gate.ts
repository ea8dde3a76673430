import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { bearerTokenOf, resolveApiKey } from "../../apikeys/api-key-auth.ts";
import { csrfTokenFor, resolveSession, type SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { cookieName, cookieOptions } from "../shared/cookies.ts";
import { addSessionGate, type GateAnswers } from "../shared/session-gate.ts";

// The agents' one gate, in front of the JSON API (/api/workspace) and the pages (/app) alike:
// the session from the agents' cookie, and on every write the CSRF token derived from it. The
// two trees differ only in how they answer a refusal (JSON_ANSWERS; app.pages.ts's redirect to
// sign-in and its 403 page). Sign-in, invitations and first-run setup stay outside it.
// On the JSON API only, `Authorization: Bearer ptk_…` is an API key instead of the cookie
// (apikeys/api-key-auth.ts): no CSRF token (no cookie rides along to forge), an agent's role, a
// read key GET and HEAD only, and never a route marked `config: { sessionOnly: true }` (managing
// keys, the session itself, the live stream).

/** portico_session, or __Host-portico_session on https (cookies.ts). */
export const sessionCookieName = (ctx: AppContext) => cookieName(ctx.config, "portico_session");

/** The agent's session token, from the one cookie name this configuration sets. */
export const sessionTokenOf = (ctx: AppContext, req: FastifyRequest): string | undefined =>
  req.cookies[sessionCookieName(ctx)];

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string, expiresAt: string) {
  reply.setCookie(sessionCookieName(ctx), token, cookieOptions(ctx.config, { expires: new Date(expiresAt) }));
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply) {
  reply.clearCookie(sessionCookieName(ctx), cookieOptions(ctx.config, { expires: new Date(0) }));
}

declare module "fastify" {
  interface FastifyRequest {
    session: SessionInfo | null;
    /** The session cookie's token; null for a request admitted with an API key. */
    sessionToken: string | null;
  }
  interface FastifyContextConfig {
    /** A route of the agents' JSON API that an API key may not use (a session's own business). */
    sessionOnly?: boolean;
  }
}

const READ_METHODS = new Set(["GET", "HEAD"]);

export function addAgentGate(
  tree: FastifyInstance,
  ctx: AppContext,
  answers: GateAnswers,
  opts: { apiKeys?: boolean } = {},
): void {
  tree.decorateRequest("session", null);
  tree.decorateRequest("sessionToken", null);
  addSessionGate<SessionInfo>(tree, {
    async resolve(req) {
      const token = sessionTokenOf(ctx, req);
      const session = await resolveSession(ctx, token);
      return session && token ? { session, token } : null;
    },
    admit(req, session, token) {
      // The address travels with the actor, for the audit log of admins' actions.
      req.session = { ...session, actor: { ...session.actor, ip: req.ip } };
      req.sessionToken = token;
    },
    csrfTokenFor,
    answers,
    ...(opts.apiKeys
      ? {
          async admitWithoutCookie(req: FastifyRequest) {
            const token = bearerTokenOf(req.headers.authorization);
            if (token === undefined) return false;
            const session = await resolveApiKey(ctx, token, req.ip);
            const key = session.actor.apiKey;
            if (req.routeOptions.config.sessionOnly) {
              throw new AppError(
                403,
                "api_key_not_allowed",
                "This route needs an admin's own session, not an API key.",
              );
            }
            if (key?.scope === "read" && !READ_METHODS.has(req.method)) {
              throw new AppError(
                403,
                "api_key_read_only",
                "This API key is read only: GET and HEAD requests only.",
              );
            }
            req.session = session;
            return true;
          },
        }
      : {}),
  });
}

/** The session the gate admitted; only called inside a gated tree. */
export function sessionOf(req: FastifyRequest): SessionInfo {
  if (!req.session) throw new AppError(401, "unauthenticated", "Sign in to continue.");
  return req.session;
}

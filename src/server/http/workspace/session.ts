import type { CookieSerializeOptions } from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { csrfTokenFor, resolveSession, type SessionInfo } from "../../auth/session.service.ts";
import { safeEqual } from "../../auth/tokens.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";

export const SESSION_COOKIE = "portico_session";

export function sessionCookieOptions(ctx: AppContext, expires: Date): CookieSerializeOptions {
  return { path: "/", httpOnly: true, sameSite: "lax", secure: ctx.config.cookieSecure, expires };
}

export const AgentSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal("admin"), Type.Literal("agent")]),
  active: Type.Boolean(),
  lastLoginAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

export const SessionSchema = Type.Object({
  agent: AgentSchema,
  workspace: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() }),
  csrfToken: Type.String(),
  expiresAt: Type.String({ format: "date-time" }),
});

declare module "fastify" {
  interface FastifyRequest {
    session: SessionInfo | null;
    sessionToken: string | null;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The one gate of the workspace tree: a live session, and on every write the CSRF token that
 * belongs to it. Registered once for the whole tree, with no exemptions inside.
 */
export function requireAgentSession(ctx: AppContext) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const token = req.cookies[SESSION_COOKIE];
    const session = await resolveSession(ctx, token);
    if (!session || !token) throw new AppError(401, "unauthenticated", "Sign in to continue.");
    if (!SAFE_METHODS.has(req.method)) {
      const given = req.headers["x-csrf-token"];
      if (typeof given !== "string" || !safeEqual(given, csrfTokenFor(token))) {
        throw new AppError(
          403,
          "csrf_failed",
          "The request is missing its X-CSRF-Token. Reload the page and try again.",
        );
      }
    }
    req.session = session;
    req.sessionToken = token;
  };
}

/** The session set by requireAgentSession; only called inside the workspace tree. */
export function sessionOf(req: FastifyRequest): SessionInfo {
  if (!req.session) throw new AppError(401, "unauthenticated", "Sign in to continue.");
  return req.session;
}

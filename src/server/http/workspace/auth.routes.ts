import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { PASSWORD_MAX } from "../../auth/passwords.ts";
import { signIn } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { Email, Line, Password, StrictObject } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { SessionSchema } from "./auth.schemas.ts";
import { setSessionCookie } from "./gate.ts";

// Signing in is the one agent route without a session; it lives in its own tree.
export const authRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      "/sign-in",
      {
        schema: {
          tags: ["auth"],
          summary: "Sign in as an agent",
          description:
            "JSON only. Sets the httpOnly session cookie and returns the CSRF token to send as X-CSRF-Token on every write. Failed attempts are throttled per account and client address, per address and per account; a client that has not been failing is still heard. Refused with 403 cross_site_request when sent from another site.",
          body: StrictObject({
            workspace: Line(40, "The workspace slug"),
            email: Email(),
            password: Password(PASSWORD_MAX),
          }),
          response: { 200: SessionSchema, ...errors(400, 401, 403, 429) },
        },
      },
      async (req, reply) => {
        const s = await signIn(ctx, {
          workspace: req.body.workspace,
          email: req.body.email,
          password: req.body.password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        setSessionCookie(ctx, reply, s.token, s.expiresAt);
        return { agent: s.agent, workspace: s.workspace, csrfToken: s.csrfToken, expiresAt: s.expiresAt };
      },
    );
  };

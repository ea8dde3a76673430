import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  agentResetsSettled,
  completeAgentReset,
  requestAgentPasswordReset,
} from "../../agents/agent-reset.ts";
import { PASSWORD_MAX } from "../../auth/passwords.ts";
import { signIn } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { Email, Key, Line, Password, StrictObject } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { SessionSchema } from "./auth.schemas.ts";
import { setSessionCookie } from "./gate.ts";

// Signing in is the one agent route without a session; it lives in its own tree.
export const authRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Reset links asked for just before shutting down are written before the database closes.
    app.addHook("onClose", () => agentResetsSettled());
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

    app.post(
      "/password-reset",
      {
        schema: {
          tags: ["auth"],
          summary: "Email an agent a link to choose a new password",
          description:
            "Always 202 with the same body, whether or not the address is an agent's; the link is valid for an hour and works once. Throttled per address asked for and per client (429).",
          body: StrictObject({ workspace: Line(40, "The workspace slug"), email: Email() }),
          response: { 202: Type.Object({ message: Type.String() }), ...errors(400, 403, 429) },
        },
      },
      async (req, reply) => {
        await requestAgentPasswordReset(ctx, { ...req.body, ip: req.ip });
        return reply.status(202).send({
          message: "If that address belongs to an agent of the workspace, a link is on its way to it.",
        });
      },
    );

    app.post(
      "/password-reset/confirm",
      {
        schema: {
          tags: ["auth"],
          summary: "Choose a new password from a reset link",
          description: "Signs the agent out everywhere; sign in again with the new password.",
          body: StrictObject({
            token: Key(128, { minLength: 1, description: "The token from the emailed link" }),
            password: Password(PASSWORD_MAX, "At least 10 characters, not a common password"),
          }),
          response: { 204: Type.Null(), ...errors(400, 403, 404) },
        },
      },
      async (req, reply) => {
        await completeAgentReset(ctx, req.body.token, req.body.password);
        return reply.status(204).send(null);
      },
    );
  };

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { resendAgentInvitation, sendAgentResetLink } from "../../agents/agent-reset.ts";
import { getPortalAccess, inviteContact, setPortalAccess } from "../../contacts/portal-access.ts";
import type { AppContext } from "../../context.ts";
import { Nullable, OneOf, StrictObject } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Contacts' portal access (none / own requests / their company's) and invitations to the portal;
// admins' links for agents (a password reset, an invitation sent again). Under the agents' gate
// with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const PortalAccessSchema = Type.Object({
  access: OneOf(["none", "own", "company"] as const, "Nothing, their own requests, or their company's"),
  hasAccount: Type.Boolean({ description: "Has chosen a password and confirmed the address" }),
  lastSignInAt: Nullable(Type.String({ format: "date-time" })),
  invitation: Nullable(
    Type.Object({
      sentAt: Type.String({ format: "date-time" }),
      expiresAt: Type.String({ format: "date-time" }),
    }),
  ),
});

export const workspaceContactAccessRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/contacts/:id/portal-access",
      {
        schema: {
          tags: ["contacts"],
          summary: "A contact's portal access and invitation",
          security,
          params: IdParams,
          response: { 200: PortalAccessSchema, ...errors(401, 404) },
        },
      },
      async (req) => getPortalAccess(ctx, sessionOf(req).actor, req.params.id),
    );

    app.put(
      "/contacts/:id/portal-access",
      {
        schema: {
          tags: ["contacts"],
          summary: "Change a contact's portal access",
          description:
            "'none' signs the contact out everywhere at once. 'company' needs the contact to have a company.",
          security,
          params: IdParams,
          body: StrictObject({ access: OneOf(["none", "own", "company"] as const) }),
          response: { 200: PortalAccessSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => setPortalAccess(ctx, sessionOf(req).actor, req.params.id, req.body.access),
    );

    app.post(
      "/contacts/:id/portal-invitation",
      {
        schema: {
          tags: ["contacts"],
          summary: "Invite a contact to the portal, or send the invitation again",
          description:
            "Emails a link to choose a password (valid 7 days, once); a new one retires the earlier link. Access 'none' becomes 'own'.",
          security,
          params: IdParams,
          response: { 200: PortalAccessSchema, ...errors(401, 403, 404) },
        },
      },
      async (req) => inviteContact(ctx, sessionOf(req).actor, req.params.id),
    );

    app.post(
      "/agents/:id/password-reset",
      {
        schema: {
          tags: ["settings"],
          summary: "Email an agent a link to choose a new password (admins)",
          description:
            "The link is valid for an hour and works once; the agent's password stays until it is used.",
          security,
          params: IdParams,
          response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        await sendAgentResetLink(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/agents/:id/invitation",
      {
        schema: {
          tags: ["settings"],
          summary: "Send an agent's invitation again (admins)",
          description:
            "Only for an agent who has not chosen a password yet (else 409); the earlier link stops working.",
          security,
          params: IdParams,
          response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        await resendAgentInvitation(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );
  };

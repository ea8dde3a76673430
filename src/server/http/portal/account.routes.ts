import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { revokeCustomerSession } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { Nullable, OneOf } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { addCustomerGate, clearCustomerCookie, customerOf } from "./gate.ts";

// Signed-in customers: /api/portal/{slug}/…, every route behind the one customer gate.

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 40 }) });
const tags = ["customer portal"];
const security = [{ customerSession: [] }];

const Me = Type.Object({
  name: Type.String(),
  email: Type.String(),
  company: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  scope: OneOf(["own", "company"] as const, "What the portal shows: their own requests, or their company's"),
});

export const portalAccountRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    addCustomerGate(app, ctx);

    app.get(
      "/:slug/me",
      {
        schema: {
          tags,
          summary: "Who is signed in",
          security,
          params: SlugParams,
          response: { 200: Me, ...errors(401) },
        },
      },
      async (req) => {
        const c = customerOf(req);
        return { name: c.contact.name, email: c.contact.email, company: c.company, scope: c.actor.scope };
      },
    );

    app.post(
      "/:slug/sign-out",
      {
        schema: {
          tags,
          summary: "Sign out",
          security: [{ customerSession: [], customerCsrf: [] }],
          params: SlugParams,
          response: { 204: Type.Null(), ...errors(401, 403) },
        },
      },
      async (req, reply) => {
        await revokeCustomerSession(ctx, req.customerToken as string);
        clearCustomerCookie(ctx, reply);
        return reply.status(204).send(null);
      },
    );
  };

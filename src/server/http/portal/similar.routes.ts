import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { SUBJECT_MAX } from "../../../shared/tickets.ts";
import type { AppContext } from "../../context.ts";
import { tooManyRequests } from "../../errors.ts";
import { SIMILAR_MAX, similarOpenRequests } from "../../tickets/similar.ts";
import { errors } from "../shared/schema.ts";
import { customerOf } from "./gate.ts";

// /api/portal/{slug}/similar: while a signed-in customer types a subject on the submit form, the
// open requests they may see on the same topic ("A colleague already reported this").

const SimilarRequest = Type.Object({
  reference: Type.String({ examples: ["TKT-0042"] }),
  subject: Type.String(),
  status: Type.String(),
  statusLabel: Type.String(),
  openedBy: Type.String({ description: "The first name of the contact who opened it" }),
  openedByYou: Type.Boolean(),
  createdAt: Type.String({ format: "date-time" }),
});

/** Behind the customers' one gate (account.routes.ts portalApiRoutes). */
export const portalSimilarRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/:slug/similar",
      {
        schema: {
          tags: ["customer portal"],
          summary: "Open requests on the same topic as a subject being typed",
          description: `Up to ${SIMILAR_MAX} open requests the signed-in customer may see (their own, their company's as its manager, those they are copied in on) sharing the subject's words. Limited to 120 a minute per customer.`,
          security: [{ customerSession: [] }],
          params: Type.Object({ slug: Type.String({ maxLength: 40 }) }),
          querystring: Type.Object(
            { subject: Type.String({ maxLength: SUBJECT_MAX }) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ items: Type.Array(SimilarRequest) }),
            ...errors(400, 401, 429),
          },
        },
      },
      async (req, reply) => {
        const c = customerOf(req);
        const d = await ctx.limiter.consume(`similar:${c.actor.contactId}`, 120, 60_000);
        if (!d.allowed)
          throw tooManyRequests("Too many requests. Please wait a moment.", d.retryAfterSeconds);
        reply.header("cache-control", "private, no-store");
        return { items: await similarOpenRequests(ctx, c.actor, req.query.subject) };
      },
    );
  };

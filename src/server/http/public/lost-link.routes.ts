import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { Email, StrictObject } from "../../lib/schema.ts";
import { emailOpenRequests } from "../../tickets/lost-link.ts";
import { apiEntry } from "../portal/portal-entry.ts";
import { errors } from "../shared/schema.ts";

// POST /api/public/portals/{slug}/lost-link: "Email me my requests" for customers without an
// account. Always the same answer; on a portal that needs sign-in, 401 sign_in_required.

export const LostLinkBody = StrictObject({ email: Email() });

const LOST_LINK_MESSAGE =
  "If that address has open requests with us, we have sent it an email with a fresh link to each.";

export const lostLinkRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      "/portals/:slug/lost-link",
      {
        schema: {
          tags: ["portal"],
          summary: "Email me my requests",
          description:
            "Sends the address one email listing its open requests, each with a fresh tracking link, when it is a contact's with open requests. The answer is the same either way. Limited to 5 a hour per client address (429); an address gets at most 2 such emails an hour (further asks get the same answer and no email). A portal that needs sign-in answers 401 sign_in_required: its customers sign in instead.",
          params: Type.Object({ slug: Type.String({ maxLength: 40 }) }),
          body: LostLinkBody,
          response: {
            202: Type.Object({ message: Type.String() }),
            ...errors(400, 401, 404, 415, 429),
          },
        },
      },
      async (req, reply) => {
        const { ws } = await apiEntry(ctx, req, req.params.slug);
        await emailOpenRequests(ctx, ws, { email: req.body.email, clientAddress: req.ip });
        return reply.status(202).send({ message: LOST_LINK_MESSAGE });
      },
    );
  };

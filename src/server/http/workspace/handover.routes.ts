import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { customerHealth } from "../../handover/customer-health.ts";
import { CustomerHealth, HandoverBody, HandoverResult } from "../../handover/handover.schemas.ts";
import { handOver } from "../../handover/handover.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Bot handover: a chatbot or AI assistant hands a conversation to the team (handover/), and the
// customer health summary it carries, for any contact. Inside the workspace tree (its gate applies).

const security = [{ session: [], csrf: [] }];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const workspaceHandoverRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      "/handovers",
      {
        schema: {
          tags: ["integrations"],
          summary: "Hand a chatbot conversation over to the team",
          description:
            "Finds or creates the contact by email and opens a ticket like a portal request (channel chat). The customer's messages are the public conversation; the assistant's messages, its attempted steps and summary and the customer's health are one internal note. The customer gets the usual confirmation email with the tracking link. The same conversationId handed over again answers its first ticket with 200.",
          security,
          body: HandoverBody,
          response: { 200: HandoverResult, 201: HandoverResult, ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const { result, replayed } = await handOver(ctx, sessionOf(req).actor, req.body);
        return reply.status(replayed ? 200 : 201).send(result);
      },
    );

    app.get(
      "/contacts/:id/health",
      {
        schema: {
          tags: ["contacts"],
          summary: "A customer's health summary",
          description:
            "Open tickets (count and the newest references), total tickets, the latest CSAT and NPS answers, and how the customer's messages read (sentiment).",
          security,
          params: IdParams,
          response: { 200: CustomerHealth, ...errors(401, 404) },
        },
      },
      async (req) => customerHealth(ctx.database.db, sessionOf(req).actor, req.params.id),
    );
  };

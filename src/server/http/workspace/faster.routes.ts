import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AppContext } from "../../context.ts";
import { getTicketDetail } from "../../tickets/detail.ts";
import { BulkBody, BulkResult, MergeBody, MergeResult, QueueViews } from "../../tickets/faster.schemas.ts";
import { bulkUpdate, queueViews, takeTicket } from "../../tickets/faster.ts";
import { mergeTickets } from "../../tickets/merge.ts";
import { TicketDetail } from "../../tickets/ticket.schemas.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";
import { Ref } from "./workspace.schemas.ts";

// Working faster: take a ticket, change many at once, merge two, and the views' counts.

const security = [{ session: [], csrf: [] }];
const tags = ["tickets"];

export const workspaceFasterRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      "/tickets/:reference/take",
      {
        schema: {
          tags,
          summary: "Take it: assign the ticket to me",
          security,
          params: Ref,
          response: { 200: TicketDetail, ...errors(401, 403, 404) },
        },
      },
      async (req) => {
        const actor = sessionOf(req).actor;
        await takeTicket(ctx, actor, req.params.reference);
        return getTicketDetail(ctx, actor, req.params.reference);
      },
    );

    app.post(
      "/tickets/bulk",
      {
        schema: {
          tags,
          summary: "One change to many tickets",
          description:
            "Assign (assigneeId null unassigns), set the status or priority of, or merge into one ticket, up to 100 tickets. Each ticket is changed on its own: the answer lists each one's result, and a refused one (not found, another customer's, …) does not undo the others.",
          security,
          body: BulkBody,
          response: { 200: BulkResult, ...errors(400, 401, 403) },
        },
      },
      async (req) => bulkUpdate(ctx, sessionOf(req).actor, req.body.references, req.body.action),
    );

    app.post(
      "/tickets/:reference/merge",
      {
        schema: {
          tags,
          summary: "Merge this ticket into another of the same customer",
          description:
            "The conversation, files, history and copied-in colleagues move to `into`; this ticket is closed and marked merged, and its tracking links open the other. Refused for another customer's ticket (409 merge_other_customer), for the ticket itself (400) and into a closed ticket (409).",
          security,
          params: Ref,
          body: MergeBody,
          response: { 200: MergeResult, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => mergeTickets(ctx, sessionOf(req).actor, req.params.reference, req.body.into),
    );

    app.get(
      "/views",
      {
        schema: {
          tags,
          summary: "The queue's views with their counts",
          description:
            "All open, Mine, Unassigned and Waiting for us (the customer wrote last), counted now.",
          security,
          response: { 200: QueueViews, ...errors(401) },
        },
      },
      async (req) => ({ views: await queueViews(ctx, sessionOf(req).actor) }),
    );
  };

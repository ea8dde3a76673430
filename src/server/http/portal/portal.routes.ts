import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { sendStoredFile } from "../../files/file.service.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import {
  addColleagueCc,
  closeAsCustomer,
  listColleagues,
  removeColleagueCc,
  replyAsCustomer,
} from "../../tickets/customer-portal.actions.ts";
import {
  Colleague,
  PortalHome,
  PortalListQuery,
  PortalReplyResult,
  PortalTicket,
  PortalTicketList,
} from "../../tickets/customer-portal.schemas.ts";
import { getPortalTicket, listPortalTickets, portalHome } from "../../tickets/customer-portal.ts";
import { ConversationQuery, CustomerReplyBody, TicketStatusSchema } from "../../tickets/ticket.schemas.ts";
import { sendJsonOnce } from "../shared/json-once.ts";
import { errors, FILE_ANSWER, THUMBNAIL_IMAGE_ANSWER } from "../shared/schema.ts";
import { customerOf } from "./gate.ts";
import { findRequestFile } from "./request-files.ts";

// The signed-in portal's JSON API: /api/portal/{slug}/home, /tickets …, every route behind the
// customer gate and every read through the customer's scope. A request of another company or
// workspace, or none at all, is the same 404 ticket_not_found.

const tags = ["customer portal"];
const security = [{ customerSession: [] }];
const writeSecurity = [{ customerSession: [], customerCsrf: [] }];

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 40 }) });
const TicketParams = Type.Object({
  slug: Type.String({ maxLength: 40 }),
  reference: Type.String({ maxLength: 20, description: "The request's reference, e.g. TKT-0042" }),
});
const CcParams = Type.Object({ ...TicketParams.properties, contactId: Type.String({ maxLength: 40 }) });
const FileParams = Type.Object({ ...TicketParams.properties, id: Type.String({ maxLength: 40 }) });

/** Behind the customers' one gate (account.routes.ts portalApiRoutes). */
export const portalRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/:slug/home",
      {
        schema: {
          tags,
          summary: "The portal's home",
          description:
            "The requests not yet resolved (their own, and their company's where their access allows) and the latest customer-visible activity on them.",
          security,
          params: SlugParams,
          response: { 200: PortalHome, ...errors(401) },
        },
      },
      // The same answer comes back until the database changes (portalHome): serialised once.
      async (req, reply) => sendJsonOnce(reply, await portalHome(ctx, customerOf(req).actor)),
    );

    app.get(
      "/:slug/tickets",
      {
        schema: {
          tags,
          summary: "The customer's requests",
          description: "Recently active first, 25 a page; pass nextCursor as cursor for the next page.",
          security,
          params: SlugParams,
          querystring: PortalListQuery,
          response: { 200: PortalTicketList, ...errors(400, 401) },
        },
      },
      async (req, reply) =>
        sendJsonOnce(reply, await listPortalTickets(ctx, customerOf(req).actor, req.query)),
    );

    app.get(
      "/:slug/tickets/:reference",
      {
        schema: {
          tags,
          summary: "One request",
          description:
            "Its public conversation, files and the colleagues copied in. Never an internal note. The conversation is paged, newest messages first: the newest `limit` (50 unless asked) in time order, with `hasOlder` and `nextBefore`; ask again with `before=nextBefore` for older ones. A `before` that is not a public message of this request is 400 validation_failed (field `before`).",
          security,
          params: TicketParams,
          querystring: Type.Object(ConversationQuery),
          response: { 200: PortalTicket, ...errors(400, 401, 404) },
        },
      },
      async (req) =>
        getPortalTicket(ctx, customerOf(req).actor, req.params.reference, {
          limit: req.query.limit,
          before: req.query.before,
        }),
    );

    app.get(
      "/:slug/tickets/:reference/attachments/:id",
      {
        schema: {
          tags,
          summary: "Download a file of a request",
          description: "Files on internal notes and other requests' files get the same 404.",
          security,
          params: FileParams,
          response: {
            200: FILE_ANSWER,
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) => {
        const { reference, id } = req.params;
        return sendStoredFile(ctx, reply, await findRequestFile(ctx, customerOf(req).actor, reference, id));
      },
    );

    app.get(
      "/:slug/tickets/:reference/attachments/:id/thumbnail",
      {
        schema: {
          tags,
          summary: "An image file's thumbnail",
          description: "The same access as the download; a file without a thumbnail is the same 404.",
          security,
          params: FileParams,
          response: {
            200: THUMBNAIL_IMAGE_ANSWER,
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) => {
        const { reference, id } = req.params;
        return sendThumbnail(ctx, reply, await findRequestFile(ctx, customerOf(req).actor, reference, id));
      },
    );

    app.post(
      "/:slug/tickets/:reference/replies",
      {
        schema: {
          tags,
          summary: "Reply to a request",
          description:
            "Reopens a Resolved or Waiting request. A Closed one is final: the reply starts a follow-up request, whose reference is returned. Limited per request and per client address (REPLY_RATE_LIMIT_PER_TICKET_PER_HOUR, REPLY_RATE_LIMIT_PER_ADDRESS_PER_HOUR): past either, 429 rate_limited with Retry-After.",
          security: writeSecurity,
          params: TicketParams,
          body: CustomerReplyBody,
          response: { 201: PortalReplyResult, ...errors(400, 401, 403, 404, 413, 415, 429) },
        },
      },
      async (req, reply) => {
        const result = await replyAsCustomer(
          ctx,
          customerOf(req).actor,
          req.params.reference,
          req.body,
          req.ip,
        );
        return reply.status(201).send(result);
      },
    );

    app.post(
      "/:slug/tickets/:reference/close",
      {
        schema: {
          tags,
          summary: "This is solved",
          description: "Resolves the request. One already resolved or closed stays as it is.",
          security: writeSecurity,
          params: TicketParams,
          response: { 200: Type.Object({ status: TicketStatusSchema }), ...errors(401, 403, 404) },
        },
      },
      async (req) => closeAsCustomer(ctx, customerOf(req).actor, req.params.reference),
    );

    app.get(
      "/:slug/colleagues",
      {
        schema: {
          tags,
          summary: "Colleagues to copy in",
          description: "The other contacts of their company, for a company manager; empty otherwise.",
          security,
          params: SlugParams,
          response: { 200: Type.Object({ items: Type.Array(Colleague) }), ...errors(401) },
        },
      },
      async (req) => ({ items: await listColleagues(ctx, customerOf(req).actor) }),
    );

    app.put(
      "/:slug/tickets/:reference/ccs/:contactId",
      {
        schema: {
          tags,
          summary: "Copy a colleague in",
          description:
            "A manager copies a colleague of their company in on one of its requests: the colleague sees it in their portal.",
          security: writeSecurity,
          params: CcParams,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await addColleagueCc(ctx, customerOf(req).actor, req.params.reference, req.params.contactId);
        return reply.status(204).send(null);
      },
    );

    app.delete(
      "/:slug/tickets/:reference/ccs/:contactId",
      {
        schema: {
          tags,
          summary: "Take a colleague off a request",
          description: "A manager of the request's company, or the colleague themselves.",
          security: writeSecurity,
          params: CcParams,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await removeColleagueCc(ctx, customerOf(req).actor, req.params.reference, req.params.contactId);
        return reply.status(204).send(null);
      },
    );
  };

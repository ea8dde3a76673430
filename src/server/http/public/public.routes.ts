import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { DESCRIPTION_MAX, TICKET_TYPES } from "../../../shared/tickets.ts";
import type { AppContext } from "../../context.ts";
import { validationFailed } from "../../errors.ts";
import { Nullable } from "../../lib/schema.ts";
import { submitPortalTicket } from "../../tickets/submit.ts";
import {
  ConversationQuery,
  CustomerReplyBody,
  CustomerReplyResult,
  SubmitBody,
  SubmitResult,
  TrackingView,
  VisitorSubmitBody,
} from "../../tickets/ticket.schemas.ts";
import { getTrackingView, replyAsTokenHolder } from "../../tickets/tracking.ts";
import { brandingOf } from "../../workspaces/workspace.branding.ts";
import { getWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import {
  apiEntry,
  customerCsrfFailed,
  customerCsrfHolds,
  type PortalEntry,
  trackingViewer,
} from "../portal/portal-entry.ts";
import { sendJsonOnce } from "../shared/json-once.ts";
import { readerLocale } from "../shared/locale.ts";
import { errors } from "../shared/schema.ts";
import { validateBody } from "../shared/validation.ts";

// Customers without an account. No session is read here; a tracking token opens one ticket.

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 40 }) });
const TicketParams = Type.Object({
  slug: Type.String({ maxLength: 40 }),
  reference: Type.String({ maxLength: 20 }),
});
const TokenQuery = Type.Object({
  t: Type.Optional(Type.String({ maxLength: 128, description: "The tracking token from the link" })),
});
const TrackQuery = Type.Object({ ...TokenQuery.properties, ...ConversationQuery });

/** A submission's portal entry, from its preValidation to its handler. */
const submitEntries = new WeakMap<FastifyRequest, PortalEntry>();
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const TRACKING_CACHE = "private, max-age=10, stale-while-revalidate=60";

export const publicRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/portals/:slug",
      {
        schema: {
          tags: ["portal"],
          summary: "A portal's branding",
          description: "The white-label fields with their defaults applied (seed: Branding).",
          params: SlugParams,
          response: {
            200: Type.Object({
              slug: Type.String(),
              brandName: Type.String(),
              logoUrl: Nullable(Type.String()),
              primaryColor: Type.String(),
              supportEmail: Nullable(Type.String()),
              ticketTypes: Type.Array(Type.String()),
              descriptionMaxLength: Type.Integer(),
            }),
            ...errors(404),
          },
        },
      },
      async (req, reply) => {
        const ws = await getWorkspaceBySlug(ctx, req.params.slug);
        reply.header("cache-control", "public, max-age=60");
        return {
          slug: ws.slug,
          ...brandingOf(ws),
          ticketTypes: [...TICKET_TYPES],
          descriptionMaxLength: DESCRIPTION_MAX,
        };
      },
    );

    app.post(
      "/portals/:slug/tickets",
      {
        schema: {
          tags: ["portal"],
          summary: "Submit a request",
          description:
            "No account needed on a public portal: name and email are then required. A signed-in customer (the customer session cookie, with its X-CSRF-Token) sends neither: the request is theirs and their company's, and trackingUrl is the request's page in the signed-in portal. A portal that needs sign-in answers 401 sign_in_required without a session. Send an Idempotency-Key header so a retried or double-clicked submission makes one ticket. Limited to 10 per hour per client address.",
          params: SlugParams,
          headers: Type.Object({ "idempotency-key": Type.Optional(Type.String({ maxLength: 200 })) }),
          body: SubmitBody,
          response: {
            201: SubmitResult,
            ...errors(400, 401, 403, 404, 413, 415, 422, 429),
          },
        },
        // Before the body's schema: a visitor's submission needs name and email too, and a
        // refusal names every field at fault at once.
        preValidation: async (req) => {
          const entry = await apiEntry(ctx, req, (req.params as { slug: string }).slug);
          submitEntries.set(req, entry);
          const body = req.body;
          if (!entry.customer && body !== null && typeof body === "object" && !Array.isArray(body)) {
            const fields = validateBody(VisitorSubmitBody, body);
            if (fields) throw validationFailed(fields);
          }
        },
      },
      async (req, reply) => {
        // Decided once, before the body's schema (preValidation above).
        const entry = submitEntries.get(req) ?? (await apiEntry(ctx, req, req.params.slug));
        if (!customerCsrfHolds(req, entry)) throw customerCsrfFailed();
        const key = req.headers["idempotency-key"];
        if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
          throw validationFailed({ "Idempotency-Key": "must be 1–200 visible ASCII characters" });
        }
        const { result, replayed } = await submitPortalTicket(ctx, {
          slug: req.params.slug,
          customer: entry.customer,
          input: req.body,
          clientAddress: req.ip,
          idempotencyKey: key,
          locale: readerLocale(ctx.config, req),
          ws: entry.ws,
          kbVisitId: req.body.kbVisitId,
        });
        if (replayed) reply.header("idempotent-replayed", "true");
        return reply.status(201).send(result);
      },
    );

    app.get(
      "/portals/:slug/tickets/:reference",
      {
        schema: {
          tags: ["portal"],
          summary: "Track a request",
          description:
            "Needs the token from the tracking link. A wrong, expired or other ticket's token gets the same 404 as an unknown ticket. Internal notes are never included. On a portal that needs sign-in, only with the session of a customer who may see the ticket (else 401 sign_in_required, or 404). The conversation is paged, newest messages first: the answer holds the newest `limit` (50 unless asked) in time order, and `hasOlder` with `nextBefore` when older ones are left; ask again with `before=nextBefore` for those. A `before` that is not a public message of this ticket is 400 validation_failed (field `before`).",
          params: TicketParams,
          querystring: TrackQuery,
          response: {
            200: TrackingView,
            ...errors(400, 401, 404),
          },
        },
      },
      async (req, reply) => {
        const entry = await apiEntry(ctx, req, req.params.slug, { onlyIfRequired: true });
        const view = await getTrackingView(
          ctx,
          req.params.slug,
          req.params.reference,
          req.query.t,
          trackingViewer(entry),
          { limit: req.query.limit, before: req.query.before },
        );
        reply.header("cache-control", TRACKING_CACHE);
        // The same view comes back until the ticket changes (getTrackingView).
        return sendJsonOnce(reply, view);
      },
    );

    app.post(
      "/portals/:slug/tickets/:reference/replies",
      {
        schema: {
          tags: ["portal"],
          summary: "Reply to a request",
          description:
            "Adds a public message from the ticket's contact and reopens a Resolved or Waiting ticket. A Closed ticket is final: the reply starts a follow-up ticket, whose reference and tracking link are returned. Limited per ticket and per client address (REPLY_RATE_LIMIT_PER_TICKET_PER_HOUR, REPLY_RATE_LIMIT_PER_ADDRESS_PER_HOUR): past either, 429 rate_limited with Retry-After.",
          params: TicketParams,
          querystring: TokenQuery,
          body: CustomerReplyBody,
          response: {
            201: CustomerReplyResult,
            ...errors(400, 401, 404, 413, 415, 429),
          },
        },
      },
      async (req, reply) => {
        const entry = await apiEntry(ctx, req, req.params.slug);
        const result = await replyAsTokenHolder(ctx, {
          viewer: trackingViewer(entry),
          slug: req.params.slug,
          reference: req.params.reference,
          token: req.query.t,
          body: req.body.body,
          attachments: req.body.attachments,
          clientAddress: req.ip,
        });
        return reply.status(201).send(result);
      },
    );
  };

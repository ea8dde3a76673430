import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import {
  Delivery,
  DeliveryDetail,
  DeliveryPage,
  DeliveryQuery,
  Webhook,
  WebhookInput,
  WebhookPatch,
  WebhookWithSecret,
} from "../../webhooks/webhook.schemas.ts";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  rollWebhookSecret,
  updateWebhook,
} from "../../webhooks/webhook.service.ts";
import { getDelivery, listDeliveries, resendDelivery, sendTestEvent } from "../../webhooks/webhook-log.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Webhooks, for admins, inside the workspace tree (its session and CSRF hook apply). Another
// agent, and another workspace's endpoint, get 404.

const security = [{ session: [], csrf: [] }];
const tags = ["integrations"];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const DeliveryParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  deliveryId: Type.String({ maxLength: 200 }),
});

export const workspaceWebhookRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/webhooks",
      {
        schema: {
          tags,
          summary: "Webhooks: the addresses told of the workspace's events",
          description: "Admins only.",
          security,
          response: { 200: Type.Object({ items: Type.Array(Webhook) }), ...errors(401, 404) },
        },
      },
      async (req) => ({ items: await listWebhooks(ctx, sessionOf(req).actor) }),
    );

    app.post(
      "/webhooks",
      {
        schema: {
          tags,
          summary: "Add a webhook",
          description:
            "Admins only; at most 20 per workspace. The address must be public unless the operator allowed it (WEBHOOK_ALLOW_PRIVATE_TARGETS). The answer carries the signing secret, shown this once.",
          security,
          body: WebhookInput,
          response: { 201: WebhookWithSecret, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => reply.status(201).send(await createWebhook(ctx, sessionOf(req).actor, req.body)),
    );

    app.get(
      "/webhooks/:id",
      {
        schema: {
          tags,
          summary: "A webhook",
          security,
          params: IdParams,
          response: { 200: Webhook, ...errors(401, 404) },
        },
      },
      async (req) => getWebhook(ctx, sessionOf(req).actor, req.params.id),
    );

    app.patch(
      "/webhooks/:id",
      {
        schema: {
          tags,
          summary: "Change, pause or turn on a webhook",
          description:
            'state "paused" queues nothing more for it; "active" turns it on again (a disabled one too, its failing streak forgotten).',
          security,
          params: IdParams,
          body: WebhookPatch,
          response: { 200: Webhook, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => updateWebhook(ctx, sessionOf(req).actor, req.params.id, req.body),
    );

    app.delete(
      "/webhooks/:id",
      {
        schema: {
          tags,
          summary: "Delete a webhook and its delivery log",
          security,
          params: IdParams,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await deleteWebhook(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/webhooks/:id/secret",
      {
        schema: {
          tags,
          summary: "Replace a webhook's signing secret",
          description: "The new secret is in the answer, this once; the old one stops signing at once.",
          security,
          params: IdParams,
          response: { 200: WebhookWithSecret, ...errors(401, 403, 404) },
        },
      },
      async (req) => rollWebhookSecret(ctx, sessionOf(req).actor, req.params.id),
    );

    app.post(
      "/webhooks/:id/test",
      {
        schema: {
          tags,
          summary: "Send a test event",
          description: "Queues a webhook.ping delivery for this endpoint; it shows in the log once sent.",
          security,
          params: IdParams,
          response: { 202: Delivery, ...errors(401, 403, 404) },
        },
      },
      async (req, reply) =>
        reply.status(202).send(await sendTestEvent(ctx, sessionOf(req).actor, req.params.id)),
    );

    app.get(
      "/webhooks/:id/deliveries",
      {
        schema: {
          tags,
          summary: "A webhook's delivery log",
          description: "Newest first; state filters; pass nextCursor as cursor for the next page.",
          security,
          params: IdParams,
          querystring: DeliveryQuery,
          response: { 200: DeliveryPage, ...errors(400, 401, 404) },
        },
      },
      async (req) =>
        listDeliveries(ctx, sessionOf(req).actor, req.params.id, {
          state: req.query.state,
          cursor: req.query.cursor,
          limit: req.query.limit,
        }),
    );

    app.get(
      "/webhooks/:id/deliveries/:deliveryId",
      {
        schema: {
          tags,
          summary: "A delivery with every attempt",
          security,
          params: DeliveryParams,
          response: { 200: DeliveryDetail, ...errors(401, 404) },
        },
      },
      async (req) => getDelivery(ctx, sessionOf(req).actor, req.params.id, req.params.deliveryId),
    );

    app.post(
      "/webhooks/:id/deliveries/:deliveryId/resend",
      {
        schema: {
          tags,
          summary: "Send a delivery again",
          description: "Queues a new delivery with the same event and body; the log keeps both.",
          security,
          params: DeliveryParams,
          response: { 202: Delivery, ...errors(401, 403, 404) },
        },
      },
      async (req, reply) =>
        reply
          .status(202)
          .send(await resendDelivery(ctx, sessionOf(req).actor, req.params.id, req.params.deliveryId)),
    );
  };

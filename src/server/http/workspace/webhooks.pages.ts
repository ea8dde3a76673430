import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import {
  DELIVERY_STATES,
  WebhookInput,
  type WebhookInputT,
  type WebhookView,
} from "../../webhooks/webhook.schemas.ts";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  requireWebhookAdmin,
  rollWebhookSecret,
  updateWebhook,
} from "../../webhooks/webhook.service.ts";
import { getDelivery, listDeliveries, resendDelivery, sendTestEvent } from "../../webhooks/webhook-log.ts";
import { validateBody } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import {
  deliveryMain,
  emptyWebhookValues,
  type WebhookValues,
  webhookMain,
  webhooksMain,
  webhookValuesOf,
} from "./webhooks.views.ts";

// /app/settings/webhooks: admins add, change, pause, test and delete webhooks and read their
// delivery log (others get the 404 page, as from the API). The forms pass the JSON API's own
// schema; the signing secret is shown on the page answering the POST that made it, never in a
// redirect's address.

const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

function formList(body: unknown, key: string, max = 20): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.filter((x): x is string => typeof x === "string" && x !== "").slice(0, max);
}

const readForm = (body: unknown): WebhookValues => ({
  name: (formString(body, "name") ?? "").trim(),
  url: (formString(body, "url") ?? "").trim(),
  format: formString(body, "format") ?? "json",
  events: formList(body, "events"),
});

const NOTICES: Record<string, string> = {
  saved: "Webhook saved.",
  deleted: "Webhook deleted.",
  paused: "Webhook paused: nothing more is queued for it until it is resumed.",
  active: "Webhook turned on.",
  test: "Test event queued: it shows in the log below once sent.",
  resent: "Delivery queued again: it shows in the log below.",
};

const id64 = (id: string) => id.slice(0, 64);
const STATES: readonly string[] = DELIVERY_STATES;

export const webhookPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.addHook("preHandler", async (req) => requireWebhookAdmin(actorOf(req)));

    const showList = async (
      req: FastifyRequest,
      reply: FastifyReply,
      opts: { values?: WebhookValues; errors?: Record<string, string>; message?: string; status?: number },
    ) =>
      sendAppPage(req, reply, {
        title: "Webhooks",
        section: "settings",
        status: opts.status ?? 200,
        main: webhooksMain(req, await listWebhooks(ctx, actorOf(req)), {
          values: opts.values ?? emptyWebhookValues(),
          errors: opts.errors,
          message: opts.message,
          notice: NOTICES[String((req.query as { done?: string }).done ?? "")],
        }),
      });

    const showOne = async (
      req: FastifyRequest,
      reply: FastifyReply,
      w: WebhookView,
      opts: {
        values?: WebhookValues;
        errors?: Record<string, string>;
        message?: string;
        status?: number;
        secret?: { value: string | null };
      } = {},
    ) => {
      const q = req.query as Record<string, string | undefined>;
      const state = STATES.includes(q.state ?? "")
        ? (q.state as (typeof DELIVERY_STATES)[number])
        : undefined;
      const cursor = (q.cursor ?? "").slice(0, 300) || undefined;
      const page = await listDeliveries(ctx, actorOf(req), w.id, { state, cursor, limit: 25 }).catch(
        (err) => {
          // A damaged cursor shows the first page.
          if (err instanceof AppError && err.status === 400)
            return listDeliveries(ctx, actorOf(req), w.id, { state, limit: 25 });
          throw err;
        },
      );
      const next = page.nextCursor
        ? `/app/settings/webhooks/${w.id}?${new URLSearchParams({ ...(state ? { state } : {}), cursor: page.nextCursor })}#log`
        : null;
      return sendAppPage(req, reply, {
        title: `Webhook: ${w.name}`,
        section: "settings",
        status: opts.status ?? 200,
        main: webhookMain(
          req,
          w,
          { items: page.items, state, next },
          {
            values: opts.values ?? webhookValuesOf(w),
            errors: opts.errors,
            message: opts.message,
            notice: NOTICES[q.done ?? ""],
            secret: opts.secret,
          },
        ),
      });
    };

    /** The form's values checked by the API's schema; the service checks the address and events. */
    const inputOf = (v: WebhookValues) => {
      const input = { name: v.name, url: v.url, format: v.format, events: v.events };
      const errors = validateBody(WebhookInput, input);
      return errors ? { errors } : { input: input as WebhookInputT };
    };

    const failure = (err: unknown) => {
      if (err instanceof AppError && err.status < 500 && err.status !== 404) {
        return err.fields
          ? { errors: err.fields, status: err.status }
          : { message: err.message, status: err.status };
      }
      throw err;
    };

    app.get("/", (req, reply) => showList(req, reply, {}));

    app.post("/", async (req, reply) => {
      const values = readForm(req.body);
      const checked = inputOf(values);
      if (checked.errors) return showList(req, reply, { values, errors: checked.errors, status: 400 });
      try {
        const made = await createWebhook(ctx, actorOf(req), checked.input);
        return showOne(req, reply, made.webhook, { status: 201, secret: { value: made.secret } });
      } catch (err) {
        return showList(req, reply, { values, ...failure(err) });
      }
    });

    app.get<{ Params: { id: string } }>("/:id", async (req, reply) =>
      showOne(req, reply, await getWebhook(ctx, actorOf(req), id64(req.params.id))),
    );

    app.post<{ Params: { id: string } }>("/:id", async (req, reply) => {
      const w = await getWebhook(ctx, actorOf(req), id64(req.params.id));
      const values = readForm(req.body);
      const checked = inputOf(values);
      if (checked.errors) return showOne(req, reply, w, { values, errors: checked.errors, status: 400 });
      try {
        await updateWebhook(ctx, actorOf(req), w.id, checked.input);
        return reply.redirect(`/app/settings/webhooks/${w.id}?done=saved`, 303);
      } catch (err) {
        return showOne(req, reply, w, { values, ...failure(err) });
      }
    });

    app.post<{ Params: { id: string } }>("/:id/state", async (req, reply) => {
      const state = formString(req.body, "state") === "paused" ? "paused" : "active";
      const w = await updateWebhook(ctx, actorOf(req), id64(req.params.id), { state });
      return reply.redirect(`/app/settings/webhooks/${w.id}?done=${state}`, 303);
    });

    app.post<{ Params: { id: string } }>("/:id/secret", async (req, reply) => {
      const rolled = await rollWebhookSecret(ctx, actorOf(req), id64(req.params.id));
      return showOne(req, reply, rolled.webhook, { secret: { value: rolled.secret } });
    });

    app.post<{ Params: { id: string } }>("/:id/test", async (req, reply) => {
      const d = await sendTestEvent(ctx, actorOf(req), id64(req.params.id));
      return reply.redirect(`/app/settings/webhooks/${d.endpointId}?done=test#log`, 303);
    });

    app.post<{ Params: { id: string } }>("/:id/delete", async (req, reply) => {
      await deleteWebhook(ctx, actorOf(req), id64(req.params.id));
      return reply.redirect("/app/settings/webhooks?done=deleted", 303);
    });

    app.get<{ Params: { id: string; deliveryId: string } }>(
      "/:id/deliveries/:deliveryId",
      async (req, reply) => {
        const w = await getWebhook(ctx, actorOf(req), id64(req.params.id));
        const d = await getDelivery(ctx, actorOf(req), w.id, req.params.deliveryId.slice(0, 200));
        return sendAppPage(req, reply, {
          title: `Delivery: ${w.name}`,
          section: "settings",
          main: deliveryMain(req, w, d),
        });
      },
    );

    app.post<{ Params: { id: string; deliveryId: string } }>(
      "/:id/deliveries/:deliveryId/resend",
      async (req, reply) => {
        const d = await resendDelivery(
          ctx,
          actorOf(req),
          id64(req.params.id),
          req.params.deliveryId.slice(0, 200),
        );
        return reply.redirect(`/app/settings/webhooks/${d.endpointId}?done=resent#log`, 303);
      },
    );
  };

import { type Static, Type } from "typebox";
import { Key, Line, Nullable, OneOf, StrictObject } from "../lib/schema.ts";
import { WEBHOOK_EVENTS } from "./webhook-events.ts";
import { WEBHOOK_URL_MAX } from "./webhook-url.ts";

// Webhooks' request and response shapes: one set of rules for the JSON API and the settings
// page's forms.

export const WEBHOOK_NAME_MAX = 120;
/** How many endpoints one workspace may keep. */
export const WEBHOOK_ENDPOINTS_MAX = 20;
export const WEBHOOK_FORMATS = ["json", "slack"] as const;
export const WEBHOOK_STATES = ["active", "paused", "disabled"] as const;
export const DELIVERY_STATES = ["pending", "succeeded", "failed"] as const;

const Events = Type.Array(OneOf(WEBHOOK_EVENTS), {
  minItems: 1,
  maxItems: WEBHOOK_EVENTS.length,
  uniqueItems: true,
  description: "The events sent to this address (at least one)",
});
const Url = Line(WEBHOOK_URL_MAX, "Where the events are POSTed: a public http or https address");
const Format = OneOf(
  WEBHOOK_FORMATS,
  "json: the signed JSON envelope; slack: a chat's incoming webhook (Slack, Mattermost, Rocket.Chat)",
);

export const WebhookInput = StrictObject({
  name: Line(WEBHOOK_NAME_MAX, "What the admins call it"),
  url: Url,
  format: Type.Optional(Format),
  events: Events,
});
export type WebhookInputT = Static<typeof WebhookInput>;

export const WebhookPatch = StrictObject({
  name: Type.Optional(Line(WEBHOOK_NAME_MAX)),
  url: Type.Optional(Url),
  format: Type.Optional(Format),
  events: Type.Optional(Events),
  state: Type.Optional(
    OneOf(
      ["active", "paused"] as const,
      "paused: nothing is queued for it; active: queued again (also re-enables a disabled one)",
    ),
  ),
});
export type WebhookPatchT = Static<typeof WebhookPatch>;

export const Webhook = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  format: OneOf(WEBHOOK_FORMATS),
  events: Type.Array(Type.String()),
  state: OneOf(WEBHOOK_STATES),
  disabledReason: Nullable(Type.String({ description: "Why Portico switched it off" })),
  failingSince: Nullable(Type.String({ format: "date-time" })),
  lastSuccessAt: Nullable(Type.String({ format: "date-time" })),
  lastFailureAt: Nullable(Type.String({ format: "date-time" })),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type WebhookView = Static<typeof Webhook>;

export const WebhookWithSecret = Type.Object({
  webhook: Webhook,
  secret: Nullable(
    Type.String({
      description:
        "The signing secret, shown this once (whsec_…); null for the chat format, which is not signed",
    }),
  ),
});
export type WebhookWithSecretT = Static<typeof WebhookWithSecret>;

export const Delivery = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  event: Type.String(),
  ticketId: Nullable(Type.String()),
  state: OneOf(DELIVERY_STATES),
  attempts: Type.Integer({ description: "How many tries so far" }),
  nextAttemptAt: Nullable(Type.String({ format: "date-time", description: "While pending" })),
  lastStatus: Nullable(Type.Integer({ description: "The last answer's HTTP status" })),
  lastDurationMs: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  resentFromId: Nullable(Type.String({ description: "The delivery this one sends again" })),
  occurredAt: Type.String({ format: "date-time" }),
  createdAt: Type.String({ format: "date-time" }),
  finishedAt: Nullable(Type.String({ format: "date-time" })),
});
export type DeliveryView = Static<typeof Delivery>;

export const DeliveryAttempt = Type.Object({
  id: Type.String(),
  at: Type.String({ format: "date-time" }),
  status: Nullable(Type.Integer({ description: "null when no answer came (refused, timed out)" })),
  durationMs: Type.Integer(),
  responseExcerpt: Nullable(Type.String({ description: "The start of the answer's body, as text" })),
  error: Nullable(Type.String()),
});
export type DeliveryAttemptView = Static<typeof DeliveryAttempt>;

export const DeliveryDetail = Type.Object({
  delivery: Delivery,
  data: Type.Record(Type.String(), Type.Unknown(), { description: "The event's own facts" }),
  body: Nullable(Type.String({ description: "The exact body sent (fixed at the first attempt)" })),
  attemptLog: Type.Array(DeliveryAttempt, { description: "Every try, oldest first" }),
});
export type DeliveryDetailT = Static<typeof DeliveryDetail>;

export const DeliveryPage = Type.Object({
  items: Type.Array(Delivery),
  nextCursor: Nullable(Type.String()),
});
export type DeliveryPageT = Static<typeof DeliveryPage>;

export const DeliveryQuery = Type.Object(
  {
    state: Type.Optional(OneOf(DELIVERY_STATES)),
    cursor: Type.Optional(Key(300, { description: "nextCursor of the previous page" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

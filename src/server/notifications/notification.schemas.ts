import { type Static, Type } from "typebox";
import { Line, Nullable, OneOf, StrictObject } from "../lib/schema.ts";
import { NOTIFICATION_KINDS } from "./notification-kinds.ts";

// The bell's answers and the profile's notification choices, for the workspace API.

export const NotificationSchema = Type.Object({
  id: Type.String(),
  kind: OneOf(NOTIFICATION_KINDS, "What happened"),
  text: Type.String({ description: "The line as the bell shows it" }),
  ticket: Nullable(
    Type.Object(
      { reference: Type.String(), subject: Nullable(Type.String()) },
      { description: "Its ticket" },
    ),
  ),
  incident: Nullable(
    Type.Object(
      { id: Type.String(), title: Type.String() },
      { description: "Its incident (a notice of an incident declared or resolved)" },
    ),
  ),
  event: Nullable(Type.String({ description: "Which way it went: an incident's declared or resolved" })),
  by: Nullable(Type.String({ description: "Who did it: an agent's or the customer's name" })),
  excerpt: Nullable(Type.String({ description: "A few words of what was written" })),
  readAt: Nullable(Type.String({ format: "date-time" })),
  createdAt: Type.String({ format: "date-time" }),
});
export type NotificationView = Static<typeof NotificationSchema>;

export const NotificationListSchema = Type.Object({
  unread: Type.Integer({ minimum: 0, description: "The caller's unread notifications" }),
  items: Type.Array(NotificationSchema, { description: "Newest first" }),
});

export const NotificationListQuery = Type.Object({
  unread: Type.Optional(OneOf(["0", "1"] as const, "1: only the unread")),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: "At most this many (50)" })),
});

export const UnreadCountSchema = Type.Object({ unread: Type.Integer({ minimum: 0 }) });

const ChannelsSchema = StrictObject({
  app: Type.Boolean({ description: "In the app's bell" }),
  email: Type.Boolean({ description: "By email, to the agent alone" }),
});
const ChannelsPatch = Type.Partial(ChannelsSchema, { additionalProperties: false });

export const ProfileSchema = Type.Object({
  timeZone: Nullable(Type.String({ description: "The agent's time zone (IANA); null: the browser's" })),
  notifications: Type.Object(
    Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, ChannelsSchema])) as Record<
      (typeof NOTIFICATION_KINDS)[number],
      typeof ChannelsSchema
    >,
    { description: "Per kind, where the agent is told" },
  ),
});
export type Profile = Static<typeof ProfileSchema>;

export const ProfileBody = StrictObject({
  timeZone: Type.Optional(Nullable(Line(64, "An IANA time zone, e.g. Europe/Berlin; null: the browser's"))),
  notifications: Type.Optional(
    Type.Partial(
      StrictObject(
        Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, ChannelsPatch])) as Record<
          (typeof NOTIFICATION_KINDS)[number],
          typeof ChannelsPatch
        >,
      ),
      { additionalProperties: false },
    ),
  ),
});
export type ProfilePatch = Static<typeof ProfileBody>;

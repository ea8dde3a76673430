import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { Key } from "../../lib/schema.ts";
import {
  NotificationListQuery,
  NotificationListSchema,
  NotificationSchema,
  ProfileBody,
  ProfileSchema,
  UnreadCountSchema,
} from "../../notifications/notification.schemas.ts";
import {
  getProfile,
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  unreadCount,
  updateProfile,
} from "../../notifications/notification.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// The signed-in agent's bell (their own notifications only) and their profile's choices.

const security = [{ session: [], csrf: [] }];
const tags = ["notifications"];

export const workspaceNotificationRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/notifications",
      {
        schema: {
          tags,
          security,
          summary: "The caller's notifications, newest first, with the unread count",
          querystring: NotificationListQuery,
          response: { 200: NotificationListSchema, ...errors(400, 401) },
        },
      },
      async (req) =>
        listNotifications(ctx, sessionOf(req).actor, {
          unreadOnly: req.query.unread === "1",
          limit: req.query.limit,
        }),
    );
    app.get(
      "/notifications/count",
      {
        schema: {
          tags,
          security,
          summary: "How many of the caller's notifications are unread (the bell's badge)",
          response: { 200: UnreadCountSchema, ...errors(401) },
        },
      },
      async (req) => ({ unread: await unreadCount(ctx, sessionOf(req).actor) }),
    );
    app.post(
      "/notifications/read-all",
      {
        schema: {
          tags,
          security,
          summary: "Mark every notification of the caller's read (no body)",
          response: { 200: Type.Object({ marked: Type.Integer({ minimum: 0 }) }), ...errors(401) },
        },
      },
      async (req) => ({ marked: await markAllNotificationsRead(ctx, sessionOf(req).actor) }),
    );
    app.post(
      "/notifications/:id/read",
      {
        schema: {
          tags,
          security,
          summary: "Mark one of the caller's notifications read (no body); another's is a 404",
          params: Type.Object({ id: Key(64) }),
          response: { 200: NotificationSchema, ...errors(401, 404) },
        },
      },
      async (req) => markNotificationRead(ctx, sessionOf(req).actor, req.params.id),
    );
    app.get(
      "/profile",
      {
        schema: {
          tags,
          security,
          summary: "The caller's own choices: where each kind of notification reaches them, their time zone",
          response: { 200: ProfileSchema, ...errors(401) },
        },
      },
      async (req) => getProfile(ctx, sessionOf(req).actor),
    );
    app.patch(
      "/profile",
      {
        schema: {
          tags,
          security,
          summary: "Change the caller's own choices; what is left out stays",
          body: ProfileBody,
          response: { 200: ProfileSchema, ...errors(400, 401) },
        },
      },
      async (req) => updateProfile(ctx, sessionOf(req).actor, req.body),
    );
  };

import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import type { Profile } from "../../notifications/notification.schemas.ts";
import {
  agentTimeZone,
  getProfile,
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  unreadCount,
  updateProfile,
} from "../../notifications/notification.service.ts";
import { NOTIFICATION_KINDS } from "../../notifications/notification-kinds.ts";
import { formString } from "../../web/forms.ts";
import { sendAppPage } from "./layout.ts";
import { notificationsMain, profileMain } from "./notifications.views.ts";

// /app/notifications (the bell's page) and /app/profile (the agent's own choices). Plain forms
// that redirect back, so they work without JavaScript; app.js keeps the bell's count live.

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in agent's unread notifications and time zone, for the header (pages only). */
    bell: { unread: number; timeZone: string | null } | null;
  }
}

/** Before each page of the app: the bell's count and the agent's zone (two indexed reads). */
export function addNotificationBell(tree: FastifyInstance, ctx: AppContext): void {
  tree.decorateRequest("bell", null);
  tree.addHook("preHandler", async (req) => {
    if (req.method !== "GET" || !req.session) return;
    const actor = req.session.actor;
    const [unread, timeZone] = await Promise.all([unreadCount(ctx, actor), agentTimeZone(ctx, actor)]);
    req.bell = { unread, timeZone };
  });
}

export const notificationPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: { unread?: string; saved?: string } }>("/notifications", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const unreadOnly = req.query.unread === "1";
      const list = await listNotifications(ctx, actor, { unreadOnly, limit: 100 });
      return sendAppPage(req, reply, {
        title: list.unread > 0 ? `Notifications (${list.unread})` : "Notifications",
        main: notificationsMain(req, list, {
          unreadOnly,
          notice: req.query.saved === "all" ? "All marked read." : undefined,
        }),
      });
    });

    app.post("/notifications/read-all", async (req, reply) => {
      await markAllNotificationsRead(ctx, (req.session as SessionInfo).actor);
      return reply.redirect("/app/notifications?saved=all", 303);
    });

    app.post<{ Params: { id: string } }>("/notifications/:id/read", async (req, reply) => {
      await markNotificationRead(ctx, (req.session as SessionInfo).actor, req.params.id.slice(0, 64));
      return reply.redirect("/app/notifications", 303);
    });

    app.get<{ Querystring: { saved?: string } }>("/profile", async (req, reply) => {
      const s = req.session as SessionInfo;
      return sendAppPage(req, reply, {
        title: "Your profile",
        main: profileMain(req, await getProfile(ctx, s.actor), {
          saved: req.query.saved === "1",
          email: s.agent.email,
        }),
      });
    });

    app.post("/profile", async (req, reply) => {
      const s = req.session as SessionInfo;
      const notifications = {} as Profile["notifications"];
      for (const k of NOTIFICATION_KINDS) {
        notifications[k] = {
          app: formString(req.body, `${k}.app`) === "1",
          email: formString(req.body, `${k}.email`) === "1",
        };
      }
      const zone = (formString(req.body, "timeZone") ?? "").trim();
      try {
        await updateProfile(ctx, s.actor, {
          notifications,
          timeZone: zone === "" ? null : zone.slice(0, 64),
        });
      } catch (err) {
        if (!(err instanceof AppError) || err.status !== 400) throw err;
        const current = await getProfile(ctx, s.actor);
        return sendAppPage(req, reply, {
          title: "Your profile",
          status: 400,
          main: profileMain(
            req,
            { ...current, notifications: { ...current.notifications, ...notifications } },
            { errors: err.fields, email: s.agent.email },
          ),
        });
      }
      return reply.redirect("/app/profile?saved=1", 303);
    });
  };

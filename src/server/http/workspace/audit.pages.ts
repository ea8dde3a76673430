import type { FastifyPluginAsync } from "fastify";
import { isAuditAction, listAudit } from "../../audit/audit.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { sendAppPage } from "./layout.ts";
import { auditMain } from "./lifecycle.views.ts";

// /app/settings/audit: the audit log for admins (other agents get the 404 page, as for the API).

export const auditPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: Record<string, string | undefined> }>("/", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const given = (req.query.action ?? "").slice(0, 64);
      const action = isAuditAction(given) ? given : undefined;
      const cursor = (req.query.cursor ?? "").slice(0, 300) || undefined;
      const page = await listAudit(ctx, actor, { action, cursor, limit: 50 }).catch((err) => {
        // A damaged cursor shows the first page.
        if (err instanceof AppError && err.status === 400)
          return listAudit(ctx, actor, { action, limit: 50 });
        throw err;
      });
      const next = page.nextCursor
        ? `/app/settings/audit?${new URLSearchParams({ ...(action ? { action } : {}), cursor: page.nextCursor })}`
        : null;
      return sendAppPage(req, reply, {
        title: "Audit log",
        section: "settings",
        main: auditMain(page.items, action, next),
      });
    });
  };

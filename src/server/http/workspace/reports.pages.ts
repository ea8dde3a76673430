import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { forbidden } from "../../errors.ts";
import {
  buildMonthlyReport,
  getMonthlyReport,
  listMonthlyReports,
  monthLabel,
  previousMonth,
} from "../../insights/monthly-report.ts";
import { csrfField, sendAppPage } from "./layout.ts";
import { reportMain, reportsListMain } from "./reports.views.ts";

// /app/insights/reports: the monthly improvement reports of the workspace, for its agents; admins
// may build last month's now (a plain form; a report that exists is shown, not built again).

const sessionOfReq = (req: FastifyRequest) => req.session as SessionInfo;

export const reportPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get("/", async (req, reply) => {
      const s = sessionOfReq(req);
      const items = await listMonthlyReports(ctx, s.actor);
      const build =
        s.agent.role === "admin"
          ? { csrf: csrfField(req), lastMonth: await previousMonth(ctx, s.actor.workspaceId) }
          : null;
      return sendAppPage(req, reply, {
        section: "insights",
        title: "Monthly improvement reports",
        main: reportsListMain(items, build),
      });
    });

    app.post("/build", async (req, reply) => {
      const s = sessionOfReq(req);
      if (s.agent.role !== "admin") throw forbidden("Only admins build reports.");
      const month = await previousMonth(ctx, s.actor.workspaceId);
      await buildMonthlyReport(ctx, s.actor, month);
      return reply.redirect(`/app/insights/reports/${month}`, 303);
    });

    app.get<{ Params: { month: string } }>("/:month", async (req, reply) => {
      const report = await getMonthlyReport(ctx, sessionOfReq(req).actor, req.params.month.slice(0, 16));
      return sendAppPage(req, reply, {
        section: "insights",
        title: `Improvement report: ${monthLabel(report.month)}`,
        main: reportMain(report),
      });
    });
  };

import type { FastifyPluginAsync } from "fastify";
import { dashboard, dashboardRange } from "../../analytics/dashboard.ts";
import { presetRange } from "../../analytics/range.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { insightsMain } from "./insights.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/insights: the analytics dashboard. A plain GET form picks the range (and the comparison
// with the previous period); a range that is not one shows the form again with what is wrong.

type Query = { from?: string; to?: string; compare?: string };
const text = (v: unknown) => (typeof v === "string" && v !== "" ? v.slice(0, 40) : undefined);

export const insightsPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: Query }>("/insights", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const q = { from: text(req.query.from), to: text(req.query.to), compare: text(req.query.compare) };
      const compare = q.compare === "previous";
      try {
        const d = await dashboard(ctx, actor, q);
        return sendAppPage(req, reply, {
          title: "Insights",
          section: "insights",
          main: insightsMain({ from: d.from, to: d.to, compare, today: d.today }, d),
        });
      } catch (err) {
        if (!(err instanceof AppError) || err.status !== 400) throw err;
        const { today } = await dashboardRange(ctx, actor, {});
        const fallback = presetRange(today, 30);
        return sendAppPage(req, reply, {
          title: "Insights",
          section: "insights",
          status: 400,
          main: insightsMain(
            { from: q.from ?? fallback.from, to: q.to ?? fallback.to, compare, today },
            null,
            err.fields,
          ),
        });
      }
    });
  };

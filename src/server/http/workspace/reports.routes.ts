import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { MonthlyReport, ReportListItem } from "../../insights/monthly-report.schemas.ts";
import { getMonthlyReport, listMonthlyReports } from "../../insights/monthly-report.ts";
import { MONTH_PATTERN } from "../../lib/local-dates.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// The monthly improvement reports as JSON, for the workspace's agents (inside the workspace
// tree: its session and CSRF hook apply).

const security = [{ session: [], csrf: [] }];
const tags = ["insights"];

export const workspaceReportRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/reports",
      {
        schema: {
          tags,
          summary: "Monthly improvement reports",
          description: "The months with a stored report, newest first.",
          security,
          response: { 200: Type.Object({ items: Type.Array(ReportListItem) }), ...errors(401) },
        },
      },
      async (req) => ({ items: await listMonthlyReports(ctx, sessionOf(req).actor) }),
    );

    app.get(
      "/reports/:month",
      {
        schema: {
          tags,
          summary: "One monthly improvement report",
          description:
            "Lowest CSAT by ticket type, least helpful articles with comments, detractors, the CES trend and the month's numbers against the month before, each with a proposed action. 404 when no report was built for the month.",
          security,
          params: Type.Object({ month: Type.String({ pattern: MONTH_PATTERN, description: "YYYY-MM" }) }),
          response: { 200: MonthlyReport, ...errors(400, 401, 404) },
        },
      },
      async (req) => getMonthlyReport(ctx, sessionOf(req).actor, req.params.month),
    );
  };

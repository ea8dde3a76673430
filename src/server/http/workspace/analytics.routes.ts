import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  AnalyticsAnswer,
  AnalyticsQuery,
  CSV_ANSWER,
  CsvParams,
  CsvQuery,
} from "../../analytics/analytics.schemas.ts";
import { type Chart, chartRows, toCsv } from "../../analytics/csv.ts";
import { dashboard } from "../../analytics/dashboard.ts";
import type { AppContext } from "../../context.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

const security = [{ session: [] }];

// The dashboard's numbers for agents: the summary, the series and the previous period as JSON,
// and each chart's data as a CSV download.
export const workspaceAnalyticsRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/analytics",
      {
        schema: {
          tags: ["analytics"],
          summary: "The dashboard's numbers for a range of days",
          description:
            "Days are the workspace's (its time zone). Series are per day; response times and surveys per week beyond 90 days. Range: at most 366 days; default the last 30.",
          security,
          querystring: AnalyticsQuery,
          response: { 200: AnalyticsAnswer, ...errors(400, 401) },
        },
      },
      async (req) => {
        const d = await dashboard(ctx, sessionOf(req).actor, req.query);
        return {
          from: d.from,
          to: d.to,
          timeZone: d.timeZone,
          summary: d.summary,
          series: d.series,
          previous: d.previous,
        };
      },
    );

    app.get(
      "/analytics/:chart",
      {
        schema: {
          tags: ["analytics"],
          summary: "One chart's data as CSV",
          description:
            "created-resolved.csv, backlog.csv, response-times.csv, satisfaction.csv (CSAT, NPS, CES), deflection.csv, channels.csv, types.csv or agents.csv, for the same range as the dashboard.",
          security,
          params: CsvParams,
          querystring: CsvQuery,
          response: { 200: CSV_ANSWER, ...errors(400, 401) },
        },
      },
      async (req, reply) => {
        const chart = req.params.chart.replace(/\.csv$/, "") as Chart;
        const d = await dashboard(ctx, sessionOf(req).actor, req.query);
        const body = toCsv(chartRows(chart, d.summary, d.series));
        return reply
          .header("content-type", "text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="portico-${chart}-${d.from}-to-${d.to}.csv"`)
          .header("cache-control", "private, no-store")
          .send(body);
      },
    );
  };

import { type Static, Type } from "typebox";
import { Nullable } from "../lib/schema.ts";

// The monthly improvement report as stored (monthly_reports.data) and as the API answers it: one
// declaration types the builder, validates nothing (it is our own output) and documents the route.

const Action = Nullable(Type.String({ description: "The proposed action, a sentence; null when none" }));

export const CsatByType = Type.Object({
  type: Type.String(),
  average: Type.Number({ description: "Average CSAT 1–5, one decimal" }),
  count: Type.Integer(),
});

export const KbArticleRate = Type.Object({
  articleId: Type.String(),
  title: Type.String(),
  votes: Type.Integer(),
  noVotes: Type.Integer(),
  noRate: Type.Number({ description: "0–1" }),
  comments: Type.Array(Type.Object({ comment: Type.String(), createdAt: Type.String() })),
});

export const Detractor = Type.Object({
  surveyId: Type.String(),
  score: Type.Integer(),
  comment: Nullable(Type.String()),
  answeredAt: Type.String(),
  contactId: Type.String(),
  contactName: Nullable(Type.String()),
  companyId: Nullable(Type.String()),
  companyName: Nullable(Type.String()),
});

export const CesMonth = Type.Object({
  month: Type.String({ description: "YYYY-MM" }),
  average: Nullable(Type.Number()),
  count: Type.Integer(),
});

export const MonthNumbers = Type.Object({
  created: Type.Integer(),
  resolved: Type.Integer(),
  backlog: Type.Integer(),
  firstResponseMedian: Nullable(Type.Number({ description: "Seconds" })),
  resolutionMedian: Nullable(Type.Number({ description: "Seconds" })),
  deflectionRate: Nullable(Type.Number({ description: "0–1" })),
  csatAverage: Nullable(Type.Number()),
  npsScore: Nullable(Type.Number()),
});

export const MonthlyReport = Type.Object(
  {
    month: Type.String({ description: "YYYY-MM, in the workspace's time zone" }),
    timeZone: Type.String(),
    from: Type.String({ description: "The month's first instant (inclusive)" }),
    to: Type.String({ description: "The next month's first instant (exclusive)" }),
    generatedAt: Type.String(),
    /** Nothing happened: no tickets, no answers, no votes. */
    empty: Type.Boolean(),
    csatByType: Type.Object({ items: Type.Array(CsatByType), action: Action }),
    kbArticles: Type.Object({ minVotes: Type.Integer(), items: Type.Array(KbArticleRate), action: Action }),
    detractors: Type.Object({ count: Type.Integer(), items: Type.Array(Detractor), action: Action }),
    ces: Type.Object({ months: Type.Array(CesMonth), declining: Type.Boolean(), action: Action }),
    numbers: Type.Object({
      current: Nullable(MonthNumbers),
      previous: Nullable(MonthNumbers),
      /** Why the numbers are missing, when they are. */
      unavailable: Nullable(Type.String()),
      actions: Type.Array(Type.String()),
    }),
  },
  { description: "The monthly improvement report" },
);

export type MonthlyReportData = Static<typeof MonthlyReport>;
export type MonthNumbersData = Static<typeof MonthNumbers>;
export type CesMonthData = Static<typeof CesMonth>;

export const ReportListItem = Type.Object({
  month: Type.String({ description: "YYYY-MM" }),
  createdAt: Type.String(),
});

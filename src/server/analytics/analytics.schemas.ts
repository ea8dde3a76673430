import { Type } from "typebox";
import { Nullable, OneOf } from "../lib/schema.ts";
import { CHARTS } from "./csv.ts";

// The analytics API's query and answers (GET /api/workspace/analytics and its CSV exports).

const Day = (description: string) =>
  Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", "x-error": "must be a date (YYYY-MM-DD)", description });

export const AnalyticsQuery = Type.Object(
  {
    from: Type.Optional(Day("First day, in the workspace's time zone (default: 29 days before `to`)")),
    to: Type.Optional(Day("Last day, inclusive (default: today); at most 366 days after `from`")),
    compare: Type.Optional(OneOf(["previous"] as const, "Also the previous period of as many days")),
  },
  { additionalProperties: false },
);

export const CsvQuery = Type.Object(
  {
    from: Type.Optional(Day("First day, in the workspace's time zone")),
    to: Type.Optional(Day("Last day, inclusive")),
  },
  { additionalProperties: false },
);

export const CsvParams = Type.Object({
  chart: OneOf(
    CHARTS.map((c) => `${c}.csv` as const),
    "The chart whose data to download",
  ),
});

const Num = Nullable(Type.Number());
const Durations = Type.Object({
  median: Num,
  p90: Num,
  count: Type.Integer(),
});

const Summary = Type.Object({
  range: Type.Object(
    { from: Type.String(), to: Type.String() },
    { description: "Instants: from inclusive, to exclusive" },
  ),
  created: Type.Integer(),
  resolved: Type.Integer({ description: "Resolved, or closed without a resolution, in the range" }),
  backlog: Type.Integer({ description: "Open at the end of the range" }),
  firstResponse: Durations,
  resolution: Durations,
  csat: Type.Object({ average: Num, count: Type.Integer(), satisfiedRate: Num }),
  nps: Type.Object({
    score: Num,
    count: Type.Integer(),
    promoters: Type.Integer(),
    passives: Type.Integer(),
    detractors: Type.Integer(),
  }),
  ces: Type.Object({ average: Num, count: Type.Integer() }),
  deflection: Type.Object({ rate: Num, visits: Type.Integer() }),
  byType: Type.Array(
    Type.Object({
      type: Type.String(),
      created: Type.Integer(),
      csatAverage: Num,
      csatCount: Type.Integer(),
    }),
  ),
  byChannel: Type.Array(Type.Object({ channel: Type.String(), created: Type.Integer() })),
  byAgent: Type.Array(
    Type.Object({
      agentId: Type.String(),
      name: Type.String(),
      resolved: Type.Integer(),
      csatAverage: Num,
      csatCount: Type.Integer(),
      firstResponseMedian: Num,
    }),
  ),
});

export const AnalyticsAnswer = Type.Object({
  from: Type.String(),
  to: Type.String(),
  timeZone: Type.String(),
  summary: Summary,
  series: Type.Object({
    timeZone: Type.String(),
    bucket: OneOf(["day", "week"] as const, "Of `buckets`: days up to 90 days, weeks beyond"),
    days: Type.Array(
      Type.Object({
        day: Type.String(),
        created: Type.Integer(),
        resolved: Type.Integer(),
        backlog: Type.Integer(),
      }),
    ),
    buckets: Type.Array(
      Type.Object({
        start: Type.String(),
        created: Type.Integer(),
        resolved: Type.Integer(),
        firstResponse: Durations,
        resolution: Durations,
        csat: Type.Object({ average: Num, count: Type.Integer() }),
        nps: Type.Object({ score: Num, count: Type.Integer() }),
        ces: Type.Object({ average: Num, count: Type.Integer() }),
        deflection: Type.Object({ rate: Num, visits: Type.Integer() }),
      }),
    ),
  }),
  previous: Nullable(
    Type.Intersect([Summary, Type.Object({ from: Type.String(), to: Type.String() })], {
      description: "With compare=previous: the period of as many days before `from`",
    }),
  ),
});

export const CSV_ANSWER = {
  description: "The chart's data: a header row, then one row per day, bucket or item",
  content: { "text/csv": { schema: { type: "string" } } },
};

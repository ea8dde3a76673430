import { type Static, Type } from "typebox";
import type { SentimentTrend, TicketMood } from "../db/schema.sentiment.ts";
import { Nullable, OneOf } from "../lib/schema.ts";

// A ticket's mood as the API and the pages show it, and the queue's mood filter.

export const TREND_VALUES = ["improving", "worsening", "steady"] as const satisfies readonly SentimentTrend[];
export const MOOD_VALUES = ["angry", "urgent"] as const satisfies readonly TicketMood[];
/** The queue's filter: negative (score -0.4 or lower), or a marker. */
export const QUEUE_MOODS = ["negative", "angry", "urgent"] as const;
export type QueueMood = (typeof QUEUE_MOODS)[number];
export const isQueueMood = (s: string | undefined): s is QueueMood =>
  (QUEUE_MOODS as readonly string[]).includes(s ?? "");

export const TicketSentiment = Type.Object(
  {
    score: Type.Number({
      minimum: -1,
      maximum: 1,
      description:
        "The latest customer message's score: -1 very negative, 0 neutral (or not scored), 1 very positive",
    }),
    trend: Nullable(
      OneOf(TREND_VALUES, "Over the last customer messages; null until the customer has written twice"),
    ),
    mood: Nullable(
      OneOf(MOOD_VALUES, "angry: strongly negative (-0.65 or lower); urgent: urgent words; null: neither"),
    ),
  },
  { description: 'How the customer\'s latest message reads (README "Sentiment")' },
);
export type TicketSentiment = Static<typeof TicketSentiment>;

/** A tickets row's mood columns (migration 0030) as the API shows them. */
export function sentimentOf(row: object): TicketSentiment {
  const r = row as { sentiment?: number; sentiment_trend?: string | null; mood?: string | null };
  return {
    score: Number(r.sentiment ?? 0),
    trend: (r.sentiment_trend ?? null) as SentimentTrend | null,
    mood: (r.mood ?? null) as TicketMood | null,
  };
}

import type { Generated } from "kysely";

// Sentiment's columns (migration 0030), joined onto their tables in schema.ts's DB. Apart from
// schema.ts so the tables' own interfaces (and the rows built from them) stay as they are.

export type SentimentTrend = "improving" | "worsening" | "steady";
export type TicketMood = "angry" | "urgent";
export type SentimentPriorityRule = "off" | "high" | "urgent";

export interface TicketSentimentColumns {
  /** The latest customer message's score, -1 … 1 (0 until one is scored). */
  sentiment: Generated<number>;
  /** Over the last customer messages; null until there are two. */
  sentiment_trend: Generated<SentimentTrend | null>;
  /** The latest customer message's marker: strongly negative, or urgent words; null: neither. */
  mood: Generated<TicketMood | null>;
}

export interface CommentSentimentColumns {
  /** A customer message's score, -1 … 1; null for agents' replies, notes and system lines. */
  sentiment: Generated<number | null>;
}

export interface WorkspaceSentimentColumns {
  /** A strongly negative customer message raises the ticket's priority: not at all, to high, to urgent. */
  sentiment_priority_rule: Generated<SentimentPriorityRule>;
}

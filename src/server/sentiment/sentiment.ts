import { PRIORITY_RANK, type TicketPriority } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { SentimentPriorityRule, SentimentTrend, TicketMood } from "../db/schema.sentiment.ts";
import type { Tx } from "../db/schema.ts";
import { commentsVisibleTo, commentsWritableBy } from "../tickets/comment.access.ts";
import { ticketsVisibleTo, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { recordEvent } from "../tickets/ticket.events.ts";
import { type MessageMood, scoreMessage } from "./score.ts";

// What a customer's message does to its ticket, in the transaction that writes it: the ticket
// carries the latest score, the trend over the last messages and the marker (angry, urgent);
// and when the workspace's rule says so, a strongly negative message raises the priority, as an
// event by the system. The message's own score is kept on its comment. Called by insertTicket
// (a ticket opened by a customer) and afterCustomerComment (a reply by portal or email); their
// callers publish `{ topic: "ticket" }` after the commit, as for any change.

/** How many earlier customer messages the trend compares the new one with. */
const TREND_WINDOW = 2;
/** A change of the score by more than this against the earlier messages' mean is a trend. */
const TREND_STEP = 0.2;

export interface CustomerMessage {
  workspaceId: string;
  ticketId: string;
  /** The message's text (for a new ticket, its subject and description). */
  text: string;
  at: string;
  /** A reply on the ticket (false: the ticket's own subject and description, as it is opened). */
  reply: boolean;
  /** The reply's comment, already written: it gets the score and is left out of the earlier messages. */
  commentId?: string | undefined;
}

export interface MoodResult extends MessageMood {
  trend: SentimentTrend | null;
  mood: TicketMood | null;
  /** The priority it was raised to by the workspace's rule, if it was. */
  raisedTo: TicketPriority | null;
}

/** Trend of the latest score against the mean of the earlier ones (newest first); null without any. */
export function trendOf(latest: number, earlier: number[]): SentimentTrend | null {
  if (!earlier.length) return null;
  const mean = earlier.reduce((a, b) => a + b, 0) / earlier.length;
  if (latest - mean > TREND_STEP) return "improving";
  if (mean - latest > TREND_STEP) return "worsening";
  return "steady";
}

/** The priority the rule raises a ticket at `current` to: never lower, never when off. */
export function raisedPriority(rule: SentimentPriorityRule, current: TicketPriority): TicketPriority | null {
  if (rule === "off") return null;
  return PRIORITY_RANK[rule] > PRIORITY_RANK[current] ? rule : null;
}

/**
 * A ticket a customer opens, scored before it is written: nothing to read (no earlier message, so
 * no trend; the rule is the workspace row's) and its columns go into the ticket's own insert.
 * The same answer noteCustomerMessage gives for `reply: false` on the new ticket.
 */
export function moodOfNewTicket(
  rule: SentimentPriorityRule,
  priority: TicketPriority,
  text: string,
  locale: string | null,
): MoodResult {
  const scored = scoreMessage(text, locale);
  const mood: TicketMood | null = scored.angry ? "angry" : scored.urgent ? "urgent" : null;
  const raisedTo = scored.angry ? raisedPriority(rule, priority) : null;
  return { ...scored, trend: null, mood, raisedTo };
}

/** Scores a customer's message and applies it to its comment and ticket, in `tx`. */
export async function noteCustomerMessage(ctx: AppContext, tx: Tx, m: CustomerMessage): Promise<MoodResult> {
  const actor = systemActorIn("sentiment", m.workspaceId);
  const t = await ticketsVisibleTo(tx, actor)
    .innerJoin("workspaces", "workspaces.id", "tickets.workspace_id")
    .select([
      "tickets.priority",
      "tickets.locale",
      "tickets.sentiment",
      "workspaces.sentiment_priority_rule as rule",
    ])
    .where("tickets.id", "=", m.ticketId)
    .executeTakeFirstOrThrow();
  const scored = scoreMessage(m.text, t.locale);
  let earlierQuery = commentsVisibleTo(tx, actor)
    .select("comments.sentiment")
    .where("comments.ticket_id", "=", m.ticketId)
    .where("comments.author_type", "=", "contact")
    .where("comments.sentiment", "is not", null);
  if (m.commentId) earlierQuery = earlierQuery.where("comments.id", "!=", m.commentId);
  const earlier = await earlierQuery
    .orderBy("comments.created_at", "desc")
    .orderBy("comments.id", "desc")
    .limit(TREND_WINDOW)
    .execute();
  const earlierScores = earlier.map((r) => Number(r.sentiment));
  // The ticket's own text (subject and description) was its first message: a first reply's trend
  // compares with it.
  if (m.reply && earlierScores.length === 0) earlierScores.push(Number(t.sentiment));
  const trend = trendOf(scored.score, earlierScores);
  const mood: TicketMood | null = scored.angry ? "angry" : scored.urgent ? "urgent" : null;
  const raisedTo = scored.angry
    ? raisedPriority(t.rule as SentimentPriorityRule, t.priority as TicketPriority)
    : null;
  await ticketsWritableBy(tx, actor)
    .set({
      sentiment: scored.score,
      sentiment_trend: trend,
      mood,
      ...(raisedTo ? { priority: raisedTo } : {}),
    })
    .where("tickets.id", "=", m.ticketId)
    .execute();
  if (m.commentId) {
    await commentsWritableBy(tx, actor)
      .set({ sentiment: scored.score })
      .where("comments.id", "=", m.commentId)
      .execute();
  }
  if (raisedTo) {
    await recordEvent(ctx.database, tx, {
      workspaceId: m.workspaceId,
      ticketId: m.ticketId,
      actor: { type: "system", id: null },
      type: "priority_changed",
      data: { from: t.priority, to: raisedTo, reason: "sentiment", score: scored.score },
      at: m.at,
    });
  }
  return { ...scored, trend, mood, raisedTo };
}
